"""Annual spend counts each euro once (a master agreement is a ceiling its statements of work draw on)
and concentration is computed in the reporting currency, with every conversion's rate and date shown
and a missing rate named, never guessed. The rule is in docs/governance/money.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.core.formatting import format_date
from apps.core.fx import fx_table
from apps.core.models import FxRate
from apps.dashboards.scope import Scope
from apps.dashboards.selectors import portfolio_overview
from apps.dashboards.tiles.concentration import concentration, vendor_spend_share
from apps.dashboards.tiles.spend import counted_annual, spend_rows, spend_total
from apps.dashboards.vendor import vendor_360
from apps.performance.scorecards import Period
from tests import factories
from tests.rollups import read_until_settled

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
YEAR = {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}  # 365 days
TWO_YEARS = {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 12, 31)}  # 730 days


def rate(currency: str, day: dt.date, value: str) -> FxRate:
    return FxRate.objects.create(currency=currency, valid_on=day, rate=Decimal(value))


def per_vendor(rows: Any) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.vendor_name] = totals.get(row.vendor_name, Decimal(0)) + row.annual
    return {name: total.quantize(Decimal("0.01")) for name, total in totals.items()}


def msa_and_sow(vendor: Any, *, msa_value: str, sow_value: str, **sow: Any) -> tuple[Contract, Contract]:
    msa = factories.ContractFactory(vendor=vendor, value=Decimal(msa_value), **YEAR)
    child = factories.ContractFactory(
        vendor=vendor, parent=msa, engagement_model="project_based", value=Decimal(sow_value), **{**YEAR, **sow}
    )
    return msa, child


# -- the master-agreement ceiling ------------------------------------------------------------------------------
def test_the_seen_case_counts_the_sow_once_not_the_msa_on_top() -> None:
    """MSA EUR 399,635 a year and its SOW EUR 480,000 a year: 480,000, not 879,635."""
    vendor = factories.VendorFactory(name="Seen Vendor")
    msa, sow = msa_and_sow(vendor, msa_value="399635.00", sow_value="480000.00")
    assert per_vendor(spend_rows(scope=Scope(), today=TODAY)) == {"Seen Vendor": Decimal("480000.00")}
    assert counted_annual(msa, [sow], on=TODAY) == Decimal(0)
    assert counted_annual(sow, [], on=TODAY) == Decimal("480000")


def test_an_msa_counts_what_its_active_sows_leave_of_it() -> None:
    """MSA 1,000,000 over 730 days = 500,000 a year; an active SOW of 200,000 a year draws on it, a draft
    (not committed) and an expired one (no longer running) do not: 200,000 + 300,000 = 500,000."""
    vendor = factories.VendorFactory(name="Ceiling Vendor")
    msa, active = msa_and_sow(vendor, msa_value="1000000.00", sow_value="200000.00")
    draft: Any = factories.ContractFactory(vendor=vendor, parent=msa, value=Decimal("100000"), status="draft", **YEAR)
    expired: Any = factories.ContractFactory(
        vendor=vendor, parent=msa, value=Decimal("50000"), status="expired", **YEAR
    )
    msa.end_date = TWO_YEARS["end_date"]
    msa.save()
    rows = spend_rows(scope=Scope(), today=TODAY)
    assert per_vendor(rows) == {"Ceiling Vendor": Decimal("500000.00")}
    by_model = {row.engagement_model: row.annual.quantize(Decimal("0.01")) for row in rows}
    assert by_model == {"managed_services": Decimal("300000.00"), "project_based": Decimal("200000.00")}
    assert counted_annual(msa, [active, draft, expired], on=TODAY) == Decimal("300000")
    # Narrowed to the MSA's engagement model, the SOW outside the scope still uses up its part.
    narrowed = spend_rows(scope=Scope(engagement_model="managed_services"), today=TODAY)
    assert per_vendor(narrowed) == {"Ceiling Vendor": Decimal("300000.00")}


def test_sows_above_the_ceiling_leave_nothing_and_never_less() -> None:
    vendor = factories.VendorFactory(name="Over Vendor")
    msa, _ = msa_and_sow(vendor, msa_value="100000.00", sow_value="150000.00")
    factories.ContractFactory(vendor=vendor, parent=msa, value=Decimal("60000"), **YEAR)
    assert per_vendor(spend_rows(scope=Scope(), today=TODAY)) == {"Over Vendor": Decimal("210000.00")}


def test_an_active_sow_under_an_msa_that_is_not_active_counts_on_its_own() -> None:
    vendor = factories.VendorFactory(name="Draft Msa Vendor")
    msa, _ = msa_and_sow(vendor, msa_value="900000.00", sow_value="120000.00")
    Contract.objects.filter(pk=msa.pk).update(status="expired")
    assert per_vendor(spend_rows(scope=Scope(), today=TODAY)) == {"Draft Msa Vendor": Decimal("120000.00")}


def test_a_sow_in_another_currency_draws_its_converted_value_or_nothing_without_a_rate() -> None:
    """MSA EUR 365,000 a year, SOW USD 100,000 a year: at USD 1 = EUR 0.80 it draws EUR 80,000 (MSA
    counts 285,000); with no USD rate it draws nothing and the MSA counts in full (overstated, not guessed)."""
    vendor = factories.VendorFactory(name="Mixed Vendor")
    msa, sow = msa_and_sow(vendor, msa_value="365000.00", sow_value="100000.00", currency="USD")
    rows = {row.currency: row.annual.quantize(Decimal("0.01")) for row in spend_rows(scope=Scope(), today=TODAY)}
    assert rows == {"EUR": Decimal("365000.00"), "USD": Decimal("100000.00")}
    rate("USD", TODAY - dt.timedelta(days=10), "0.80")
    rows = {row.currency: row.annual.quantize(Decimal("0.01")) for row in spend_rows(scope=Scope(), today=TODAY)}
    assert rows == {"EUR": Decimal("285000.00"), "USD": Decimal("100000.00")}
    assert counted_annual(msa, [sow], on=TODAY, fx=fx_table()) == Decimal("285000.00")


def test_vendor_360_shows_what_an_msa_adds_and_its_ceiling() -> None:
    vendor = factories.VendorFactory(name="Page Vendor")
    msa, sow = msa_and_sow(vendor, msa_value="399635.00", sow_value="300000.00")
    data = vendor_360(vendor_id=vendor.pk, period=Period(dt.date(2026, 5, 1)), today=TODAY)
    rows = {row.contract.pk: (row.annual, row.ceiling) for row in data.contracts}
    assert rows == {msa.pk: (Decimal("99635.00"), Decimal("399635.00")), sow.pk: (Decimal("300000.00"), None)}


# -- concentration in the reporting currency ------------------------------------------------------------------
def test_a_gbp_vendor_is_no_longer_100_percent_of_gbp_spend() -> None:
    """EUR 500,000 (Euro Vendor) and GBP 96,000 (the pen-test vendor) at GBP 1 = EUR 1.15: 110,400 of
    610,400 = 18.1 %, not flagged; before, per currency, it was 100 % and flagged."""
    euro = factories.VendorFactory(name="Euro Vendor", country="DE")
    pentest = factories.VendorFactory(name="Pen Test Ltd", country="GB")
    factories.ContractFactory(vendor=euro, value=Decimal("500000"), currency="EUR", **YEAR)
    factories.ContractFactory(vendor=pentest, value=Decimal("96000"), currency="GBP", **YEAR)
    rate("GBP", TODAY - dt.timedelta(days=3), "1.15")
    o = portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 5, 1)), today=TODAY)
    shares = {r.label: (r.currency, r.value, r.share, r.flagged) for r in o.concentration.spend_by_vendor}
    assert shares == {
        "Euro Vendor": ("EUR", Decimal("500000.00"), Decimal("81.9"), True),
        "Pen Test Ltd": ("EUR", Decimal("110400.00"), Decimal("18.1"), False),
    }
    assert [r.label for r in o.concentration.flagged if r.drill.counts_rows is False] == ["Euro Vendor", "Germany"]
    assert o.spend_total.amount == Decimal("610400.00") and o.spend_total.currency == "EUR"
    (gbp,) = o.spend_total.converted
    assert gbp.rate_text == f"GBP 1 = EUR 1.15 (rate of {format_date(TODAY - dt.timedelta(days=3))})"


def test_a_currency_without_a_rate_on_or_before_the_day_is_left_out_and_named() -> None:
    euro = factories.VendorFactory(name="Euro Vendor")
    pentest = factories.VendorFactory(name="Pen Test Ltd")
    factories.ContractFactory(vendor=euro, value=Decimal("500000"), currency="EUR", **YEAR)
    factories.ContractFactory(vendor=pentest, value=Decimal("96000"), currency="GBP", **YEAR)
    rate("GBP", TODAY + dt.timedelta(days=1), "1.15")  # a later rate does not apply
    o = portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 5, 1)), today=TODAY)
    assert [r.label for r in o.concentration.spend_by_vendor] == ["Euro Vendor"]
    (missing,) = o.concentration.spend_not_counted
    assert missing.missing_text == "no GBP rate on or before 1 Jun 2026: not counted"
    assert o.spend_total.amount == Decimal("500000.00")
    assert [m.currency for m in o.spend_total.missing] == ["GBP"]


def test_one_vendors_share_without_the_others_is_the_concentration_panels() -> None:
    """The vendor 360 works out its vendor's share off the portfolio summed per currency
    (``spend_total``) and its own rows (``vendor_spend_share``): the same figures as the panel's row
    that works out every vendor's — with currencies converted and not, a master agreement drawn on in
    another currency, and a vendor whose only currency has no rate."""
    euro = factories.VendorFactory(name="Euro Vendor")
    mixed = factories.VendorFactory(name="Mixed Vendor")
    pound = factories.VendorFactory(name="Pound Vendor")
    factories.ContractFactory(vendor=euro, value=Decimal("500000.00"), currency="EUR", **YEAR)
    factories.ContractFactory(vendor=euro, value=Decimal("123456.78"), currency="USD", **TWO_YEARS)
    msa_and_sow(mixed, msa_value="365000.00", sow_value="100000.00", currency="USD")
    factories.ContractFactory(vendor=mixed, value=Decimal("77777.77"), currency="CHF", **YEAR)
    factories.ContractFactory(vendor=pound, value=Decimal("96000.00"), currency="GBP", **YEAR)
    rate("USD", TODAY - dt.timedelta(days=10), "0.8123")
    rate("CHF", TODAY - dt.timedelta(days=3), "1.0571")
    fx = fx_table()
    panel = concentration(scope=Scope(), spend=spend_rows(scope=Scope(), today=TODAY), today=TODAY, fx=fx)
    total = spend_total(scope=Scope(), today=TODAY, fx=fx)
    assert total == panel.spend_total == Decimal("997360.85")  # GBP has no rate
    for vendor in (euro, mixed, pound):
        own = spend_rows(scope=Scope(vendor=vendor.pk), today=TODAY)
        alone = vendor_spend_share(vendor_id=vendor.pk, spend=own, total=total, today=TODAY, fx=fx)
        assert alone == panel.spend_by_vendor.share_of(str(vendor.pk)), vendor.name
    assert vendor_spend_share(vendor_id=pound.pk, spend=[], total=total, today=TODAY, fx=fx) is None
    flagged = vendor_spend_share(
        vendor_id=euro.pk, spend=spend_rows(scope=Scope(vendor=euro.pk), today=TODAY), total=total, today=TODAY, fx=fx
    )
    assert flagged is not None and flagged.flagged and flagged.share == Decimal("55.2")


def test_the_overview_counts_a_fixed_number_of_queries_with_msas_sows_and_rates() -> None:
    def queries() -> int:
        # The first reading stores the league table's scorecards and costs (tests/rollups.py): count the next.
        read_until_settled(lambda: portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 5, 1)), today=TODAY))
        with CaptureQueriesContext(connection) as captured:
            portfolio_overview(scope=Scope(), period=Period(dt.date(2026, 5, 1)), today=TODAY)
        return len(captured)

    factories.ContractFactory(vendor=factories.VendorFactory(), currency="USD", **YEAR)
    few = queries()
    for i in range(6):
        vendor = factories.VendorFactory()
        msa_and_sow(vendor, msa_value="500000.00", sow_value=f"{100000 + i}.00")
        rate(("USD", "GBP", "CHF")[i % 3], TODAY - dt.timedelta(days=i + 1), "0.9")
    assert queries() == few


# -- the page ---------------------------------------------------------------------------------------------------
@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def test_the_overview_shows_the_rate_and_date_used_the_missing_rate_and_the_msa_rule(signed_in: Client) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    term = {"start_date": today - dt.timedelta(days=100), "end_date": today + dt.timedelta(days=264)}
    factories.ContractFactory(
        vendor=factories.VendorFactory(name="Dollar Vendor"), value=Decimal("365000"), currency="USD", **term
    )
    factories.ContractFactory(
        vendor=factories.VendorFactory(name="Pen Test Ltd"), value=Decimal("96000"), currency="GBP", **term
    )
    rate_day = today - dt.timedelta(days=2)
    rate("USD", rate_day, "0.92")
    html = signed_in.get(reverse("dashboards:overview")).content.decode()
    assert f"USD 1 = EUR 0.92 (rate of {format_date(rate_day)})" in html
    assert f"no GBP rate on or before {format_date(today)}: not counted" in html
    assert "A master agreement counts only the part its statements of work do not cover." in html
    assert 'data-currency="EUR"' in html  # the total in the reporting currency
