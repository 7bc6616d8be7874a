"""Scorecards and KPI trends (apps/performance/scorecards.py) against hand-computed fixtures, their query
budgets, and the pages that show them (the vendor's Performance tab, the contract page)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.kpis.models import KpiDefinition
from apps.performance import scorecards
from apps.performance.scorecards import (
    MONTH,
    QUARTER,
    Period,
    Target,
    contract_performance,
    contract_scorecards,
    kpi_score,
    standing_for,
    trend_of,
    vendor_kpi_trends,
    vendor_performance,
    vendor_scorecards,
    weighted_score,
)
from apps.vendors.models import Vendor
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = Period(dt.date(2026, 3, 1))
FEBRUARY = Period(dt.date(2026, 2, 1))
APRIL = Period(dt.date(2026, 4, 1))
Q1 = Period(dt.date(2026, 1, 1), QUARTER)


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def measure(contract: Any, code: str, end: dt.date, value: str | None = None, *, ratio: tuple[int, int] | None = None):
    """A measurement of one day (``end``); ratio KPIs by numerator and denominator."""
    definition = kpi(code)
    extra: dict[str, Any] = {"value": D(value or "0")}
    if ratio is not None:
        numerator, denominator = ratio
        extra = {
            "numerator": D(numerator),
            "denominator": D(denominator),
            "value": (D(numerator) / D(denominator) * definition.multiplier).quantize(D("0.0001")),
        }
    return factories.MeasurementFactory(contract=contract, kpi=definition, period_start=end, period_end=end, **extra)


def term(contract: Any, code: str, comparator: str, target: str, **extra: Any):
    return factories.SlaTermFactory(contract=contract, kpi=kpi(code), comparator=comparator, target=D(target), **extra)


def row(scorecard: Any, code: str) -> Any:
    return next(r for r in scorecard.rows if r.kpi.code == code)


# -- the pure rules ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "comparator", "target", "tolerance", "expected"),
    [
        ("96", "gte", "95", "20", "100"),  # met
        ("95", "gte", "95", "20", "100"),  # exactly met
        ("85", "gte", "95", "20", "47.4"),  # tolerance 20 % of 95 = 19; 10 short: 100 × (1 − 10/19)
        ("76", "gte", "95", "20", "0"),  # at the tolerance: 0
        ("50", "gte", "95", "20", "0"),  # past it: 0, never negative
        ("3", "lte", "2", None, "50.0"),  # no tolerance: 100 % of the target (0 at twice the target)
        ("4", "lte", "2", None, "0"),
        ("45", "gte", "90", None, "50.0"),  # higher is better, 100 %: 0 at nothing
        ("6.5", "lte", "4", "100", "37.5"),  # 2.5 past, tolerance 4
        ("5", "lte", "4", "50", "50.0"),  # tolerance 50 % of 4 = 2
        ("0", "lte", "0", None, "100"),  # a target of 0 leaves no room: met or not
        ("1", "lte", "0", None, "0"),
    ],
)
def test_kpi_score_falls_linearly_past_the_target(value, comparator, target, tolerance, expected) -> None:
    held_to = Target(D(target), comparator, scorecards.TARGET_FROM_TERM, 1)
    assert kpi_score(D(value), held_to, tolerance_percent=D(tolerance) if tolerance else None) == D(expected)


def test_weighted_score_is_the_weighted_mean_and_none_without_parts() -> None:
    assert weighted_score([(D(50), 3), (D(75), 1)]) == D("56.3")  # 225 / 4 = 56.25, half up
    assert weighted_score([(D(100), 2)]) == D(100)
    assert weighted_score([]) is None


@pytest.mark.parametrize(
    ("score", "standing"),
    [
        ("100", "Excellent"),
        ("90", "Excellent"),
        ("89.9", "Good"),
        ("75", "Good"),
        ("50", "Needs attention"),
        ("49.9", "Critical"),
        ("0", "Critical"),
    ],
)
def test_standings_come_from_the_setting(score: str, standing: str) -> None:
    found = standing_for(D(score))
    assert found is not None and found.label == standing
    assert standing_for(None) is None


def test_standings_are_configurable(settings: Any) -> None:
    settings.SCORECARD_STANDINGS = [(0, "Off track"), (80, "On track")]  # any order: sorted best first
    assert [(s.label, s.tone) for s in scorecards.standings()] == [("On track", "good"), ("Off track", "bad")]
    assert standing_for(D("80")).label == "On track"
    assert standing_for(D("79.9")).label == "Off track"
    assert [s.tone for s in standings_of(5)] == ["good", "info", "warn", "warn", "bad"]


def standings_of(count: int) -> list[Any]:
    from django.test import override_settings

    with override_settings(SCORECARD_STANDINGS=[(i * 10, f"S{i}") for i in range(count)]):
        return scorecards.standings()


def test_trend_is_up_down_or_flat_within_a_point() -> None:
    assert trend_of(D("80"), D("70")) == (D("10"), "up")
    assert trend_of(D("70"), D("80")) == (D("-10"), "down")
    assert trend_of(D("80.5"), D("80")) == (D("0.5"), "flat")
    assert trend_of(D("80"), None) == (None, None)
    assert trend_of(None, D("80")) == (None, None)


def test_periods() -> None:
    assert (MARCH.start, MARCH.end, MARCH.key, MARCH.label) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        "2026-03",
        "March 2026",
    )
    assert (Q1.start, Q1.end, Q1.key, Q1.label) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026-Q1", "Q1 2026")
    assert MARCH.previous() == FEBRUARY and MARCH.next() == APRIL
    assert Q1.previous() == Period(dt.date(2025, 10, 1), QUARTER) and Q1.next().start == dt.date(2026, 4, 1)
    assert Period.parse("2026-03") == MARCH and Period.parse("2026-q1") == Q1
    assert all(Period.parse(bad) is None for bad in ("", "2026", "2026-13", "2026-Q5", "x-01", "2026-3", None))
    assert Period.last_closed(MONTH, today=dt.date(2026, 1, 15)) == Period(dt.date(2025, 12, 1))
    assert Period.last_closed(QUARTER, today=dt.date(2026, 5, 2)) == Q1
    assert Period.containing(QUARTER, dt.date(2026, 2, 14)) == Q1
    assert [m.key for m in Q1.months()] == ["2026-01", "2026-02", "2026-03"]
    assert [m.key for m in scorecards.months_ending(Q1, 4)] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    # What a page asks for: a period that has not started, or none, is the last closed month.
    today = dt.date(2026, 4, 10)
    assert scorecards.period_from_parameter("2026-04", today=today) == APRIL  # the open month may be asked for
    assert scorecards.period_from_parameter("2026-05", today=today) == MARCH
    assert scorecards.period_from_parameter("2026-Q3", today=today) == Q1  # the last closed quarter
    assert scorecards.period_from_parameter(None, today=today) == MARCH


# -- the fixture: one vendor, two contracts ----------------------------------------------------------------------
@pytest.fixture
def world() -> dict[str, Any]:
    """Vendor V with contracts A and B (numbers worked out by hand in each test).

    A: on-time delivery ≥ 90 (monthly, critical) and ≥ 85 (quarterly, minor); first response ≤ 4 h
       (monthly, major) never measured; no term for defect rate (default ≤ 2 %, tolerance 2) nor for
       sprint velocity (no default target).
       March: on-time 19/20 and 1/5; defect rate 5/200; sprint velocity 30.  February: on-time 18/20;
       defect rate 2/100.
    B: on-time delivery ≥ 95 (monthly, major). March: on-time 5/5.
    """
    vendor = factories.VendorFactory()
    a = factories.ContractFactory(vendor=vendor, title="A")
    b = factories.ContractFactory(vendor=vendor, title="B")
    term(a, "on_time_delivery_rate", "gte", "90", severity="critical")
    term(a, "on_time_delivery_rate", "gte", "85", severity="minor", window="quarter")
    term(a, "first_response_time", "lte", "4", severity="major")
    term(b, "on_time_delivery_rate", "gte", "95", severity="major")
    measure(a, "on_time_delivery_rate", dt.date(2026, 3, 10), ratio=(19, 20))
    measure(a, "on_time_delivery_rate", dt.date(2026, 3, 31), ratio=(1, 5))
    measure(a, "defect_rate", dt.date(2026, 3, 31), ratio=(5, 200))
    measure(a, "sprint_velocity", dt.date(2026, 3, 20), "30")
    measure(a, "on_time_delivery_rate", dt.date(2026, 2, 28), ratio=(18, 20))
    measure(a, "defect_rate", dt.date(2026, 2, 28), ratio=(2, 100))
    measure(b, "on_time_delivery_rate", dt.date(2026, 3, 15), ratio=(5, 5))
    return {"vendor": vendor, "a": a, "b": b}


def test_contract_month_scorecard(world: dict[str, Any]) -> None:
    card = contract_scorecards(period=MARCH, contract_ids=[world["a"].pk])[world["a"].pk]
    on_time = row(card, "on_time_delivery_rate")
    # Ratio of sums: (19 + 1) / (20 + 5) = 80 %, never the mean of ratios ((95 + 20) / 2 = 57.5).
    assert on_time.value == D("80.0000") and on_time.aggregation == "ratio" and on_time.samples == 2
    # The monthly term wins on a monthly scorecard: ≥ 90, critical (weight 3). Tolerance 20 % of 90 = 18;
    # 10 short: 100 × (1 − 10/18) = 44.4.
    assert (on_time.target.value, on_time.target.source, on_time.target.weight) == (D(90), "sla_term", 3)
    assert (on_time.meets, on_time.score, on_time.weight) == (False, D("44.4"), 3)
    # No term: the KPI's default target, ≤ 2 %, weight 1. 2.5 % is 0.5 past, tolerance 100 % of 2: 75.
    defect = row(card, "defect_rate")
    assert (defect.value, defect.target.value, defect.target.source, defect.target.weight) == (
        D("2.5000"),
        D(2),
        "kpi_default",
        1,
    )
    assert (defect.meets, defect.score) == (False, D("75.0"))
    # No target at all: shown, not scored.
    velocity = row(card, "sprint_velocity")
    assert (velocity.value, velocity.target, velocity.score, velocity.weight) == (D("30.0000"), None, None, None)
    # Measured nowhere this month but asked for by a term: listed as missing, left out of the weighting.
    missing = row(card, "first_response_time")
    assert missing.missing and missing.score is None and missing.target.value == D(4)
    assert [r.kpi.code for r in card.missing_rows] == ["first_response_time"]
    # (44.4 × 3 + 75 × 1) / 4 = 52.05 → 52.1. Counting the missing KPI as 0 (weight 2) would give 34.7.
    assert card.score == D("52.1") and card.standing.label == "Needs attention"
    # February: on-time 18/20 = 90 % meets ≥ 90 → 100; defect 2 % meets ≤ 2 → 100. Trend: down 47.9.
    assert card.previous_score == D(100)
    assert (card.delta, card.trend) == (D("-47.9"), "down")
    assert on_time.previous_value == D("90.0000") and on_time.change == "worse"
    assert defect.change == "worse"


def test_contract_quarter_scorecard_pools_the_months_and_prefers_quarterly_terms(world: dict[str, Any]) -> None:
    card = contract_scorecards(period=Q1, contract_ids=[world["a"].pk])[world["a"].pk]
    on_time = row(card, "on_time_delivery_rate")
    # January–March: (18 + 19 + 1) / (20 + 20 + 5) = 38 / 45 = 84.4444 %; the quarterly term ≥ 85, minor.
    assert on_time.value == D("84.4444") and on_time.samples == 3
    assert (on_time.target.value, on_time.target.weight, on_time.target.severity) == (D(85), 1, "minor")
    assert on_time.score == D("96.7")  # tolerance 20 % of 85 = 17: 100 × (1 − 0.5556 / 17) = 96.73
    defect = row(card, "defect_rate")
    assert defect.value == D("2.3333") and defect.score == D("83.3")  # 7 / 300; 100 × (1 − 0.3333 / 2)
    # (96.7 + 83.3) / 2 = 90.0: excellent. The previous quarter had nothing: no trend.
    assert card.score == D("90.0") and card.standing.label == "Excellent"
    assert (card.previous_score, card.delta, card.trend) == (None, None, None)


def test_vendor_scorecard_pools_its_contracts(world: dict[str, Any]) -> None:
    card = vendor_scorecards(period=MARCH, vendor_ids=[world["vendor"].pk])[world["vendor"].pk]
    on_time = row(card, "on_time_delivery_rate")
    # Both contracts: (19 + 1 + 5) / (20 + 5 + 5) = 25 / 30 = 83.3333 %.
    assert on_time.value == D("83.3333") and on_time.samples == 3
    # Held to the strictest target of the two (B's ≥ 95), weighing as the most severe (A's critical: 3).
    assert (on_time.target.value, on_time.target.weight) == (D(95), 3)
    assert on_time.score == D("38.6")  # tolerance 20 % of 95 = 19: 100 × (1 − 11.6667 / 19) = 38.60
    assert row(card, "defect_rate").score == D("75.0")
    # (38.6 × 3 + 75 × 1) / 4 = 47.7: below 50, critical.
    assert card.score == D("47.7") and card.standing.label == "Critical"
    # B alone: 100 % meets ≥ 95.
    b = contract_scorecards(period=MARCH, contract_ids=[world["b"].pk])[world["b"].pk]
    assert (b.score, b.standing.label) == (D(100), "Excellent")


def test_a_period_without_measurements_is_not_scored(world: dict[str, Any]) -> None:
    card = vendor_scorecards(period=APRIL, vendor_ids=[world["vendor"].pk])[world["vendor"].pk]
    assert not card.scored and card.score is None and card.standing is None
    assert card.measured_rows == []
    # The terms' KPIs are listed as missing; the trend needs two scores.
    assert {r.kpi.code for r in card.missing_rows} == {"on_time_delivery_rate", "first_response_time"}
    assert card.previous_score == D("47.7") and card.trend is None
    # A vendor with nothing at all is still answered for, unscored.
    nobody = factories.VendorFactory()
    assert not vendor_scorecards(period=MARCH, vendor_ids=[nobody.pk])[nobody.pk].scored


def test_measurements_only_without_targets_are_not_scored() -> None:
    contract = factories.ContractFactory()
    measure(contract, "sprint_velocity", dt.date(2026, 3, 5), "21")
    card = contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk]
    assert [r.kpi.code for r in card.measured_rows] == ["sprint_velocity"]
    assert card.score is None and card.standing is None


def test_measurements_belong_to_the_period_of_their_end(world: dict[str, Any]) -> None:
    contract = factories.ContractFactory()
    factories.MeasurementFactory(
        contract=contract,
        kpi=kpi("lead_time_for_changes"),
        period_start=dt.date(2026, 2, 20),
        period_end=dt.date(2026, 3, 1),
        value=D("10"),
    )
    assert row(contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk], "lead_time_for_changes")
    assert contract_scorecards(period=FEBRUARY, contract_ids=[contract.pk])[contract.pk].rows == []


def test_the_terms_aggregation_is_used_and_a_vendors_contracts_that_disagree_fall_back_to_the_default() -> None:
    vendor = factories.VendorFactory()
    a, b = factories.ContractFactory(vendor=vendor), factories.ContractFactory(vendor=vendor)
    term(a, "lead_time_for_changes", "lte", "48", aggregation="max")
    for day, value in ((5, "10"), (20, "40")):
        measure(a, "lead_time_for_changes", dt.date(2026, 3, day), value)
    measure(b, "lead_time_for_changes", dt.date(2026, 3, 9), "4")
    measure(a, "time_to_restore", dt.date(2026, 3, 3), "9")
    measure(a, "time_to_restore", dt.date(2026, 3, 30), "2")
    term(a, "time_to_restore", "lte", "4", aggregation="latest")
    a_card = contract_scorecards(period=MARCH, contract_ids=[a.pk])[a.pk]
    assert row(a_card, "lead_time_for_changes").value == D("40.0000")  # the term's max
    assert row(a_card, "time_to_restore").value == D("2.0000")  # the term's latest (by period end)
    vendor_card = vendor_scorecards(period=MARCH, vendor_ids=[vendor.pk])[vendor.pk]
    lead_time = row(vendor_card, "lead_time_for_changes")
    # A says max, B has no term (the KPI's mean): they disagree, so the KPI's default: (10 + 40 + 4) / 3.
    assert (lead_time.aggregation, lead_time.value) == ("mean", D("18.0000"))
    # The strictest target: A's ≤ 48 beats the default ≤ 168.
    assert lead_time.target.value == D(48)


@pytest.mark.parametrize(
    ("code", "value", "ratio", "band"),
    [
        ("deployment_frequency", "5", None, "elite"),
        ("deployment_frequency", "0.2258", None, "medium"),  # one deploy-day in a 31-day month
        ("lead_time_for_changes", "30", None, "high"),
        ("change_failure_rate", None, (1, 20), "elite"),  # exactly the report's 5 %
        ("change_failure_rate", None, (3, 20), "medium"),  # 15 %
        ("change_failure_rate", None, (4, 20), "low"),
        ("time_to_restore", "0.5", None, "elite"),
    ],
)
def test_dora_kpis_show_their_dora_band(code: str, value: str | None, ratio: tuple | None, band: str) -> None:
    contract = factories.ContractFactory()
    measure(contract, code, dt.date(2026, 3, 31), value, ratio=ratio)
    found = row(contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk], code).band
    assert found is not None and (found.source, found.year, found.band) == ("dora", 2023, band)


def test_the_band_year_is_a_setting_and_other_kpis_show_the_organisations_bands(settings: Any) -> None:
    contract = factories.ContractFactory()
    measure(contract, "deployment_frequency", dt.date(2026, 3, 31), "5")
    measure(contract, "defect_rate", dt.date(2026, 3, 31), ratio=(1, 100))
    factories.PerformanceBandFactory(kpi=kpi("defect_rate"), year=2025, band="low", rank=4, lower=None, upper=None)
    factories.PerformanceBandFactory(kpi=kpi("defect_rate"), year=2026, band="high", rank=2, lower=D(0), upper=D(2))
    card = contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk]
    assert row(card, "defect_rate").band.band == "high"  # the latest year of the organisation's bands
    settings.SCORECARD_DORA_YEAR = 2031  # a year with no DORA bands: none shown
    card = contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk]
    assert row(card, "deployment_frequency").band is None


def test_weights_follow_the_setting(world: dict[str, Any], settings: Any) -> None:
    settings.SCORECARD_SEVERITY_WEIGHTS = {"critical": 1, "major": 1, "minor": 1}
    card = contract_scorecards(period=MARCH, contract_ids=[world["a"].pk])[world["a"].pk]
    assert card.score == D("59.7")  # (44.4 + 75) / 2


def test_a_kpi_default_target_can_be_cleared() -> None:
    contract = factories.ContractFactory()
    measure(contract, "defect_rate", dt.date(2026, 3, 31), ratio=(1, 100))
    KpiDefinition.objects.filter(code="defect_rate").update(default_target=None)
    card = contract_scorecards(period=MARCH, contract_ids=[contract.pk])[contract.pk]
    assert row(card, "defect_rate").target is None and not card.scored


# -- trends ------------------------------------------------------------------------------------------------------
def test_contract_trends_mark_breached_months(world: dict[str, Any]) -> None:
    a = world["a"]
    on_time_term = a.sla_terms.get(kpi__code="on_time_delivery_rate", window="month")
    # January: no measurement here, but the SLA engine found the window breached (e.g. data since deleted).
    factories.SlaEvaluationFactory(
        term=on_time_term, window_start=dt.date(2026, 1, 1), window_end=dt.date(2026, 1, 31), status="breached"
    )
    performance = contract_performance(contract_id=a.pk, period=MARCH, months=4)
    assert [m.key for m in performance.months] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    trend = next(t for t in performance.trends if t.kpi.code == "on_time_delivery_rate")
    assert [p.value for p in trend.points] == [None, None, D("90.0000"), D("80.0000")]
    assert [p.target.value for p in trend.points] == [D(90)] * 4
    # January: the evaluation; February met; March misses ≥ 90.
    assert [p.breached for p in trend.points] == [False, True, False, True]
    assert trend.breached_count == 2
    assert trend.summary == (
        "On-time delivery rate: 80 % in Mar 2026, against a target of at least 90 %: breached. "
        "2 of the 4 months shown breached."
    )
    data = trend.chart_data()
    assert data["labels"] == ["Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026"]
    assert data["values"] == [None, None, 90.0, 80.0] and data["targets"] == [90.0] * 4
    assert data["breached"] == [False, True, False, True]
    json.dumps(data)  # JSON-ready
    assert [t.kpi.code for t in performance.trends] == ["defect_rate", "on_time_delivery_rate", "sprint_velocity"]
    velocity = next(t for t in performance.trends if t.kpi.code == "sprint_velocity")
    assert velocity.summary == "Sprint velocity: 30 points in Mar 2026, with no target. No month breached."
    # The scorecard of the same page is the contract's scorecard.
    assert performance.scorecard.score == D("52.1")


def test_vendor_trends_pool_the_contracts(world: dict[str, Any]) -> None:
    trends = vendor_kpi_trends(vendor_ids=[world["vendor"].pk], last=MARCH, months=2)[world["vendor"].pk]
    on_time = next(t for t in trends if t.kpi.code == "on_time_delivery_rate")
    assert [p.value for p in on_time.points] == [D("90.0000"), D("83.3333")]
    assert [p.target.value for p in on_time.points] == [D(90), D(95)]  # February: only A measured it
    performance = vendor_performance(vendor_id=world["vendor"].pk, period=MARCH, months=2)
    assert performance.scorecard.score == D("47.7")
    assert [t.kpi.code for t in performance.trends] == [t.kpi.code for t in trends]


def test_a_pages_scorecard_rolled_up_from_months_is_the_scorecard() -> None:
    """The page reads one monthly aggregate and rolls the quarter up from it; every aggregation merges
    exactly, so it equals the scorecard read by quarter."""
    vendor = factories.VendorFactory()
    a, b = factories.ContractFactory(vendor=vendor), factories.ContractFactory(vendor=vendor)
    term(a, "lead_time_for_changes", "lte", "48", aggregation="max", window="quarter")
    term(a, "time_to_restore", "lte", "4", aggregation="latest")
    term(b, "first_response_time", "lte", "4", aggregation="min")
    term(b, "bug_resolution_time", "lte", "72", aggregation="sum")
    for month, value in ((1, "30"), (2, "55"), (3, "41"), (12, "7")):
        year = 2025 if month == 12 else 2026
        for contract in (a, b):
            for code in ("lead_time_for_changes", "time_to_restore", "first_response_time", "bug_resolution_time"):
                measure(contract, code, dt.date(year, month, 10 + contract.pk % 5), value)
            measure(contract, "defect_rate", dt.date(year, month, 3), ratio=(month, 97))
            measure(contract, "deployment_frequency", dt.date(year, month, 3), f"{month}.{contract.pk % 10}")
    for by, ids, read, page in (
        ("vendor", [vendor.pk], vendor_scorecards, vendor_performance),
        ("contract", [a.pk], contract_scorecards, contract_performance),
        ("contract", [b.pk], contract_scorecards, contract_performance),
    ):
        for period in (Q1, MARCH, FEBRUARY, Period(dt.date(2025, 10, 1), QUARTER)):
            keyword = "vendor_ids" if by == "vendor" else "contract_ids"
            direct = read(period=period, **{keyword: ids})[ids[0]]
            subject = "vendor_id" if by == "vendor" else "contract_id"
            rolled = page(period=period, months=2, **{subject: ids[0]}).scorecard
            assert rolled == direct, (by, period)
            assert direct.rows or period.start.year == 2025


# -- query budgets -------------------------------------------------------------------------------------------------
def _portfolio(vendors: int, kpis: int, months: int) -> list[int]:
    codes = [
        "on_time_delivery_rate",
        "defect_rate",
        "deployment_frequency",
        "lead_time_for_changes",
        "change_failure_rate",
        "time_to_restore",
        "sprint_velocity",
    ][:kpis]
    ids = []
    for _ in range(vendors):
        vendor = factories.VendorFactory()
        for _ in range(2):
            contract = factories.ContractFactory(vendor=vendor)
            for code in codes:
                term(contract, code, "gte" if kpi(code).direction == "higher" else "lte", "5")
                for month in range(1, months + 1):
                    day = dt.date(2026, month, 10)
                    if kpi(code).is_ratio:
                        measure(contract, code, day, ratio=(1, 10))
                    else:
                        measure(contract, code, day, "3")
        ids.append(vendor.pk)
    return ids


def test_query_count_does_not_grow_with_vendors_kpis_or_measurements(django_assert_max_num_queries: Any) -> None:
    few = _portfolio(vendors=1, kpis=1, months=1)
    with django_assert_max_num_queries(4):
        assert vendor_scorecards(period=Period(dt.date(2026, 1, 1)), vendor_ids=few)[few[0]].scored
    many = _portfolio(vendors=4, kpis=7, months=3)
    with django_assert_max_num_queries(4):
        cards = vendor_scorecards(period=MARCH, vendor_ids=many)
    assert len(cards) == 4 and all(card.scored and len(card.rows) == 7 for card in cards.values())
    with django_assert_max_num_queries(4):
        every = vendor_scorecards(period=MARCH)  # every vendor
    assert set(many) <= set(every)
    with django_assert_max_num_queries(4):
        contract_scorecards(period=Q1, contract_ids=list(range(1, 500)))
    with django_assert_max_num_queries(5):
        performance = vendor_performance(vendor_id=many[0], period=MARCH)
    assert len(performance.trends) == 7
    with django_assert_max_num_queries(5):
        assert len(vendor_kpi_trends(vendor_ids=many, last=MARCH)) == 4


# -- pages ---------------------------------------------------------------------------------------------------------
def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_vendor_performance_tab_shows_the_scorecard_and_charts(world: dict[str, Any], admin_client: Client) -> None:
    url = reverse("vendors:vendor-tab", args=[world["vendor"].pk, "performance"])
    html = _html(admin_client, f"{url}?period=2026-03")
    assert 'data-scorecard-score="47.7"' in html and "Critical" in html
    assert "March 2026" in html and "Show as table" in html
    assert 'id="kpi-chart-on_time_delivery_rate-data"' in html  # the JSON data island
    # The period switcher: previous / next month, and the quarter, as links htmx swaps in place.
    assert f'href="{url}?period=2026-02"' in html and f'href="{url}?period=2026-04"' in html
    assert f'href="{url}?period=2026-Q1"' in html and 'hx-select="#performance"' in html
    html = _html(admin_client, f"{url}?period=2026-04")
    assert "Not scored" in html and "data-scorecard-score" not in html
    html = _html(admin_client, f"{url}?period=2026-Q1")
    assert "Q1 2026" in html
    # A period that cannot be read falls back to the last closed month.
    html = _html(admin_client, f"{url}?period=nonsense")
    assert Period.last_closed(MONTH).label in html


def test_contract_page_shows_its_scorecard(world: dict[str, Any], admin_client: Client) -> None:
    url = reverse("contracts:contract-detail", args=[world["a"].pk])
    html = _html(admin_client, f"{url}?period=2026-03")
    assert 'id="performance"' in html and 'data-scorecard-score="52.1"' in html
    assert re.search(r"Defect rate.*?2\.5", html, re.S)


def test_performance_pages_cost_the_same_queries_whatever_the_data(admin_client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    [vendor_id] = _portfolio(vendors=1, kpis=1, months=1)
    contract = factories.ContractFactory(vendor_id=vendor_id)
    contract_id = contract.pk
    measure(contract, "sprint_velocity", dt.date(2026, 3, 2), "20")
    urls = [
        reverse("vendors:vendor-tab", args=[vendor_id, "performance"]) + "?period=2026-03",
        reverse("contracts:contract-detail", args=[contract_id]) + "?period=2026-03",
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(url).status_code == 200
            result.append(len(captured))
        return result

    few = counts()
    factories.VendorFactory()
    for code in ("lead_time_for_changes", "change_failure_rate", "time_to_restore", "sprint_velocity"):
        for month in (1, 2, 3):
            ratio = (1, 10) if kpi(code).is_ratio else None
            measure(contract, code, dt.date(2026, month, 12), None if ratio else "2", ratio=ratio)
    _portfolio(vendors=2, kpis=3, months=3)
    assert counts() == few


@pytest.mark.slow  # loads the demo
def test_the_demo_vendors_have_meaningful_scorecards() -> None:
    import io

    from django.core.management import call_command

    call_command("seed_demo", "--as-of", "2026-11-23", stdout=io.StringIO())
    october = Period(dt.date(2026, 10, 1))
    cards = vendor_scorecards(period=october)
    names = dict(Vendor.objects.values_list("name", "pk"))
    vistula = cards[names["Vistula Software House"]]
    assert vistula.scored
    assert {r.kpi.code for r in vistula.rows if r.band and r.band.source == "dora"} == {
        "deployment_frequency",
        "lead_time_for_changes",
        "change_failure_rate",
        "time_to_restore",
    }
    bangalore = cards[names["Bangalore Digital Works"]]
    assert bangalore.scored and bangalore.trend is not None and len(bangalore.measured_rows) >= 5
    # Not every vendor is excellent, and vendors without engagements are answered for, unscored.
    assert {card.standing.label for card in cards.values() if card.standing} - {"Excellent"}
    nairobi = vendor_scorecards(period=october, vendor_ids=[names["Nairobi DevWorks"]])[names["Nairobi DevWorks"]]
    assert not nairobi.scored
    trends = vendor_kpi_trends(vendor_ids=[names["Bangalore Digital Works"]], last=october)
    assert any(trend.breached_count for trend in trends[names["Bangalore Digital Works"]])
