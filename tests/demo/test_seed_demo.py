"""`manage.py seed_demo`: a believable portfolio, built through the services, loaded once: a later run
adds nothing and changes nothing, whatever people did with the demo rows in between.

The demo is loaded once for this module (``demo``, in a transaction rolled back after the last test) and
each test runs in a savepoint inside it, so what a test changes is undone before the next; the module's
tests run on one test process (``xdist_group``). A first load into a database with records of its own:
test_seed_demo_first_load.py."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from pghistory.models import Events

from apps.accounts.models import User
from apps.contracts.models import Contract, ContractClause
from apps.core.models import PolicyException, StatusChange
from apps.costs.ledger import ledger_lines, totals_by, trailing_months
from apps.costs.sourcing import function_in_house_comparison
from apps.demo.demo_data import DEMO_PASSWORD, USERS
from apps.functions.models import Function, SourcingDecision
from apps.functions.services import function_decide
from apps.performance.models import Measurement, SlaTerm
from apps.performance.services import measurement_bulk_upsert, measurement_update, sla_term_update
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)
from apps.vendors.selectors import access_grant_findings_list
from apps.vendors.services import (
    access_grant_update,
    action_item_complete,
    certification_delete,
    service_review_update,
)

# slow: loading the demo takes 20–40 s; CI runs these in `make test` and leaves them out of its second pass.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.xdist_group("seeded_demo"),
    pytest.mark.usefixtures("demo"),
]
AS_OF = "2026-11-23"


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--as-of", AS_OF, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo, loaded once for the module; rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


def test_builds_the_portfolio(demo: str) -> None:
    assert "Demo data ready" in demo
    assert Function.objects.values("category").distinct().count() >= 12
    assert Vendor.objects.count() >= 8
    assert Vendor.objects.values("geography").distinct().count() == 3
    assert Vendor.objects.values("status").distinct().count() == 6
    assert Contract.objects.count() >= 12
    assert Contract.objects.filter(parent__isnull=False).count() >= 2
    assert Contract.objects.values("engagement_model").distinct().count() == 3
    assert set(SlaTerm.objects.values_list("area", flat=True)) == {
        "delivery",
        "quality",
        "support",
        "security",
        "documentation",
    }
    # Twelve closed months typed (telemetry's weeks, tests/demo/test_telemetry_demo.py, reach into this one).
    months = {m.period_end.strftime("%Y-%m") for m in Measurement.objects.exclude(source="telemetry")}
    assert len(months) == 12
    assert Certification.objects.filter(expires_on__lte="2027-01-22", expires_on__gte=AS_OF).exists()
    assert VendorRisk.objects.count() >= 5 and ServiceReview.objects.count() >= 5
    assert access_grant_findings_list(as_of=date(2026, 11, 23)).count() >= 1
    # The statements of work that cover functions kept in-house are accepted as policy exceptions.
    assert PolicyException.objects.filter(closed_on__isnull=True).count() >= 2
    assert Vendor.objects.get(name="Manila Support Centre").status == "offboarding"


def test_breaching_values_are_present() -> None:
    defect = Measurement.objects.filter(kpi__code="defect_rate", value__gt=2)
    slow = Measurement.objects.filter(kpi__code="first_response_time", contract__title="L1 service desk", value__gt=1)
    assert defect.exists() and slow.exists()


def test_one_demo_user_per_role_who_can_sign_in() -> None:
    for username, _first, _last, role in USERS:
        user = User.objects.get(username=username)
        assert role in user.roles
        assert user.check_password(DEMO_PASSWORD)


# Every table the demo writes to (directly or through the services' side effects).
DEMO_MODELS: tuple[type[Model], ...] = (
    User,
    Function,
    SourcingDecision,
    Vendor,
    Contract,
    ContractClause,
    SlaTerm,
    Measurement,
    Certification,
    VendorRisk,
    AccessGrant,
    VettingAssessment,
    ServiceReview,
    ActionItem,
    StatusChange,
    PolicyException,
)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every demo table, as stored (plus the audit trail's size)."""
    rows: dict[str, list[dict[str, Any]]] = {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in DEMO_MODELS
    }
    rows["events"] = [{"count": Events.objects.count()}]
    return rows


def test_second_run_changes_nothing() -> None:
    before = snapshot()
    assert "nothing added, nothing changed" in seed()
    assert snapshot() == before


def test_a_later_run_keeps_what_people_did_with_the_demo_rows(user_with_role: Callable[[str], User]) -> None:
    """Restarting `make run` (a later day, so the demo's dates have moved) after people worked with the
    demo: their edits stay, nothing they deleted comes back, nothing is duplicated, and the audit trail
    gains nothing."""
    analyst, cto = user_with_role("admin"), User.objects.get(username="cto")
    # A value corrected in the KPI grid, and one re-imported from a CSV file, both by a non-demo user.
    typed = Measurement.objects.filter(kpi__code="bug_resolution_time").order_by("period_start").first()
    assert typed is not None
    measurement_update(instance=typed, actor=analyst, data={"value": Decimal("41.50")}, source="form")
    imported = Measurement.objects.filter(kpi__code="lead_time_for_changes").order_by("period_start").first()
    assert imported is not None
    [result] = measurement_bulk_upsert(
        actor=analyst,
        rows=[
            {
                "contract": imported.contract_id,
                "kpi": "lead_time_for_changes",
                "period_start": imported.period_start.isoformat(),
                "period_end": imported.period_end.isoformat(),
                "value": "77",
            }
        ],
        source="import",
    )
    assert result.status == "updated"
    # A sourcing decision changed, a review moved, an action done, an SLA target renegotiated,
    # a certification removed, an access grant revoked.
    function = Function.objects.get(name="Regression testing")
    function_decide(
        function=function,
        decision="keep_in_house",
        rationale="We rebuild our QA team.",
        actor=cto,
        decided_on=date(2026, 11, 20),
    )
    review = ServiceReview.objects.get(vendor__name="Bangalore Digital Works", scheduled_for=AS_OF)
    service_review_update(instance=review, actor=analyst, data={"scheduled_for": date(2026, 11, 30)})
    action = ActionItem.objects.filter(done_on__isnull=True).order_by("pk").first()
    assert action is not None
    action_item_complete(item=action, actor=analyst, done_on=date(2026, 11, 23))
    term = SlaTerm.objects.filter(kpi__code="defect_rate").order_by("pk").first()
    assert term is not None
    sla_term_update(instance=term, actor=analyst, data={"target": Decimal("2.5")})
    certification = Certification.objects.order_by("pk").first()
    assert certification is not None
    certification_delete(instance=certification, actor=analyst)
    grant = AccessGrant.objects.filter(revoked_on__isnull=True).order_by("pk").first()
    assert grant is not None
    access_grant_update(instance=grant, actor=analyst, data={"revoked_on": date(2026, 11, 23)})
    before = snapshot()

    out = io.StringIO()
    call_command("seed_demo", "--as-of", "2026-12-01", stdout=out)  # a later day: another month has closed

    assert "already loaded (built around 2026-11-23)" in out.getvalue()
    assert snapshot() == before
    typed.refresh_from_db()
    assert (typed.value, typed.recorded_by, typed.source) == (Decimal("41.50"), analyst, "form")
    imported.refresh_from_db()
    assert (imported.value, imported.recorded_by) == (Decimal("77"), analyst)
    assert list(function.decisions.order_by("decided_on").values_list("decision", flat=True)) == [
        "outsource",
        "keep_in_house",
    ]
    function.refresh_from_db()
    assert function.decision == "keep_in_house"
    assert not Certification.objects.filter(pk=certification.pk).exists()


def test_the_silent_swap_on_platform_modernisation(client: Any) -> None:
    """Issue 17's "Done when" on the demo: the vendor replaced a senior key person by a junior one without
    a substitution. The finding is on the contract and the vendor 360, the attention ranking counts it,
    the reminder goes once, last month's retention breaches its SLA term, and the leaver's live access
    is flagged."""
    from django.urls import reverse
    from django.utils import timezone

    from apps.dashboards.scope import Scope
    from apps.dashboards.tiles.league import league_table
    from apps.notifications.models import Notification
    from apps.notifications.reminders import reminders_send
    from apps.performance.models import Breach
    from apps.performance.scorecards import MONTH, Period
    from apps.roster.findings import roster_findings_evaluate
    from apps.roster.models import RosterFinding

    as_of = date.fromisoformat(AS_OF)
    sow = Contract.objects.get(title="SOW 1 — Platform modernisation")
    swap = RosterFinding.objects.get(contract=sow, kind="unapproved_swap", closed_at=None)
    assert swap.message == (
        "Kavya Iyer (senior, key person) left on 12 Oct 2026 and Ishaan Patel (junior) took the Lead platform "
        "engineer role on “SOW 1 — Platform modernisation” on 13 Oct 2026 without an approved substitution."
    )
    drift = RosterFinding.objects.get(contract=sow, kind="seniority_drift", closed_at=None)
    assert (drift.figures["planned_seniority"], drift.figures["active_seniority"]) == ("2.50", "1.96"), drift.figures
    leaver = RosterFinding.objects.get(vendor=sow.vendor, kind="leaver_with_access", closed_at=None)
    assert "Kavya Iyer's production access to AWS production" in leaver.message
    # The daily job again: nothing new.
    assert roster_findings_evaluate(today=as_of).opened == 0

    # Retention for October, 5 of 6 stayed (83.3 %), breaches the 90 % term once the SLAs are swept.
    retention = Measurement.objects.get(contract=sow, kpi__code="team_retention", period_start=date(2026, 10, 1))
    assert (retention.numerator, retention.denominator, retention.source) == (Decimal(5), Decimal(6), "roster")
    call_command("evaluate_slas", "--as-of", AS_OF, stdout=io.StringIO())
    breach = Breach.objects.get(evaluation__term__contract=sow, evaluation__term__kpi__code="team_retention")
    assert breach.evaluation.window_start == date(2026, 10, 1) and breach.status == "open"

    # The attention ranking counts the two grave roster findings (4 points each).
    rows = league_table(scope=Scope(), period=Period.last_closed(MONTH, today=as_of), today=as_of)
    attention = next(row for row in rows if row.vendor.id == sow.vendor_id).attention
    assert attention is not None
    reasons = {reason.key: reason for reason in attention.reasons}
    assert reasons["roster_finding_high"].points == Decimal(8)
    assert reasons["roster_finding_medium"].points == Decimal(2)  # the drift

    # The reminder, once, to the vendor's engineering and delivery owners.
    # (The findings were opened now, whatever day the demo is built around: reminders run as of today.)
    today = timezone.localdate()
    assert reminders_send(as_of=today)["roster_finding"] >= 2
    sent = Notification.objects.filter(kind="roster_finding", url__endswith=f"/contracts/{sow.pk}/#team")
    assert {n.recipient.username for n in sent} == {"manager", "delivery"}
    assert reminders_send(as_of=today)["roster_finding"] == 0

    # The contract's Team panel and the vendor 360 show it to the CTO.
    client.force_login(User.objects.get(username="cto"))
    contract_page = client.get(reverse("contracts:contract-detail", args=[sow.pk])).content.decode()
    assert "Unapproved swap" in contract_page and "Ishaan Patel" in contract_page
    vendor_360 = client.get(reverse("dashboards:vendor-360", args=[sow.vendor_id])).content.decode()
    assert "took the Lead platform engineer role" in vendor_360


def test_the_cheap_rate_vendor_costs_more_per_point() -> None:
    """Issue 18's story on the demo (demo_data.TCO_STORY): Saigon bills less an hour than Tallinn for the
    same kind of work, and less per point on its invoices, but counted in full — its escaped defects fixed
    by our engineers, the escalation reviews and the hours its owners log — each point it delivers costs
    more. Twelve closed months, in EUR, through the ledger."""
    start, end = trailing_months(date(2026, 10, 1))
    cheap, dear = (Vendor.objects.get(name=name) for name in ("Saigon Quality Engineering", "Tallinn Test Lab"))
    lines = ledger_lines(contracts=Contract.objects.filter(vendor__in=[cheap, dear]), start=start, end=end)
    assert not [line for line in lines if line.missing]  # every invoice converted (USD at the demo's rates)
    totals = totals_by(lines, "vendor_id")
    saigon, tallinn = totals[cheap.pk], totals[dear.pk]

    # What each bills: Saigon about 25 USD an hour (21.41 EUR), Tallinn 59.33 EUR.
    assert (saigon.invoiced, saigon.billed_hours, saigon.billed_rate) == (
        Decimal("143897.60"),
        Decimal("6720.00"),
        Decimal("21.41"),
    )
    assert (tallinn.invoiced, tallinn.billed_hours, tallinn.billed_rate) == (
        Decimal("341760.00"),
        Decimal("5760.00"),
        Decimal("59.33"),
    )
    assert saigon.billed_rate is not None and tallinn.billed_rate is not None
    assert saigon.billed_rate < tallinn.billed_rate

    # What each costs in full, and per story point delivered.
    assert (saigon.management, saigon.rework, saigon.delay, saigon.credits, saigon.tco) == (
        Decimal("73950.00"),
        Decimal("84660.00"),
        Decimal("20000.00"),
        Decimal("0.00"),
        Decimal("322507.60"),
    )
    assert (tallinn.management, tallinn.rework, tallinn.delay, tallinn.tco) == (
        Decimal("32050.00"),
        Decimal("18870.00"),
        Decimal("0.00"),
        Decimal("392680.00"),
    )
    assert (saigon.points, tallinn.points) == (Decimal(967), Decimal(1563))
    assert (saigon.cost_per_point, tallinn.cost_per_point) == (Decimal("333.51"), Decimal("251.23"))
    assert saigon.cost_per_point is not None and tallinn.cost_per_point is not None
    assert saigon.cost_per_point > tallinn.cost_per_point

    # Rework and management explain the gap: without them Saigon is the cheaper per point too.
    def per_point_without_rework_and_management(total: Any) -> Decimal:
        return (total.tco - total.rework - total.management) / total.points

    assert per_point_without_rework_and_management(saigon) < per_point_without_rework_and_management(tallinn)
    assert (saigon.escaped_defects, tallinn.escaped_defects) == (Decimal(166), Decimal(37))
    assert saigon.review_hours + saigon.logged_hours > 10 * (tallinn.review_hours + tallinn.logged_hours)

    # The function page says it: the two vendors side by side and why the cheap rate costs more.
    comparison = function_in_house_comparison(Function.objects.get(name="Regression testing"), as_of=date(2026, 11, 23))
    rows = {row.name: row for row in comparison.vendors}
    assert [row.name for row in comparison.vendors][:2] == ["Saigon Quality Engineering", "Tallinn Test Lab"]
    assert rows["Saigon Quality Engineering"].totals.cost_per_point == Decimal("333.51")
    note = comparison.cheap_rate_note
    assert note.startswith(
        "Saigon Quality Engineering bills the least an hour (21.41 EUR against Tallinn Test Lab's 59.33 EUR)"
    )
    assert "each story point it delivers costs 333.51 EUR against 251.23 EUR" in note
