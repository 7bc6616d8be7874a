"""The SLA sweep over real PostgreSQL: evaluations, breaches and their credits, early warnings,
idempotency, late data (retraction, re-opening), the organisation's time zone, and a query count that
does not grow with the number of terms."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.notifications.models import Notification
from apps.performance.models import Breach, SlaEvaluation
from apps.performance.services import breach_waive
from apps.performance.sla import lookback_days, sla_evaluate_window, sla_sweep
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = dt.date(2026, 11, 23)  # October is the last closed month; November is open


def make_term(**overrides: Any) -> Any:
    contract_fields = {
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
        "value": D("365000"),
        "currency": "EUR",
        "status": "active",
        **overrides.pop("contract", {}),
    }
    contract = factories.ContractFactory(**contract_fields)
    kpi = overrides.pop("kpi", None) or factories.KpiDefinitionFactory(unit="%", aggregation="mean")
    return factories.SlaTermFactory(
        contract=contract,
        kpi=kpi,
        **{"comparator": "gte", "target": D("95"), "window": "month", "credit_percent": D("5"), **overrides},
    )


def measure(
    term: Any, end: dt.date, value: str | None = None, *, numerator: str | None = None, denominator: str | None = None
) -> Any:
    return factories.MeasurementFactory(
        contract=term.contract,
        kpi=term.kpi,
        period_start=end,
        period_end=end,
        value=D(value) if value is not None else D(numerator or 0) / D(denominator or 1) * 100,
        numerator=D(numerator) if numerator is not None else None,
        denominator=D(denominator) if denominator is not None else None,
    )


def evaluation(term: Any, start: dt.date) -> SlaEvaluation:
    return SlaEvaluation.objects.get(term=term, window_start=start)


def test_a_closed_window_that_misses_its_target_opens_one_breach_with_its_credit() -> None:
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    measure(term, dt.date(2026, 10, 31), "94")
    result = sla_sweep(as_of=AS_OF)
    october = evaluation(term, dt.date(2026, 10, 1))
    assert (october.status, october.value, october.samples, october.is_closed) == ("breached", D("92.0000"), 2, True)
    breach = Breach.objects.get()
    assert (breach.window_start, breach.window_end, breach.status) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        "open",
    )
    assert breach.evaluation == october and breach.value == D("92.0000") and breach.target == D("95")
    # 5 % of the contract's value for October's 31 days: 365 000 × 31 / 365 × 5 % = 1 550.00
    assert (breach.credit_amount, breach.currency, breach.magnitude) == (D("1550.00"), "EUR", D("3"))
    assert result.breaches_opened == 1
    # Months without data are no_data (never a breach); November is the open window.
    assert evaluation(term, dt.date(2026, 9, 1)).status == "no_data"
    november = evaluation(term, dt.date(2026, 11, 1))
    assert (november.status, november.is_closed) == ("on_track", False)


def test_a_second_sweep_changes_nothing_and_notifies_nobody(django_capture_on_commit_callbacks: Any) -> None:
    term = make_term()
    owner = term.contract.vendor.engineering_owner
    measure(term, dt.date(2026, 10, 10), "80")
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=AS_OF)
    assert Notification.objects.filter(recipient=owner).count() == 1
    before = list(SlaEvaluation.objects.order_by("pk").values_list("pk", "status", "value", "evaluated_at"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = sla_sweep(as_of=AS_OF)
    assert again.evaluations_written == 0 and again.breaches_opened == 0
    assert list(SlaEvaluation.objects.order_by("pk").values_list("pk", "status", "value", "evaluated_at")) == before
    assert Breach.objects.count() == 1 and Notification.objects.count() == 2
    assert callbacks == []


def test_late_data_retracts_the_breach_and_later_data_reopens_it() -> None:
    term = make_term(min_samples=1)
    first = measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    breach = Breach.objects.get()
    # A late, corrected figure for the same period: the window is met after all.
    first.value = D("99")
    first.save()
    result = sla_sweep(as_of=AS_OF)
    breach.refresh_from_db()
    assert (breach.status, result.breaches_retracted) == ("retracted", 1)
    assert breach.retracted_at is not None
    assert evaluation(term, dt.date(2026, 10, 1)).status == "met"
    # Another late measurement drags it under again: the same breach re-opens, never a second one.
    measure(term, dt.date(2026, 10, 20), "50")
    result = sla_sweep(as_of=AS_OF)
    breach.refresh_from_db()
    assert (breach.status, breach.value, result.breaches_reopened) == ("open", D("74.5000"), 1)
    assert Breach.objects.count() == 1


def test_late_data_that_makes_a_met_window_breach_opens_its_breach() -> None:
    """A window evaluated before (met, no breach) that late data makes breach gets its breach, on the same
    evaluation, recorded in the audit trail as the sweep's."""
    from pghistory.models import Events

    term = make_term()
    measure(term, dt.date(2026, 10, 10), "99")
    sla_sweep(as_of=AS_OF)
    october = evaluation(term, dt.date(2026, 10, 1))
    assert october.status == "met" and not Breach.objects.exists()
    measure(term, dt.date(2026, 10, 20), "71")
    result = sla_sweep(as_of=AS_OF)
    breach = Breach.objects.get()
    assert (result.breaches_opened, breach.evaluation_id, breach.value) == (1, october.pk, D("85.0000"))
    assert Events.objects.tracks(breach).get(pgh_label="insert").pgh_context["action"] == "sla_evaluate"


def test_new_evaluations_take_their_ids_from_the_tables_sequence() -> None:
    """The sweep numbers the evaluations it inserts from the table's own sequence, so each breach names
    its window's evaluation and a row saved afterwards takes the next id, never one the sweep used."""
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    swept = set(SlaEvaluation.objects.values_list("pk", flat=True))
    breach = Breach.objects.get()
    assert breach.evaluation_id in swept and breach.evaluation == evaluation(term, dt.date(2026, 10, 1))
    later = SlaEvaluation.objects.create(
        term=make_term(),
        window_start=dt.date(2026, 10, 1),
        window_end=dt.date(2026, 10, 31),
        status="met",
        evaluated_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    )
    assert later.pk > max(swept)


def test_late_data_restates_an_open_breach() -> None:
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    measure(term, dt.date(2026, 10, 11), "80")
    result = sla_sweep(as_of=AS_OF)
    assert result.breaches_updated == 1
    assert Breach.objects.get().value == D("85.0000")


def test_deleting_the_only_measurement_clears_the_window() -> None:
    term = make_term()
    only = measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    only.delete()
    sla_sweep(as_of=AS_OF)
    assert evaluation(term, dt.date(2026, 10, 1)).status == "no_data"
    assert Breach.objects.get().status == "retracted"


def test_a_waived_or_resolved_breach_is_left_alone_by_late_data(user_with_role: Any) -> None:
    term = make_term()
    row = measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    breach_waive(breach=Breach.objects.get(), actor=user_with_role(Role.EXECUTIVE), reason="Our own outage.")
    row.value = D("99")
    row.save()
    sla_sweep(as_of=AS_OF)
    assert Breach.objects.get().status == "waived"


def test_the_open_window_warns_early_but_never_breaches(django_capture_on_commit_callbacks: Any) -> None:
    term = make_term(warning_target=D("97"))
    measure(term, dt.date(2026, 11, 5), "96")  # within target, inside the warning band
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep(as_of=AS_OF)
    november = evaluation(term, dt.date(2026, 11, 1))
    assert (november.status, result.warnings, Breach.objects.count()) == ("at_risk", 1, 0)
    owners = {term.contract.vendor.engineering_owner, term.contract.vendor.delivery_owner}
    assert {n.recipient for n in Notification.objects.filter(kind="sla_at_risk")} == owners
    # Still at risk next hour: nobody is told again.
    measure(term, dt.date(2026, 11, 6), "95.5")
    again = sla_sweep(as_of=AS_OF)
    assert again.warnings == 0
    assert Notification.objects.filter(kind="sla_at_risk").count() == 2


def test_when_the_open_window_closes_it_is_evaluated_as_closed() -> None:
    term = make_term()
    measure(term, dt.date(2026, 11, 5), "90")
    sla_sweep(as_of=AS_OF)
    assert evaluation(term, dt.date(2026, 11, 1)).status == "at_risk"
    sla_sweep(as_of=dt.date(2026, 12, 1))
    november = evaluation(term, dt.date(2026, 11, 1))
    assert (november.status, november.is_closed) == ("breached", True)
    assert Breach.objects.get().window_start == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("window", "window_days", "values", "expected_start", "status"),
    [
        ("quarter", None, [("2026-07-15", "96"), ("2026-09-30", "90")], dt.date(2026, 7, 1), "breached"),
        ("rolling", 30, [("2026-10-28", "99")], dt.date(2026, 10, 28), "met"),
    ],
)
def test_quarter_and_rolling_windows(
    window: str, window_days: int | None, values: list[tuple[str, str]], expected_start: dt.date, status: str
) -> None:
    # Rolling 30-day windows count from the contract's start (1 January): 28 Oct – 26 Nov is open on 23 Nov.
    term = make_term(window=window, window_days=window_days)
    for day, value in values:
        measure(term, dt.date.fromisoformat(day), value)
    sla_sweep(as_of=AS_OF if window == "quarter" else dt.date(2026, 11, 27))
    assert evaluation(term, expected_start).status == status


def test_minimum_samples_and_lte_terms() -> None:
    few = make_term(min_samples=3)
    measure(few, dt.date(2026, 10, 1), "10")
    defects = make_term(comparator="lte", target=D("2"))
    measure(defects, dt.date(2026, 10, 1), "2.5")
    sla_sweep(as_of=AS_OF)
    assert evaluation(few, dt.date(2026, 10, 1)).status == "insufficient_data"
    assert evaluation(defects, dt.date(2026, 10, 1)).status == "breached"


def test_ratio_kpis_use_the_ratio_of_sums() -> None:
    kpi = factories.KpiDefinitionFactory(unit="%", aggregation="ratio", multiplier=D("100"))
    term = make_term(kpi=kpi, comparator="lte", target=D("2"))
    measure(term, dt.date(2026, 10, 7), numerator="1", denominator="10")  # 10 % that week
    measure(term, dt.date(2026, 10, 14), numerator="0", denominator="190")  # 0 % that week
    sla_sweep(as_of=AS_OF)
    october = evaluation(term, dt.date(2026, 10, 1))
    assert (october.value, october.status) == (D("0.5000"), "met")  # the mean of ratios (5 %) would breach


def test_drafts_and_terminated_contracts_are_not_evaluated() -> None:
    draft = make_term(contract={"status": "draft"})
    terminated = make_term(contract={"status": "terminated"})
    measure(draft, dt.date(2026, 10, 1), "10")
    measure(terminated, dt.date(2026, 10, 1), "10")
    assert sla_sweep(as_of=AS_OF).terms == 0
    assert SlaEvaluation.objects.count() == 0


@pytest.mark.django_db
def test_a_measurement_ending_late_on_the_last_day_of_a_month_belongs_to_that_month(
    settings: Any, user_with_role: Any
) -> None:
    """23:30 in New York on 31 October is 03:30 UTC on 1 November: it counts for October."""
    settings.TIME_ZONE = "America/New_York"
    term = make_term()
    manager = user_with_role(Role.ENGINEERING_MANAGER)
    type(term.contract.vendor).objects.filter(pk=term.contract.vendor_id).update(engineering_owner=manager)
    client = APIClient()
    client.force_authenticate(manager)  # the owner of the engagement
    response = client.post(
        "/api/v1/measurements/",
        {
            "contract": term.contract.pk,
            "kpi": term.kpi.code,
            "period_start": "2026-10-25T00:00:00-04:00",
            "period_end": "2026-11-01T03:30:00Z",
            "value": "80",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["period_end"] == "2026-10-31"
    sla_sweep(as_of=AS_OF)
    assert evaluation(term, dt.date(2026, 10, 1)).status == "breached"
    assert evaluation(term, dt.date(2026, 11, 1)).samples == 0


def test_critical_breaches_also_reach_the_executives(
    user_with_role: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cto = user_with_role(Role.EXECUTIVE)
    term = make_term(severity="critical")
    measure(term, dt.date(2026, 10, 10), "50")
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=AS_OF)
    recipients = set(Notification.objects.filter(kind="breach_opened").values_list("recipient", flat=True))
    vendor = term.contract.vendor
    assert recipients == {vendor.engineering_owner_id, vendor.delivery_owner_id, cto.pk}


def test_the_command_runs_the_sweep_and_refuses_a_bad_date(capsys: Any) -> None:
    from django.core.management.base import CommandError

    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    call_command("evaluate_slas", "--as-of", "2026-11-23")
    assert "breaches opened 1" in capsys.readouterr().out
    call_command("evaluate_slas", "--as-of", "2026-11-23")
    assert "0 evaluations written" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("evaluate_slas", "--as-of", "23/11/2026")


def test_sweep_queries_do_not_grow_with_the_number_of_terms() -> None:
    def sweep_queries(n: int) -> int:
        SlaEvaluation.objects.all().delete()
        for _ in range(n):
            term = make_term()
            measure(term, dt.date(2026, 10, 10), "99")
            measure(term, dt.date(2026, 11, 3), "99")
        with CaptureQueriesContext(connection) as captured:
            sla_sweep(as_of=AS_OF)
        return len(captured)

    few = sweep_queries(3)
    many = sweep_queries(30)
    assert many == few
    assert few <= 10


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_open_one_breach_and_send_one_notification() -> None:
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "80")
    owner = term.contract.vendor.engineering_owner
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sla_sweep(as_of=AS_OF)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Breach.objects.count() == 1
    assert Notification.objects.filter(recipient=owner, kind="breach_opened").count() == 1


def test_evaluations_and_breaches_are_in_the_audit_trail() -> None:
    """A breach is recorded when opened; an evaluation's trail is its revisions: each one keeps the
    evaluation as it stood before (a new evaluation is its own record)."""
    from pghistory.models import Events

    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    october = evaluation(term, dt.date(2026, 10, 1))
    assert not Events.objects.tracks(october).exists()
    opened = Events.objects.tracks(Breach.objects.get()).get(pgh_label="insert")
    assert opened.pgh_context["action"] == "sla_evaluate"

    measure(term, dt.date(2026, 10, 20), "100")  # late data: October is met after all
    sla_sweep(as_of=AS_OF)
    superseded = Events.objects.tracks(october).get(pgh_label="superseded")
    assert (superseded.pgh_data["status"], superseded.pgh_data["value"]) == ("breached", 90.0)
    assert superseded.pgh_context["action"] == "sla_evaluate"
    assert evaluation(term, dt.date(2026, 10, 1)).status == "met"
    retracted = Events.objects.tracks(Breach.objects.get()).get(pgh_label="update")
    assert (retracted.pgh_data["status"], retracted.pgh_context["action"]) == ("retracted", "breach_retracted")


def test_breaches_of_a_vendor_without_owners_tell_nobody_and_cost_nothing_more() -> None:
    term = make_term(
        contract={
            "vendor": factories.VendorFactory(
                status="prospect", engineering_owner=None, delivery_owner=None, security_contact=None
            )
        }
    )
    measure(term, dt.date(2026, 10, 10), "90")
    assert sla_sweep(as_of=AS_OF).breaches_opened == 1
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("window", ["month", "quarter", "rolling"])
def test_a_measurement_outside_what_the_sweep_evaluates_opens_nothing(window: str) -> None:
    """A measurement's own re-evaluation evaluates its window only if the sweep would: windows before the
    contract's start, older than the look-back horizon or after the contract's end open nothing."""
    extra = {"window_days": 28} if window == "rolling" else {}
    term = make_term(window=window, contract={"start_date": dt.date(2025, 1, 1)}, **extra)
    for day in (
        dt.date(2017, 6, 30),  # years before the contract
        dt.date(2024, 12, 15),  # the month before the contract started
        AS_OF - dt.timedelta(days=lookback_days() + 120),  # past the horizon
        dt.date(2027, 2, 15),  # after the contract's end
    ):
        measure(term, day, "10")
        sla_evaluate_window(term=term, day=day, as_of=AS_OF)
    assert not SlaEvaluation.objects.exists() and not Breach.objects.exists()
    # Inside what the sweep evaluates it does evaluate, and agrees with the sweep.
    measure(term, dt.date(2026, 9, 10), "10")
    sla_evaluate_window(term=term, day=dt.date(2026, 9, 10), as_of=AS_OF)
    assert Breach.objects.count() == 1
    sla_sweep(as_of=AS_OF)
    assert not SlaEvaluation.objects.filter(window_end__lt=dt.date(2025, 1, 1)).exists()
