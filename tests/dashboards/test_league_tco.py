"""The league table's cost columns (``apps.dashboards.tiles.league``): TCO over the 12 months ending with
the overview's month, the effective and billed hourly rates, the cost-adjusted score, the ``hidden_cost``
attention reason, the CSV, and the query count for 2 and for 20 vendors.

Worked out by hand, P the overview's month (the last closed one), both vendors without named owners (no
standing overhead), each with one active EUR contract, one SLA term measured at 97 in P and the defect rate
below, so the same scorecard score (50.0: the term scores 100, a 10 % defect rate 0) and:

- Able: an approved invoice for P, EUR 16,000 for 200 billed hours (billed rate 80.00); 10 escaped defects
  (the defect rate's numerator, P) × 6 h × 85 = 5,100; a 2-hour service review held in P with one
  executive attending (150 an hour) = 300. TCO 16,000 + 300 + 5,100 = 21,400; effective rate
  21,400 ÷ 200 = 107.00 (1.34 × billed: not hidden).
- Bravo: an approved invoice for P, EUR 8,000 for 100 hours (billed 80.00); 10 escaped defects = 5,100.
  TCO 13,100; effective rate 131.00 = 1.64 × billed ≥ 1.5: ``hidden_cost``, 2 points.
- An invoice of Able's for the month before the window (13 months before P) is outside it.

Median effective rate (107 + 131) ÷ 2 = 119. Cost-adjusted: Able 50 × min(1, 119 ÷ 107) = 50.0; Bravo
50 × 119 ÷ 131 = 45.42 → 45.4.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.costs.ledger import add_months, ledger_lines, totals_by
from apps.costs.ledger_rollup import vendor_costs, vendor_costs_from_ledger
from apps.costs.models import InvoiceHours, VendorCostRollup
from apps.dashboards.scope import Scope
from apps.dashboards.tasks import store_league_figures
from apps.dashboards.tiles.league import (
    LEAGUE_SORT_COST_ADJUSTED,
    LeagueRow,
    cost_adjusted_score,
    league_table,
)
from apps.kpis.models import KpiDefinition
from apps.performance.models import VendorScorecardRollup
from apps.performance.scorecards import MONTH, Period
from tests import factories
from tests.costs.test_ledger import OCTOBER, october  # noqa: F401  # the ledger's hand-computed month
from tests.rollups import read_until_settled

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboards:overview")


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def period(today: dt.date) -> Period:
    return Period.last_closed(MONTH, today=today)


@pytest.fixture
def signed_in(client: Client, user_with_role: Callable[[str], Any]) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def window_of(period: Period) -> tuple[dt.date, dt.date]:
    return add_months(period.start, -11), period.start


def costly_vendor(
    name: str,
    period: Period,
    *,
    invoiced: str,
    hours: str,
    defects: int = 10,
    review_by: Any = None,
    score_value: str = "97",
) -> Any:
    """An active vendor without named owners and one EUR contract in force for two years up to P's end:
    an approved invoice for P with its billed hours, ``defects`` escaped defects in P, a held 2-hour review
    attended by ``review_by`` (if given) and an SLA term measured at ``score_value`` in P."""
    vendor = factories.VendorFactory(name=name, engineering_owner=None, delivery_owner=None, security_contact=None)
    contract = factories.ContractFactory(
        vendor=vendor,
        start_date=add_months(period.start, -23),
        end_date=None,
        renewal="none",
        notice_days=0,
        value=Decimal("1000000"),
        currency="EUR",
    )
    invoice = factories.InvoiceFactory(
        contract=contract,
        period_start=period.start,
        period_end=period.end,
        amount=Decimal(invoiced),
        status="approved",
    )
    InvoiceHours.objects.create(invoice=invoice, role="Developer", hours=Decimal(hours))
    if defects:
        factories.MeasurementFactory(
            contract=contract,
            kpi=KpiDefinition.objects.get(code="defect_rate"),
            period_start=period.start,
            period_end=period.end,
            numerator=Decimal(defects),
            denominator=Decimal(100),
            value=Decimal(defects),
        )
    if review_by is not None:
        review = factories.ServiceReviewFactory(
            vendor=vendor,
            scheduled_for=period.start + dt.timedelta(days=9),
            status="held",
            held_on=period.start + dt.timedelta(days=9),
            duration_hours=Decimal(2),
        )
        review.attendees.add(review_by)
    term = factories.SlaTermFactory(contract=contract, severity="minor")
    factories.MeasurementFactory(
        contract=contract,
        kpi=term.kpi,
        period_start=period.start,
        period_end=period.end,
        value=Decimal(score_value),
    )
    return vendor


@pytest.fixture
def pair(db: None, period: Period) -> dict[str, Any]:
    executive = factories.UserFactory(username="exec-reviewer", role=Role.EXECUTIVE)
    able = costly_vendor("Able Engineering", period, invoiced="16000", hours="200", review_by=executive)
    bravo = costly_vendor("Bravo Labs", period, invoiced="8000", hours="100")
    # Outside the window: the month before its first.
    factories.InvoiceFactory(
        contract=Contract.objects.get(vendor=able),
        period_start=add_months(period.start, -12),
        period_end=add_months(period.start, -11) - dt.timedelta(days=1),
        amount=Decimal("99999"),
        status="paid",
    )
    return {"able": able, "bravo": bravo}


def rows_of(today: dt.date, period: Period, **extra: Any) -> dict[str, LeagueRow]:
    return {row.vendor.name: row for row in league_table(scope=Scope(), period=period, today=today, **extra)}


def test_the_cost_columns_by_hand(pair: dict[str, Any], today: dt.date, period: Period) -> None:
    rows = rows_of(today, period)
    able, bravo = rows["Able Engineering"], rows["Bravo Labs"]
    assert able.score == bravo.score == Decimal(50)
    assert able.cost is not None and bravo.cost is not None
    assert (able.cost.tco, able.cost.invoiced, able.cost.billed_hours) == (Decimal("21400.00"), Decimal(16000), 200)
    assert (able.effective_rate, able.billed_rate) == (Decimal("107.00"), Decimal("80.00"))
    assert (bravo.cost.tco, bravo.effective_rate, bravo.billed_rate) == (
        Decimal("13100.00"),
        Decimal("131.00"),
        Decimal("80.00"),
    )
    assert able.cost.complete and bravo.cost.complete
    assert able.cost_adjusted_score == Decimal("50.0")
    assert bravo.cost_adjusted_score == Decimal("45.4")
    # The TCO drills to the ledger of exactly those months.
    first, last = window_of(period)
    assert able.cost_window == (first, last)
    assert able.tco is not None and able.tco.value == Decimal("21400.00") and not able.tco.counts_rows
    assert able.tco.url == (reverse("costs:ledger") + f"?from={first:%Y-%m}&to={last:%Y-%m}&vendor={pair['able'].pk}")


def test_the_rollup_is_the_ledger_summed_per_vendor(pair: dict[str, Any], period: Period) -> None:
    first, last = window_of(period)
    ids = [pair["able"].pk, pair["bravo"].pk]
    rolled = vendor_costs(vendor_ids=ids, start=first, end=last)
    summed = totals_by(
        ledger_lines(contracts=Contract.objects.filter(vendor_id__in=ids), start=first, end=last), "vendor_id"
    )
    assert set(rolled) == set(summed) == set(ids)
    for vendor_id, totals in summed.items():
        cost = rolled[vendor_id]
        assert (cost.tco, cost.invoiced, cost.billed_hours, cost.complete) == (
            totals.tco,
            totals.invoiced,
            totals.billed_hours,
            totals.complete,
        )
        assert (cost.effective_rate, cost.billed_rate) == (totals.effective_rate, totals.billed_rate)


def test_the_cost_adjusted_score_rule() -> None:
    assert cost_adjusted_score(Decimal(80), Decimal(150), Decimal(100)) == Decimal("53.3")
    assert cost_adjusted_score(Decimal(80), Decimal(50), Decimal(100)) == Decimal("80.0")  # cheaper: kept
    assert cost_adjusted_score(Decimal(80), Decimal(0), Decimal(100)) == Decimal("80.0")
    assert cost_adjusted_score(None, Decimal(150), Decimal(100)) is None
    assert cost_adjusted_score(Decimal(80), None, Decimal(100)) is None


def test_the_league_sorts_by_the_cost_adjusted_score(pair: dict[str, Any], today: dt.date, period: Period) -> None:
    factories.VendorFactory(name="Aardvark Unbilled")  # no contract, no score: last, unranked
    rows = league_table(scope=Scope(), period=period, today=today, sort=LEAGUE_SORT_COST_ADJUSTED)
    assert [(row.rank, row.vendor.name) for row in rows] == [
        (1, "Able Engineering"),
        (2, "Bravo Labs"),
        (None, "Aardvark Unbilled"),
    ]


def test_a_hidden_cost_is_an_attention_reason(pair: dict[str, Any], today: dt.date, period: Period) -> None:
    rows = rows_of(today, period)
    able, bravo = rows["Able Engineering"].attention, rows["Bravo Labs"].attention
    assert able is not None and bravo is not None
    assert "hidden_cost" not in {part.key for part in able.parts}
    part = next(part for part in bravo.parts if part.key == "hidden_cost")
    assert (part.quantity, part.weight, part.points) == (1, 2, 2)
    reason = next(reason for reason in bravo.reasons if reason.key == "hidden_cost")
    first, last = window_of(period)
    assert reason.text == (
        f"an hour billed at EUR 80.00 really costs EUR 131.00 over {first:%b %Y} – {last:%b %Y} (1.64× the billed rate)"
    )
    assert reason.basis == "2"
    assert reason.drill.url == rows["Bravo Labs"].tco.url
    assert not reason.on_list_page  # money, not a count of rows
    # The threshold is a setting.
    with override_settings(COST_HIDDEN_RATIO=1.3):
        again = rows_of(today, period)["Able Engineering"].attention
    assert again is not None and "hidden_cost" in {part.key for part in again.parts}
    with override_settings(ATTENTION_WEIGHTS={"hidden_cost": 0}):
        none = rows_of(today, period)["Bravo Labs"].attention
    assert none is not None and "hidden_cost" not in {part.key for part in none.parts}


def test_the_page_and_the_csv_show_the_columns(pair: dict[str, Any], period: Period, signed_in: Client) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    first, last = window_of(period)
    ledger = reverse("costs:ledger") + f"?from={first:%Y-%m}&amp;to={last:%Y-%m}&amp;vendor={pair['bravo'].pk}"
    assert f'href="{ledger}"' in html
    assert 'data-tco="13100.00"' in html and 'data-effective-rate="131.00"' in html
    assert 'data-cost-adjusted="45.4"' in html
    assert "really costs EUR 131.00" in html
    html = signed_in.get(OVERVIEW + "?rank_by=cost_adjusted").content.decode()
    table = html[html.index('<table class="table league-table" data-league-sort="cost_adjusted">') :]
    assert table.index("Able Engineering") < table.index("Bravo Labs")
    response = signed_in.get(reverse("dashboards:export", args=["league-table"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    bravo = next(row for row in rows if row["Vendor"] == "Bravo Labs")
    assert bravo["TCO (reporting currency)"] == "13100.00"
    assert bravo["Billed hours"] == "100.00"
    assert (bravo["Effective hourly rate"], bravo["Billed hourly rate"]) == ("131.00", "80.00")
    assert bravo["Cost-adjusted score"] == "45.4"
    assert bravo["Cost months"] == f"{first:%Y-%m} to {last:%Y-%m}"


# -- the query count -----------------------------------------------------------------------------------------
def _grow(n: int, period: Period, *, first: int = 0) -> None:
    reviewer = factories.UserFactory(username="grow-reviewer", role=Role.PROCUREMENT)
    for i in range(first, first + n):
        costly_vendor(f"Grown {i}", period, invoiced=str(5000 + 100 * i), hours="50", review_by=reviewer)


def test_the_cost_columns_take_the_same_queries_for_2_and_20_vendors(
    db: None, today: dt.date, period: Period, signed_in: Client
) -> None:
    _grow(2, period)
    ContentType.objects.clear_cache()
    read_until_settled(lambda: signed_in.get(OVERVIEW))  # the content types cached, the rollups stored
    with CaptureQueriesContext(connection) as few_league:
        assert len(league_table(scope=Scope(), period=period, today=today)) == 2
    with CaptureQueriesContext(connection) as few_page:
        signed_in.get(OVERVIEW)
    _grow(18, period, first=2)
    read_until_settled(lambda: signed_in.get(OVERVIEW))  # the new vendors' scorecards and costs stored
    with CaptureQueriesContext(connection) as many_league:
        rows = league_table(scope=Scope(), period=period, today=today)
    with CaptureQueriesContext(connection) as many_page:
        signed_in.get(OVERVIEW)
    assert len(rows) == 20 and all(row.effective_rate is not None for row in rows)
    assert len(many_league) == len(few_league)
    assert len(many_page) == len(few_page)


def test_the_rollup_matches_the_ledger_on_its_own_hand_computed_month(october: dict[str, Any]) -> None:  # noqa: F811
    """Owners' overhead, a review shared by two contracts, logged hours, a rate missing, telemetry's
    reverts, a cost of delay from the function, credits (tests/costs/test_ledger.py)."""
    vendor_id = october["vendor"].pk
    rolled = vendor_costs(vendor_ids=[vendor_id], start=OCTOBER, end=OCTOBER)[vendor_id]
    reference = vendor_costs_from_ledger(vendor_ids=[vendor_id], start=OCTOBER, end=OCTOBER)[vendor_id]
    assert rolled == reference
    assert not rolled.complete and rolled.billed_hours == 260


def test_the_vendor_360_scores_the_hidden_cost_as_the_ranking_does(
    pair: dict[str, Any], today: dt.date, period: Period
) -> None:
    from apps.dashboards.vendor import vendor_360

    ranked = rows_of(today, period)["Bravo Labs"].attention
    page = vendor_360(vendor_id=pair["bravo"].pk, period=period, today=today)
    assert ranked is not None and page.attention_score is not None
    assert "hidden_cost" in {part.key for part in page.attention_score.parts}
    assert page.attention_score.score == ranked.score


def test_the_hourly_task_stores_what_the_overview_reads(pair: dict[str, Any], today: dt.date, period: Period) -> None:
    from config.celery import app

    entry = app.conf.beat_schedule["dashboards-store-league-figures-hourly"]
    assert entry["task"] == "dashboards.store_league_figures"
    assert store_league_figures() == {"vendors": 2, "scorecards": 2, "costs": 2}
    assert (
        VendorCostRollup.objects.count() == 2 == VendorScorecardRollup.objects.filter(period_start=period.start).count()
    )
    # The overview's league table then works nothing out: each rollup is read in two queries.
    with CaptureQueriesContext(connection) as captured:
        rows = rows_of(today, period)
    assert not any("pg_advisory_xact_lock" in query["sql"] for query in captured.captured_queries)
    tco = rows["Able Engineering"].tco
    assert tco is not None and isinstance(tco.value, Decimal) and tco.value > 16000
    with pytest.raises(ValueError, match="is not a month"):
        store_league_figures("November")
