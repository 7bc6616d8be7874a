"""A small portfolio whose every dashboard number is worked out by hand (``EXPECTED``), dated relative
to today (the views count "today" from the clock), and a way to grow it for the query budgets.

Vendors: Alpha (IN, offshore, tier 1, active), Beta (PL, nearshore, tier 2, active), Gamma (GB,
onshore, tier 3, exited) and Delta (PT, nearshore, tier 3, pilot).

Annual spend (active contracts): Alpha USD 365,000 (365 days, managed services) + USD 100,000
(open-ended, project-based); Beta EUR 240,000 over 730 days = 120,000 (staff augmentation) + USD
35,000 (open-ended, managed services); Delta GBP 73,000 over 730 days = 36,500. Gamma's contract has
expired and Beta's draft is not counted. USD 500,000 = Alpha 93.0 % + Beta 7.0 %.

SLA windows ending in the period P (the last closed month): Alpha delivery met, Alpha quality
breached, Beta support met, Beta security (rolling 28 days) met, Beta documentation no data → 3 of 4
met = 75.0 %. In P−1: Alpha delivery breached, Alpha quality met, Beta support breached → 1 of 3 =
33.3 %; change +41.7 points. Open window: Alpha delivery at risk, Beta support on track.

Breaches: Alpha quality P open (minor, USD 500), Alpha delivery P−1 acknowledged (major, USD 1,000),
Alpha delivery P−2 resolved (major, USD 700), Beta support P−1 waived (critical, EUR 2,000), Beta
support P−3 retracted (critical, EUR 300). Open: 2 (major 1, minor 1); credits owed USD 2,200; by
area: delivery major 2, quality minor 1, support critical 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import FxRate
from apps.performance.scorecards import MONTH, Period
from tests import factories


@dataclass
class Portfolio:
    today: dt.date
    period: Period
    vendors: dict[str, Any] = field(default_factory=dict)
    contracts: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    terms: dict[str, Any] = field(default_factory=dict)


def _evaluation(term: Any, start: dt.date, end: dt.date, status: str, *, closed: bool = True) -> Any:
    return factories.SlaEvaluationFactory(
        term=term, window_start=start, window_end=end, status=status, is_closed=closed, value=Decimal("90")
    )


def _breach(term: Any, month: Period, status: str, credit: str, currency: str, **extra: Any) -> Any:
    evaluation = _evaluation(term, month.start, month.end, "breached" if status != "retracted" else "met")
    return factories.BreachFactory(
        evaluation=evaluation, status=status, credit_amount=Decimal(credit), currency=currency, **extra
    )


def build_portfolio(today: dt.date) -> Portfolio:
    period = Period.last_closed(MONTH, today=today)
    before, two_before, three_before = (
        period.previous(),
        period.previous().previous(),
        period.previous().previous().previous(),
    )
    p = Portfolio(today=today, period=period)
    v = p.vendors
    v["alpha"] = factories.VendorFactory(name="Alpha Works", country="IN", geography="offshore", tier="tier_1")
    v["beta"] = factories.VendorFactory(name="Beta Software", country="PL", geography="nearshore", tier="tier_2")
    v["gamma"] = factories.VendorFactory(
        name="Gamma Security", country="GB", geography="onshore", tier="tier_3", status="exited"
    )
    v["delta"] = factories.VendorFactory(
        name="Delta Cloud", country="PT", geography="nearshore", tier="tier_3", status="pilot"
    )

    f = p.functions
    f["core"] = factories.FunctionFactory(
        name="Core platform", category="core_architecture", strategic=5, sensitive=5, repeatable=2, scarce=2
    )
    f["core"].decision = "keep_in_house"
    f["core"].save()
    f["payroll"] = factories.FunctionFactory(
        name="Payroll", category="payroll_hr", strategic=1, sensitive=3, repeatable=5, scarce=2
    )
    f["payroll"].decision = "outsource"
    f["payroll"].save()
    f["cloud"] = factories.FunctionFactory(
        name="Cloud operations", category="cloud_infrastructure", strategic=3, sensitive=4, repeatable=4, scarce=4
    )
    f["cloud"].decision = "hybrid"
    f["cloud"].save()
    f["dashboards"] = factories.FunctionFactory(
        name="Dashboards", category="internal_tools", strategic=2, sensitive=2, repeatable=4, scarce=3
    )

    c = p.contracts
    end = today + dt.timedelta(days=60)
    c["alpha_managed"] = factories.ContractFactory(
        vendor=v["alpha"],
        title="Alpha managed platform",
        engagement_model="managed_services",
        start_date=end - dt.timedelta(days=364),
        end_date=end,
        renewal="automatic",
        notice_days=30,
        value=Decimal("365000"),
        currency="USD",
    )
    c["alpha_managed"].functions.add(f["core"], f["cloud"])
    c["alpha_project"] = factories.ContractFactory(
        vendor=v["alpha"],
        title="Alpha payroll project",
        engagement_model="project_based",
        start_date=today - dt.timedelta(days=10),
        end_date=None,
        renewal="none",
        notice_days=0,
        value=Decimal("100000"),
        currency="USD",
    )
    c["alpha_project"].functions.add(f["payroll"])
    c["beta_pod"] = factories.ContractFactory(
        vendor=v["beta"],
        title="Beta pod",
        engagement_model="staff_augmentation",
        start_date=today - dt.timedelta(days=200),
        end_date=today - dt.timedelta(days=200) + dt.timedelta(days=729),
        renewal="explicit",
        notice_days=60,
        value=Decimal("240000"),
        currency="EUR",
    )
    c["beta_pod"].functions.add(f["cloud"])
    c["beta_support"] = factories.ContractFactory(
        vendor=v["beta"],
        title="Beta support",
        engagement_model="managed_services",
        start_date=today - dt.timedelta(days=30),
        end_date=None,
        renewal="none",
        notice_days=0,
        value=Decimal("35000"),
        currency="USD",
    )
    c["beta_draft"] = factories.ContractFactory(
        vendor=v["beta"],
        title="Beta draft",
        engagement_model="managed_services",
        start_date=today,
        end_date=today + dt.timedelta(days=40),
        renewal="automatic",
        notice_days=0,
        value=Decimal("999999"),
        currency="USD",
        status="draft",
    )
    c["beta_draft"].functions.add(f["core"])
    c["gamma_old"] = factories.ContractFactory(
        vendor=v["gamma"],
        title="Gamma audit",
        engagement_model="project_based",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=40),
        renewal="none",
        value=Decimal("50000"),
        currency="EUR",
        status="expired",
    )
    c["delta_pilot"] = factories.ContractFactory(
        vendor=v["delta"],
        title="Delta pilot",
        engagement_model="managed_services",
        start_date=today - dt.timedelta(days=100),
        end_date=today - dt.timedelta(days=100) + dt.timedelta(days=729),
        renewal="none",
        notice_days=0,
        value=Decimal("73000"),
        currency="GBP",
    )

    t = p.terms
    t["alpha_delivery"] = factories.SlaTermFactory(contract=c["alpha_managed"], area="delivery", severity="major")
    t["alpha_quality"] = factories.SlaTermFactory(contract=c["alpha_managed"], area="quality", severity="minor")
    t["beta_support"] = factories.SlaTermFactory(contract=c["beta_pod"], area="support", severity="critical")
    t["beta_security"] = factories.SlaTermFactory(
        contract=c["beta_pod"], area="security", window="rolling", window_days=28
    )
    t["beta_docs"] = factories.SlaTermFactory(contract=c["beta_pod"], area="documentation", severity="minor")

    # The period P.
    _evaluation(t["alpha_delivery"], period.start, period.end, "met")
    _breach(t["alpha_quality"], period, "open", "500.00", "USD")
    _evaluation(t["beta_support"], period.start, period.end, "met")
    _evaluation(t["beta_security"], period.end - dt.timedelta(days=27), period.end, "met")
    _evaluation(t["beta_docs"], period.start, period.end, "no_data")
    # The month before, and earlier.
    _breach(t["alpha_delivery"], before, "acknowledged", "1000.00", "USD")
    _evaluation(t["alpha_quality"], before.start, before.end, "met")
    _breach(t["beta_support"], before, "waived", "2000.00", "EUR", waiver_reason="Agreed at the review.")
    _breach(t["alpha_delivery"], two_before, "resolved", "700.00", "USD")
    _breach(t["beta_support"], three_before, "retracted", "300.00", "EUR")
    # The open window.
    open_month = Period.containing(MONTH, today)
    _evaluation(t["alpha_delivery"], open_month.start, open_month.end, "at_risk", closed=False)
    _evaluation(t["beta_support"], open_month.start, open_month.end, "on_track", closed=False)

    # Certifications: two expire within 60 days (Alpha's ISO 27001, Beta's ISO 9001 on day 60).
    factories.CertificationFactory(vendor=v["alpha"], kind="iso27001", expires_on=today + dt.timedelta(days=30))
    factories.CertificationFactory(vendor=v["alpha"], kind="soc2_type2", expires_on=today + dt.timedelta(days=20))
    factories.CertificationFactory(vendor=v["alpha"], kind="soc2_type2", expires_on=today + dt.timedelta(days=400))
    factories.CertificationFactory(vendor=v["gamma"], kind="iso27001", expires_on=today + dt.timedelta(days=10))
    factories.CertificationFactory(vendor=v["beta"], kind="iso9001", expires_on=today + dt.timedelta(days=60))
    factories.CertificationFactory(vendor=v["beta"], kind="iso27001", expires_on=today + dt.timedelta(days=61))
    factories.CertificationFactory(
        vendor=v["beta"],
        kind="other",
        name="CREST",
        issued_on=today - dt.timedelta(days=300),
        expires_on=today - dt.timedelta(days=5),
    )

    # Service reviews: two overdue (Alpha 3 days ago, Beta yesterday).
    factories.ServiceReviewFactory(vendor=v["alpha"], scheduled_for=today - dt.timedelta(days=3))
    factories.ServiceReviewFactory(vendor=v["beta"], scheduled_for=today - dt.timedelta(days=1))
    factories.ServiceReviewFactory(vendor=v["beta"], scheduled_for=today + dt.timedelta(days=2))
    factories.ServiceReviewFactory(vendor=v["gamma"], scheduled_for=today - dt.timedelta(days=5))
    factories.ServiceReviewFactory(
        vendor=v["alpha"],
        scheduled_for=today - dt.timedelta(days=20),
        status="held",
        held_on=today - dt.timedelta(days=20),
    )

    # Access grants: two findings (Alpha's expired grant, any unrevoked grant of exited Gamma).
    granted = today - dt.timedelta(days=100)
    factories.AccessGrantFactory(vendor=v["alpha"], granted_on=granted, expires_on=today - dt.timedelta(days=1))
    factories.AccessGrantFactory(vendor=v["alpha"], granted_on=granted, expires_on=today + dt.timedelta(days=10))
    factories.AccessGrantFactory(vendor=v["gamma"], granted_on=granted)
    factories.AccessGrantFactory(
        vendor=v["beta"],
        granted_on=granted,
        expires_on=today - dt.timedelta(days=5),
        revoked_on=today - dt.timedelta(days=2),
    )

    # Risks not closed: (likelihood 3, impact 4) × 2 of Alpha, (2, 5) of Beta, (1, 1) of Gamma.
    factories.VendorRiskFactory(vendor=v["alpha"], likelihood=3, impact=4, status="open")
    factories.VendorRiskFactory(vendor=v["alpha"], likelihood=3, impact=4, status="mitigating")
    factories.VendorRiskFactory(vendor=v["beta"], likelihood=2, impact=5, status="accepted")
    factories.VendorRiskFactory(vendor=v["beta"], likelihood=5, impact=5, status="closed")
    factories.VendorRiskFactory(vendor=v["gamma"], likelihood=1, impact=1, status="open")

    # Alpha is scored for the period (delivery KPI on target); Beta and Delta are not.
    factories.MeasurementFactory(
        contract=c["alpha_managed"],
        kpi=t["alpha_delivery"].kpi,
        period_start=period.start,
        period_end=period.end,
        value=Decimal("97"),
    )
    return p


# What the overview shows for the portfolio above, with no filter.
EXPECTED: dict[str, Any] = {
    "active_vendors": 2,
    "spend": {"USD": Decimal("500000.00"), "EUR": Decimal("120000.00"), "GBP": Decimal("36500.00")},
    "compliance": Decimal("75.0"),
    "compliance_previous": Decimal("33.3"),
    "compliance_change": Decimal("41.7"),
    "without_data": 1,
    "at_risk": 1,
    "open_breaches": 2,
    "open_by_severity": {"critical": 0, "major": 1, "minor": 1},
    "credits": {"USD": Decimal("2200.00")},
    "renewals": 1,
    "certifications": 2,
    "certifications_expired": 1,  # Beta's CREST, 5 days ago (Gamma has exited: its certificates are retired)
    "reviews_overdue": 2,
    "access_findings": 2,
    "access_findings_by_severity": {"high": 2, "medium": 0},
    "policy_conflicts": 1,
    "heat_map": {(3, 4): 2, (2, 5): 1, (1, 1): 1},
}


@pytest.fixture
def portfolio(db: None) -> Portfolio:
    return build_portfolio(timezone.localdate())


def grow_portfolio(portfolio: Portfolio, n: int) -> None:
    """``n`` more of everything the overview reads: vendors with contracts covering functions, SLA
    terms with evaluations and breaches, certifications, reviews, grants, risks and measurements."""
    today, period = portfolio.today, portfolio.period
    for i in range(n):
        vendor = factories.VendorFactory(geography=("offshore", "nearshore", "onshore")[i % 3], country="RO")
        function = factories.FunctionFactory(strategic=1 + i % 5, sensitive=1 + (i * 2) % 5, repeatable=3, scarce=4)
        contract = factories.ContractFactory(
            vendor=vendor,
            start_date=today - dt.timedelta(days=100),
            end_date=today + dt.timedelta(days=50 + i),
            currency=("USD", "EUR", "GBP", "CHF")[i % 4],
        )
        contract.functions.add(function)
        term = factories.SlaTermFactory(contract=contract, area=("delivery", "quality", "support")[i % 3])
        _breach(term, period, "open", "100.00", contract.currency)
        _evaluation(term, period.previous().start, period.previous().end, "met")
        factories.MeasurementFactory(
            contract=contract, kpi=term.kpi, period_start=period.start, period_end=period.end, value=Decimal("96")
        )
        factories.CertificationFactory(vendor=vendor, expires_on=today + dt.timedelta(days=5 + i))
        factories.ServiceReviewFactory(vendor=vendor, scheduled_for=today - dt.timedelta(days=1 + i))
        factories.AccessGrantFactory(
            vendor=vendor, granted_on=today - dt.timedelta(days=90), expires_on=today - dt.timedelta(days=1)
        )
        factories.VendorRiskFactory(vendor=vendor, likelihood=1 + i % 5, impact=1 + (i * 3) % 5)


def count_queries(client: Client, url: str) -> int:
    """The queries of one GET of ``url`` (a streamed CSV read to its end), which must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


# FX rates to the reporting currency (EUR) for the portfolio: USD 0.80 and GBP 1.20 a month ago, and a
# later GBP rate (tomorrow) that a figure dated today must not use.
FX_RATES = (("USD", -30, "0.80"), ("GBP", -30, "1.20"), ("GBP", 1, "9.99"))


@pytest.fixture
def fx_rates(portfolio: Portfolio) -> None:
    for currency, days, rate in FX_RATES:
        FxRate.objects.create(currency=currency, valid_on=portfolio.today + dt.timedelta(days=days), rate=Decimal(rate))
