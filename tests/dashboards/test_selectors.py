"""The overview's arithmetic (apps/dashboards/tiles/, composed by apps/dashboards/selectors.py) against the
hand-computed portfolio of ``conftest.py``: compliance %, annual spend, credits per currency,
concentration shares and flags, matrix placement, heat-map counts — and every filter narrowing every
number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from apps.contracts.models import Contract
from apps.core.formatting import format_date
from apps.dashboards.scope import Scope
from apps.dashboards.selectors import Overview, portfolio_overview
from apps.dashboards.tiles.sourcing import MATRIX_BANDS
from apps.dashboards.tiles.spend import annual_value, spend_rows
from apps.performance.scorecards import Period
from tests import factories
from tests.dashboards.conftest import EXPECTED, Portfolio

pytestmark = pytest.mark.django_db


def overview(portfolio: Portfolio, scope: Scope | None = None, period: Period | None = None) -> Overview:
    return portfolio_overview(scope=scope or Scope(), period=period or portfolio.period, today=portfolio.today)


def numbers(o: Overview) -> dict[str, Any]:
    """The tiles of an overview, as plain values."""
    return {
        "active_vendors": o.active_vendors.value,
        "spend": {a.currency: a.amount for a in o.spend},
        "compliance": o.compliance.current.percent,
        "compliance_previous": o.compliance.previous.percent if o.compliance.previous else None,
        "compliance_change": o.compliance.change,
        "without_data": o.compliance.current.without_data,
        "at_risk": o.compliance.at_risk.value,
        "open_breaches": o.breaches.open_total.value,
        "open_by_severity": {s.key: s.value for s in o.breaches.open_by_severity},
        "credits": {a.currency: a.amount for a in o.breaches.credits},
        "renewals": o.renewals.value,
        "certifications": o.certifications.expiring.value,
        "certifications_expired": o.certifications.expired.value,
        "reviews_overdue": o.reviews_overdue.value,
        "access_findings": o.access_findings.value,
        "access_findings_by_severity": {severity: drill.value for severity, drill in o.access_findings.by_severity},
        "policy_conflicts": o.policy_conflicts.value,
        "heat_map": {(c.likelihood, c.impact): c.drill.value for c in o.heat_map.cells() if c.drill.value},
    }


def test_every_tile_matches_the_hand_computed_portfolio(portfolio: Portfolio) -> None:
    assert numbers(overview(portfolio)) == EXPECTED


# -- annual spend ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "value", "annual"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "240000", Decimal("240000")),  # one year of 365 days
        (dt.date(2025, 1, 1), dt.date(2026, 12, 31), "730000", Decimal("365000")),  # two years
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "90000", Decimal("365000")),  # 90 days → × 365 / 90
        (dt.date(2026, 1, 1), None, "120000", Decimal("120000")),  # open-ended: the value is yearly
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), "366000", Decimal("365000")),  # a leap year: 366 days
    ],
)
def test_annual_spend_spreads_the_value_over_the_term_in_days(
    db: None, start: dt.date, end: dt.date | None, value: str, annual: Decimal
) -> None:
    contract = factories.ContractFactory(start_date=start, end_date=end, value=Decimal(value), currency="USD")
    (row,) = spend_rows(scope=Scope(), today=dt.date(2026, 6, 1))
    assert row.annual.quantize(Decimal("0.01")) == annual
    assert annual_value(contract).quantize(Decimal("0.01")) == annual


def test_only_active_contracts_count_and_currencies_are_never_added(portfolio: Portfolio) -> None:
    o = overview(portfolio)
    assert [a.currency for a in o.spend] == ["USD", "EUR", "GBP"]  # largest first
    usd = next(b for b in o.spend_by_geography if b.currency == "USD")
    assert {s.key: (s.value, s.share) for s in usd.segments} == {
        "onshore": (Decimal("0.00"), Decimal("0.0")),
        "nearshore": (Decimal("35000.00"), Decimal("7.0")),
        "offshore": (Decimal("465000.00"), Decimal("93.0")),
    }
    usd_models = next(b for b in o.spend_by_engagement if b.currency == "USD")
    assert {s.key: s.value for s in usd_models.segments} == {
        "staff_augmentation": Decimal("0.00"),
        "managed_services": Decimal("400000.00"),
        "project_based": Decimal("100000.00"),
    }


# -- SLA compliance -----------------------------------------------------------------------------------------
def test_compliance_counts_windows_that_ended_in_the_month(portfolio: Portfolio) -> None:
    compliance = overview(portfolio).compliance
    assert len(compliance.months) == 12 and compliance.months[-1].month == portfolio.period
    current = compliance.current
    # Monthly, and a rolling window ending in the month, count; no_data is left out of the percentage.
    assert (current.met, current.breached, current.without_data, current.percent) == (3, 1, 1, Decimal("75.0"))
    assert compliance.previous.met == 1 and compliance.previous.breached == 2
    assert compliance.change == Decimal("41.7")


def test_a_quarterly_window_counts_in_its_quarters_last_month(db: None) -> None:
    term = factories.SlaTermFactory(window="quarter")
    factories.SlaEvaluationFactory(
        term=term, window_start=dt.date(2026, 7, 1), window_end=dt.date(2026, 9, 30), status="met"
    )
    september = Period(dt.date(2026, 9, 1))
    compliance = portfolio_overview(scope=Scope(), period=september, today=dt.date(2026, 11, 23)).compliance
    by_month = {m.month.key: m.met for m in compliance.months}
    assert by_month["2026-09"] == 1 and by_month["2026-08"] == 0 and by_month["2026-07"] == 0


def test_a_month_without_evaluations_has_no_percentage_and_no_change(db: None) -> None:
    o = portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 10, 1)), today=dt.date(2026, 11, 23))
    assert o.compliance.current.percent is None and o.compliance.change is None


def test_the_period_moves_the_compliance_month(portfolio: Portfolio) -> None:
    before = overview(portfolio, period=portfolio.period.previous())
    assert before.compliance.current.percent == Decimal("33.3")
    assert before.compliance.current.month == portfolio.period.previous()


# -- breaches and credits ---------------------------------------------------------------------------------
def test_credits_exclude_waived_and_retracted_breaches(portfolio: Portfolio) -> None:
    breaches = overview(portfolio).breaches
    assert {a.currency: a.amount for a in breaches.credits} == {"USD": Decimal("2200.00")}


def test_breaches_by_area_leave_out_retracted_ones(portfolio: Portfolio) -> None:
    by_area = {area.area: {s.key: s.value for s in area.by_severity} for area in overview(portfolio).breaches.by_area}
    assert by_area == {
        "delivery": {"critical": 0, "major": 2, "minor": 0},
        "quality": {"critical": 0, "major": 0, "minor": 1},
        "support": {"critical": 1, "major": 0, "minor": 0},
        "security": {"critical": 0, "major": 0, "minor": 0},
        "documentation": {"critical": 0, "major": 0, "minor": 0},
    }


# -- league table ---------------------------------------------------------------------------------------------
def test_league_table_ranks_scored_vendors_first(portfolio: Portfolio) -> None:
    # Ordered by scorecard on request (the default order is the attention ranking: tests/dashboards/test_attention.py).
    league = portfolio_overview(
        scope=Scope(), period=portfolio.period, today=portfolio.today, league_sort="scorecard"
    ).league.rows
    assert [(row.rank, row.vendor.name) for row in league] == [
        (1, "Alpha Works"),
        (None, "Beta Software"),
        (None, "Delta Cloud"),  # a pilot delivers work too; an exited vendor does not
    ]
    alpha = league[0]
    assert alpha.score == Decimal("100.0") and alpha.scorecard.standing.label == "Excellent"
    assert alpha.open_breaches.value == 2
    assert alpha.next_cancel_by == portfolio.today + dt.timedelta(days=30)
    assert league[1].open_breaches.value == 0 and league[1].next_cancel_by == portfolio.contracts["beta_pod"].cancel_by


# -- sourcing matrix ------------------------------------------------------------------------------------------
def test_matrix_places_each_function_by_its_score_sums(portfolio: Portfolio) -> None:
    matrix = overview(portfolio).matrix
    placed = {(cell.closeness.key, cell.leverage.key): [f.name for f in cell.functions] for cell in matrix.cells()}
    assert placed[("high", "low")] == ["Core platform"]  # 5 + 5, 2 + 2
    assert placed[("medium", "high")] == ["Cloud operations"]  # 3 + 4, 4 + 4
    assert placed[("low", "medium")] == ["Dashboards", "Payroll"]  # 2 + 2 and 1 + 3; 4 + 3 and 5 + 2
    assert sum(len(names) for names in placed.values()) == matrix.total == 4
    core = next(f for f in overview(portfolio).functions if f.name == "Core platform")
    assert core.policy_conflict and core.critical and [name for _, name in core.vendors] == ["Alpha Works"]
    cloud = next(f for f in overview(portfolio).functions if f.name == "Cloud operations")
    assert [name for _, name in cloud.vendors] == ["Alpha Works", "Beta Software"]


def test_matrix_bands_cover_every_sum_once() -> None:
    for total in range(2, 11):
        assert sum(band.contains(total) for band in MATRIX_BANDS) == 1


# -- risk heat map ----------------------------------------------------------------------------------------------
def test_heat_map_counts_risks_not_closed(portfolio: Portfolio) -> None:
    heat = overview(portfolio).heat_map
    assert heat.total.value == 4
    assert [impact for impact, _ in heat.rows] == [5, 4, 3, 2, 1]
    assert [cell.likelihood for cell in heat.rows[0][1]] == [1, 2, 3, 4, 5]


# -- concentration ------------------------------------------------------------------------------------------------
def test_concentration_shares_and_flags(portfolio: Portfolio, fx_rates: None) -> None:
    """Spend shares in the reporting currency (EUR): Alpha USD 465,000 × 0.80 = 372,000; Beta USD
    35,000 × 0.80 + EUR 120,000 = 148,000; Delta GBP 36,500 × 1.20 = 43,800 (not tomorrow's 9.99);
    of 563,800: 66.0 %, 26.3 %, 7.8 %. Delta is no longer "100 % of GBP spend"."""
    c = overview(portfolio).concentration
    assert c.threshold == Decimal("30") and c.reporting_currency == "EUR"
    assert c.spend_total == Decimal("563800.00") and c.spend_not_counted == ()
    spend = {(r.label, r.currency): (r.value, r.share, r.flagged) for r in c.spend_by_vendor}
    assert spend == {
        ("Alpha Works", "EUR"): (Decimal("372000.00"), Decimal("66.0"), True),
        ("Beta Software", "EUR"): (Decimal("148000.00"), Decimal("26.3"), False),
        ("Delta Cloud", "EUR"): (Decimal("43800.00"), Decimal("7.8"), False),
    }
    delta = next(r for r in c.spend_by_vendor if r.label == "Delta Cloud")
    rate_day = format_date(portfolio.today - dt.timedelta(days=30))
    assert delta.conversion_note == f"GBP 36,500.00 at GBP 1 = EUR 1.2 (rate of {rate_day})"
    countries = {(r.label, r.currency): r.share for r in c.spend_by_country}
    assert countries[("India", "EUR")] == Decimal("66.0") and countries[("Poland", "EUR")] == Decimal("26.3")
    # Critical functions covered by active contracts: the core platform (Alpha) and cloud operations
    # (Alpha and Beta): Alpha holds both, Beta one of two.
    assert c.critical_functions == 2
    assert {r.label: (r.value, r.share) for r in c.functions_by_vendor} == {
        "Alpha Works": (2, Decimal("100.0")),
        "Beta Software": (1, Decimal("50.0")),
    }
    assert {r.label: r.share for r in c.functions_by_country} == {"India": Decimal("100.0"), "Poland": Decimal("50.0")}


def test_concentration_leaves_out_and_names_a_currency_without_a_rate(portfolio: Portfolio) -> None:
    """No rates at all: only the EUR spend is shared out (Beta 100 %); USD and GBP are named, not guessed."""
    c = overview(portfolio).concentration
    assert {(r.label, r.value, r.share) for r in c.spend_by_vendor} == {
        ("Beta Software", Decimal("120000.00"), Decimal("100.0"))
    }
    day = format_date(portfolio.today)
    assert [(m.currency, m.amount, m.missing_text) for m in c.spend_not_counted] == [
        ("GBP", Decimal("36500.00"), f"no GBP rate on or before {day}: not counted"),
        ("USD", Decimal("500000.00"), f"no USD rate on or before {day}: not counted"),
    ]


@override_settings(CONCENTRATION_THRESHOLD_PERCENT=60)
def test_the_concentration_threshold_is_a_setting(portfolio: Portfolio, fx_rates: None) -> None:
    c = overview(portfolio).concentration
    assert {r.label for r in c.spend_by_vendor if r.flagged} == {"Alpha Works"}
    assert [r.label for r in c.functions_by_vendor if r.flagged] == ["Alpha Works"]
    with override_settings(CONCENTRATION_THRESHOLD_PERCENT=95):
        c = overview(portfolio).concentration
        assert [r for r in c.spend_by_vendor if r.flagged] == []
        assert [r.label for r in c.functions_by_vendor if r.flagged] == ["Alpha Works"]


# -- filters narrow every number -------------------------------------------------------------------------------------
NARROWED: dict[str, dict[str, Any]] = {
    # Alpha only: its contracts, their SLA windows and breaches, its records.
    "geography=offshore": {
        "active_vendors": 1,
        "spend": {"USD": Decimal("465000.00")},
        "compliance": Decimal("50.0"),
        "at_risk": 1,
        "open_breaches": 2,
        "credits": {"USD": Decimal("2200.00")},
        "renewals": 1,
        "certifications": 1,
        "reviews_overdue": 1,
        "access_findings": 1,
        "policy_conflicts": 1,
        "heat_map": {(3, 4): 2},
        "matrix": 3,  # the functions an active contract of an offshore vendor covers
    },
    # Beta only (Delta is tier 3).
    "tier=tier_2": {
        "active_vendors": 1,
        "spend": {"USD": Decimal("35000.00"), "EUR": Decimal("120000.00")},
        "compliance": Decimal("100.0"),
        "at_risk": 0,
        "open_breaches": 0,
        "credits": {},
        "renewals": 0,
        "certifications": 1,
        "reviews_overdue": 1,
        "access_findings": 0,
        "policy_conflicts": 0,
        "heat_map": {(2, 5): 1},
        "matrix": 1,
    },
    # Contracts of the model; vendors with such a contract (Beta); functions such a contract covers.
    "engagement_model=staff_augmentation": {
        "active_vendors": 1,
        "spend": {"EUR": Decimal("120000.00")},
        "compliance": Decimal("100.0"),
        "at_risk": 0,
        "open_breaches": 0,
        "credits": {},
        "renewals": 0,
        "certifications": 1,
        "reviews_overdue": 1,
        "access_findings": 0,
        "policy_conflicts": 0,
        "heat_map": {(2, 5): 1},
        "matrix": 1,
    },
    # Contracts covering a core-architecture function (Alpha's managed platform; Beta's is a draft).
    "function_category=core_architecture": {
        "active_vendors": 2,  # Beta's draft covers it too: a vendor "has a contract" of any status
        "spend": {"USD": Decimal("365000.00")},
        "compliance": Decimal("50.0"),
        "at_risk": 1,
        "open_breaches": 2,
        "credits": {"USD": Decimal("2200.00")},
        "renewals": 1,
        "certifications": 2,
        "reviews_overdue": 2,
        "access_findings": 1,
        "policy_conflicts": 1,
        "heat_map": {(3, 4): 2, (2, 5): 1},
        "matrix": 1,
    },
}


@pytest.mark.parametrize("query", sorted(NARROWED))
def test_every_filter_narrows_every_number(portfolio: Portfolio, query: str) -> None:
    name, value = query.split("=")
    o = overview(portfolio, scope=Scope(**{name: value}))
    got = numbers(o)
    expected = NARROWED[query]
    assert {key: got[key] for key in expected if key != "matrix"} == {
        k: v for k, v in expected.items() if k != "matrix"
    }
    assert o.matrix.total == expected["matrix"]
    everything = numbers(overview(portfolio))
    for key in ("active_vendors", "at_risk", "open_breaches", "renewals", "certifications", "reviews_overdue"):
        assert got[key] <= everything[key], key


def test_one_vendor_scope_is_that_vendors_numbers(portfolio: Portfolio) -> None:
    """What a vendor's own page (vendor 360) reuses: the same selectors for one vendor."""
    alpha = portfolio.vendors["alpha"]
    got = numbers(overview(portfolio, scope=Scope(vendor=alpha.pk)))
    assert got["spend"] == {"USD": Decimal("465000.00")}
    assert got["open_breaches"] == 2 and got["access_findings"] == 1 and got["policy_conflicts"] == 1
    assert got["certifications"] == 1 and got["heat_map"] == {(3, 4): 2}


def test_an_empty_portfolio_has_zeroes_and_no_division_by_zero(db: None) -> None:
    o = portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 10, 1)), today=dt.date(2026, 11, 23))
    assert (
        o.active_vendors.value == 0
        and o.spend == []
        and o.league.rows == []
        and o.league.total == 0
        and o.matrix.total == 0
    )
    assert o.concentration.critical_functions == 0 and o.heat_map.total.value == 0
    assert Contract.objects.count() == 0
