"""Vendor 360 (``apps/dashboards/vendor.py``, ``/dashboard/vendors/<pk>/``) on the hand-computed
portfolio of ``conftest.py``: Alpha Works's numbers, its attention summary, that each number leads to a
list of exactly its rows, who sees which actions, the query budget and the CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.dashboards.exports import VENDOR_TABLES
from apps.dashboards.vendor import Vendor360, vendor_360
from apps.performance.scorecards import MONTH, Period
from apps.vendors.choices import CertificationKind
from tests import factories
from tests.conftest import ROLES
from tests.dashboards.conftest import Portfolio, _breach, _evaluation, count_queries

pytestmark = pytest.mark.django_db

# + the attention score and its breakdown (tests/dashboards/test_attention.py), + whether the person
# watches the vendor (the Watch button: tests/notifications/calendar/test_page.py), + the Team panel (the
# open roster findings, the active headcount by band) and the ranking's roster findings (tests/dashboards/
# test_roster_attention.py), + 11 for the Total cost panel (apps/costs/tco.py: the cost settings and the
# ledger's ten; the FX table is the attention score's), + 1 for the attention score's costs over the league
# table's window (the rollup statement: the hidden-cost weight counts as in the ranking), + 2 for the
# portfolio's spend its share divides by (its version, and its per-currency sums when not cached).
QUERY_BUDGET = 53


def portfolio_label(kind: str) -> str:
    return str(dict(CertificationKind.choices)[kind])


def page(pk: int) -> str:
    return reverse("dashboards:vendor-360", args=[pk])


@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def alpha(portfolio: Portfolio) -> Vendor360:
    return vendor_360(vendor_id=portfolio.vendors["alpha"].pk, period=portfolio.period, today=portfolio.today)


# -- the numbers -------------------------------------------------------------------------------------------
def test_alphas_numbers(portfolio: Portfolio) -> None:
    data = alpha(portfolio)
    counts = data.breach_counts
    # Breaches: quality P open (minor, 500), delivery P−1 acknowledged (major, 1,000), delivery P−2
    # resolved (major, 700); Beta's are not Alpha's.
    assert (counts.total, counts.open_total, counts.unacknowledged) == (3, 2, 1)
    assert counts.open_by_severity == {"critical": 0, "major": 1, "minor": 1}
    assert [(a.currency, a.amount) for a in counts.credits] == [("USD", Decimal("2200.00"))]
    assert [b.status for b in data.breaches] == ["open", "acknowledged", "resolved"]  # open ones first
    # SLA terms of the active contracts: delivery (P met, open window at risk), quality (P breached).
    by_area = {s.term.area: s for s in data.terms}
    assert set(by_area) == {"delivery", "quality"}
    assert (by_area["delivery"].closed.status, by_area["delivery"].open.status) == ("met", "at_risk")
    assert by_area["delivery"].current == "at_risk"
    assert by_area["quality"].current == "breached" and by_area["quality"].open is None
    assert by_area["quality"].closed.window_end == portfolio.period.end
    # Contracts: the managed platform (cancel-by 30 days before its end in 60 days) and the open-ended project.
    contracts = {row.contract.title: row for row in data.contracts}
    assert contracts["Alpha managed platform"].days_to_cancel_by == 30
    assert contracts["Alpha managed platform"].renewal_due
    assert contracts["Alpha managed platform"].annual == Decimal("365000.00")
    assert contracts["Alpha payroll project"].annual == Decimal("100000.00")
    assert not contracts["Alpha payroll project"].renewal_due
    # Certifications: ISO 27001 expiring in 30 days; the SOC 2 expiring in 20 days is superseded.
    states = sorted((row.label, row.state) for row in data.certifications)
    assert [state for _, state in states].count("superseded") == 1
    assert [name for name, state in states if state == "expiring"] == [portfolio_label("iso27001")]
    assert data.overdue_reviews == 1 and data.next_review is None
    assert len(data.grants) == 2 and len(data.access_findings) == 1
    assert sorted(r.risk_score for r in data.risks) == [12, 12]
    assert data.performance.scorecard.score is not None  # the delivery KPI measured on target


def test_the_attention_summary_names_what_needs_doing_most_urgent_first(portfolio: Portfolio) -> None:
    data = alpha(portfolio)
    texts = [item.text for item in data.attention]
    tones = [item.tone for item in data.attention]
    assert tones == sorted(tones, key=["bad", "warn", "info"].index)
    joined = "\n".join(texts)
    assert "2 open breaches (1 major, 1 minor), 1 not yet acknowledged." in joined
    assert "Service credits owed: 2,200.00 USD." in joined
    assert "is at risk in the open window" in joined
    assert "Alpha managed platform: cancel by" in joined and "(in 30 days) or it renews automatically." in joined
    assert "expires in 30 days" in joined
    assert "1 service review overdue." in joined
    assert "1 access grant with high-severity findings (1 past expiry)." in joined
    # The renewal 30 days out and the access finding are the urgent ones.
    urgent = [item.text for item in data.attention if item.tone == "bad"]
    assert len(urgent) == 2 and any("cancel by" in t for t in urgent) and any("access grant" in t for t in urgent)


def test_a_vendor_with_nothing_to_do_says_so(signed_in: Client) -> None:
    vendor = factories.VendorFactory(status="active")
    factories.ServiceReviewFactory(vendor=vendor, scheduled_for=dt.date.today() + dt.timedelta(days=20))
    response = signed_in.get(page(vendor.pk))
    assert response.status_code == 200
    assert response.context["data"].attention == []
    assert "Nothing needs attention" in response.content.decode()


def test_every_number_leads_to_a_list_of_exactly_its_rows(signed_in: Client, portfolio: Portfolio) -> None:
    response = signed_in.get(page(portfolio.vendors["alpha"].pk))
    data: Vendor360 = response.context["data"]
    expected = {
        "open_breaches": 2,
        "breaches": 3,
        "at_risk": 1,
        "renewals": 1,
        "certifications": 1,
        "reviews_overdue": 1,
        "access_findings": 1,
        "access_findings_high": 1,
        "access_findings_medium": 0,
        "risks": 2,
        "contracts": 2,
    }
    counted = {name: drill.value for name, drill in data.drills.items() if drill.counts_rows}
    assert counted == {**expected, "high_risks": 0}
    for name, drill in data.drills.items():
        listed = signed_in.get(drill.url)
        assert listed.status_code == 200
        if drill.counts_rows:
            assert listed.context["paginator"].count == drill.value, f"{name}: {drill.url}"
    for amount in data.breach_counts.credits:
        rows = signed_in.get(amount.drill.url).context["filterset"].qs
        assert sum((b.credit_amount for b in rows), Decimal(0)) == amount.amount
    # The sentence's link lists every breach owing a credit, in every currency.
    owing = signed_in.get(data.drills["credits"].url).context["filterset"].qs
    assert sum((b.credit_amount for b in owing), Decimal(0)) == sum(a.amount for a in data.breach_counts.credits)
    html = response.content.decode()
    for name, drill in data.drills.items():
        if name != "high_risks":  # Alpha has none: no sentence names them
            assert drill.url.replace("&", "&amp;") in html, drill


def test_beta_counts_an_expired_certification_and_one_expiring_on_day_60(
    signed_in: Client, portfolio: Portfolio
) -> None:
    data = vendor_360(vendor_id=portfolio.vendors["beta"].pk, period=portfolio.period, today=portfolio.today)
    assert data.drills["certifications"].value == 2  # CREST expired 5 days ago, ISO 9001 on day 60
    assert signed_in.get(data.drills["certifications"].url).context["paginator"].count == 2
    assert any("CREST expired on" in item.text and item.tone == "bad" for item in data.attention)
    # Beta's waived breach owes no credit; its retracted one is not counted at all.
    assert data.breach_counts.credits == [] and data.breach_counts.total == 1


# -- who sees what -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_it_and_only_executives_may_waive(
    role: str, portfolio: Portfolio, user_with_role: Any, client: Client
) -> None:
    client.force_login(user_with_role(role))
    response = client.get(page(portfolio.vendors["alpha"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor 360" in html and "Needs attention" in html
    may_waive = role == Role.ADMIN or "performance.waive_breach" in ROLE_PERMISSIONS.get(role, set())
    assert ('data-breach-action="waive"' in html) is may_waive
    assert may_waive is (role in (Role.EXECUTIVE, Role.ADMIN))


def test_signing_in_is_required_and_an_unknown_vendor_is_404(client: Client, signed_in: Client) -> None:
    anonymous = Client()
    response = anonymous.get(page(1))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert signed_in.get(page(999999)).status_code == 404
    assert signed_in.get(reverse("dashboards:vendor-export", args=[999999, "breaches"])).status_code == 404


def test_the_league_table_and_the_vendor_page_lead_here(signed_in: Client, portfolio: Portfolio) -> None:
    url = page(portfolio.vendors["alpha"].pk)
    assert url in signed_in.get(reverse("dashboards:overview")).content.decode()
    assert url in signed_in.get(reverse("vendors:vendor-detail", args=[portfolio.vendors["alpha"].pk])).content.decode()


# -- speed -------------------------------------------------------------------------------------------------
def test_the_page_runs_a_bounded_number_of_queries(signed_in: Client, portfolio: Portfolio) -> None:
    vendor = portfolio.vendors["alpha"]
    url = page(vendor.pk)
    few = count_queries(signed_in, url)
    assert few <= QUERY_BUDGET
    # Grow Alpha: more contracts, terms with evaluations and breaches, reviews with actions, risks,
    # certifications and grants.
    today, period = portfolio.today, portfolio.period
    for i in range(8):
        contract = factories.ContractFactory(vendor=vendor, start_date=today - dt.timedelta(days=300))
        term = factories.SlaTermFactory(contract=contract)
        _breach(term, period, "open", "10.00", contract.currency)
        _evaluation(term, period.next().start, period.next().end, "at_risk", closed=False)
        review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=today + dt.timedelta(days=i + 1))
        factories.ActionItemFactory(review=review, due_on=today - dt.timedelta(days=1))
        factories.VendorRiskFactory(vendor=vendor, likelihood=5, impact=4)
        factories.CertificationFactory(vendor=vendor, expires_on=today + dt.timedelta(days=i))
        factories.AccessGrantFactory(vendor=vendor, granted_on=today - dt.timedelta(days=9))
        factories.MeasurementFactory(
            contract=contract, kpi=term.kpi, period_start=period.start, period_end=period.end, value=Decimal("50")
        )
    many = count_queries(signed_in, url)
    assert many == few, f"{few} queries for a small vendor, {many} for a larger one"
    for table in VENDOR_TABLES:
        assert count_queries(signed_in, reverse("dashboards:vendor-export", args=[vendor.pk, table])) <= QUERY_BUDGET


# -- exports and print --------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", VENDOR_TABLES)
def test_every_table_downloads_as_csv(signed_in: Client, portfolio: Portfolio, table: str) -> None:
    response = signed_in.get(reverse("dashboards:vendor-export", args=[portfolio.vendors["alpha"].pk, table]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="alpha-works-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0]  # a header


def test_the_breaches_csv_has_every_breach_and_its_credit(signed_in: Client, portfolio: Portfolio) -> None:
    response = signed_in.get(reverse("dashboards:vendor-export", args=[portfolio.vendors["alpha"].pk, "breaches"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row["Status"] for row in rows) == ["Acknowledged", "Open", "Resolved"]
    assert sum(Decimal(row["Credit"]) for row in rows) == Decimal("2200.00")


def test_the_attention_csv_is_the_summary(signed_in: Client, portfolio: Portfolio) -> None:
    data = alpha(portfolio)
    response = signed_in.get(reverse("dashboards:vendor-export", args=[portfolio.vendors["alpha"].pk, "attention"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["Needs attention"] for row in rows] == [item.text for item in data.attention]


def test_an_unknown_table_is_404(signed_in: Client, portfolio: Portfolio) -> None:
    response = signed_in.get(reverse("dashboards:vendor-export", args=[portfolio.vendors["alpha"].pk, "nope"]))
    assert response.status_code == 404


def test_landmarks_print_and_chart_alternatives(signed_in: Client, portfolio: Portfolio) -> None:
    html = signed_in.get(page(portfolio.vendors["alpha"].pk)).content.decode()
    assert html.count("<h1") == 1 and '<main id="main">' in html
    assert 'media="print"' in html and "data-print" in html
    # The KPI trend charts, each with its table (the text alternative).
    # The KPI trend charts and the Total cost chart, each with its table (the text alternative).
    assert html.count("data-kpi-chart") >= 1
    assert html.count("data-kpi-chart") + html.count("data-tco-table") == html.count("data-chart-table")
    for heading in ("Needs attention", "SLA terms: current status", "Breaches and service credits", "Contracts"):
        assert heading in html


def test_an_expired_contracts_open_window_still_counts_and_lists(signed_in: Client, portfolio: Portfolio) -> None:
    """A contract that expired this month still has its last window open: its term is listed and its
    warning counted, as the list of at-risk evaluations counts it; an expired contract's other terms are not."""
    vendor, today = portfolio.vendors["alpha"], portfolio.today
    ended = factories.ContractFactory(
        vendor=vendor,
        status="expired",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=1),
    )
    warned = factories.SlaTermFactory(contract=ended)
    quiet = factories.SlaTermFactory(contract=ended)
    month = Period.containing(MONTH, today)
    _evaluation(warned, month.start, month.end, "at_risk", closed=False)
    _evaluation(quiet, portfolio.period.start, portfolio.period.end, "met")
    data = alpha(portfolio)
    listed = {status.term.pk for status in data.terms}
    assert warned.pk in listed and quiet.pk not in listed
    assert data.drills["at_risk"].value == 2
    assert signed_in.get(data.drills["at_risk"].url).context["paginator"].count == 2


def test_high_risks_lead_to_exactly_the_high_risks(signed_in: Client, portfolio: Portfolio) -> None:
    vendor = portfolio.vendors["alpha"]
    factories.VendorRiskFactory(vendor=vendor, likelihood=4, impact=4, status="open", title="Key person")
    factories.VendorRiskFactory(vendor=vendor, likelihood=5, impact=5, status="closed")
    data = alpha(portfolio)
    sentence = next(item for item in data.attention if "high risk" in item.text)
    assert sentence.text.startswith("1 high risk open (score ≥ 15): Key person")
    assert sentence.drill is not None and sentence.drill.value == 1
    assert signed_in.get(sentence.drill.url).context["paginator"].count == 1
