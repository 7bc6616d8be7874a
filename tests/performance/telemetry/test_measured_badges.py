"""Measured or typed, on every page that shows a KPI's number (issue 14, items 5 and 6): a KPI that a
contract's active binding measures wears the "Telemetry" badge and links to the explain page of the
window shown (the scorecard's period, an SLA evaluation's window, a breach's window); a typed KPI has
neither. The vendor 360 says "typed" and counts them; the overview counts the portfolio's."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.kpis.models import KpiDefinition
from apps.performance.models import Breach, Measurement
from apps.performance.sla import sla_sweep
from apps.performance.telemetry.explain import explain_url
from tests import factories
from tests.performance.telemetry.test_explain import measured_contract, month

pytestmark = pytest.mark.django_db

CFR = "change_failure_rate"
TYPED = "on_time_delivery_rate"


@pytest.fixture
def portfolio() -> dict[str, Any]:
    """One contract with two SLA terms: change failure rate, measured by telemetry, and on-time delivery,
    typed; both missed in the last closed month (a breach each) and measured in the open one."""
    contract, binding = measured_contract()
    cfr, typed = KpiDefinition.objects.get(code=CFR), KpiDefinition.objects.get(code=TYPED)
    cfr_term = factories.SlaTermFactory(contract=contract, kpi=cfr, comparator="lte", target=Decimal("15"))
    typed_term = factories.SlaTermFactory(contract=contract, kpi=typed, comparator="gte", target=Decimal("95"))
    today = timezone.localdate()
    for term, value, source in ((cfr_term, "40", "telemetry"), (typed_term, "80", "form")):
        for end in (month().end - dt.timedelta(days=3), today):
            Measurement.objects.create(
                contract=contract,
                kpi=term.kpi,
                period_start=end - dt.timedelta(days=6),
                period_end=end,
                value=Decimal(value),
                numerator=Decimal(value),  # both are ratio KPIs: per cent of 100
                denominator=Decimal(100),
                source=source,
            )
    sla_sweep(as_of=today)
    return {
        "contract": contract,
        "binding": binding,
        "cfr_term": cfr_term,
        "typed_term": typed_term,
        "cfr_breach": Breach.objects.get(term=cfr_term),
        "typed_breach": Breach.objects.get(term=typed_term),
    }


@pytest.fixture
def client(user_with_role: Any) -> Client:
    signed = Client()
    signed.force_login(user_with_role(Role.EXECUTIVE))
    return signed


def element(html: str, opening: str, closing: str) -> str:
    """The markup from ``opening`` (a unique start) to the first ``closing`` after it."""
    start = html.index(opening)
    return html[start : html.index(closing, start)]


def has_mark(fragment: str) -> bool:
    return "data-telemetry-mark" in fragment


def explain_links(fragment: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'<a class="small" href="([^"]+)"[^>]*data-explain>', fragment)
    ]


def test_the_contract_scorecard_marks_the_measured_kpi_and_links_its_period(
    portfolio: dict[str, Any], client: Client
) -> None:
    contract = portfolio["contract"]
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    measured = element(html, f'<tr data-kpi="{CFR}"', "</tr>")
    typed = element(html, f'<tr data-kpi="{TYPED}"', "</tr>")
    assert has_mark(measured) and not has_mark(typed)
    assert portfolio["binding"].label_text in measured  # the badge's title names the binding
    assert explain_links(measured) == [
        explain_url(contract_id=contract.pk, kpi_code=CFR, start=month().start, end=month().end)
    ]
    assert explain_links(typed) == []


def test_the_sla_terms_panel_links_the_closed_and_the_open_window(portfolio: dict[str, Any], client: Client) -> None:
    contract, term = portfolio["contract"], portfolio["cfr_term"]
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    measured = element(html, f'<tr data-term="{term.pk}"', "</tr>")
    typed = element(html, f'<tr data-term="{portfolio["typed_term"].pk}"', "</tr>")
    this_month = month().next()
    assert has_mark(measured) and not has_mark(typed)
    assert explain_links(measured) == [
        explain_url(contract_id=contract.pk, kpi_code=CFR, start=month().start, end=month().end),
        explain_url(contract_id=contract.pk, kpi_code=CFR, start=this_month.start, end=this_month.end),
    ]
    assert explain_links(typed) == []


def test_a_breach_links_the_events_of_its_window(portfolio: dict[str, Any], client: Client) -> None:
    contract, breach = portfolio["contract"], portfolio["cfr_breach"]
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    measured = element(html, f'<tr id="breach-{breach.pk}"', "</tr>")
    typed = element(html, f'<tr id="breach-{portfolio["typed_breach"].pk}"', "</tr>")
    assert has_mark(measured) and not has_mark(typed)
    assert explain_links(measured) == [
        explain_url(contract_id=contract.pk, kpi_code=CFR, start=breach.window_start, end=breach.window_end)
    ]
    assert explain_links(typed) == []
    # The vendor page's open breaches too.
    vendor_html = client.get(reverse("vendors:vendor-detail", args=[contract.vendor_id])).content.decode()
    assert explain_links(element(vendor_html, f'<tr id="breach-{breach.pk}"', "</tr>")) == explain_links(measured)
    assert not has_mark(element(vendor_html, f'<tr id="breach-{portfolio["typed_breach"].pk}"', "</tr>"))


def test_the_vendor_scorecard_names_the_contracts_measured_by_telemetry(
    portfolio: dict[str, Any], client: Client
) -> None:
    contract = portfolio["contract"]
    factories.ContractFactory(vendor=contract.vendor)  # a second contract, measured by nothing
    url = reverse("vendors:vendor-tab", args=[contract.vendor_id, "performance"])
    html = client.get(url).content.decode()
    measured = element(html, f'<tr data-kpi="{CFR}"', "</tr>")
    assert has_mark(measured) and not has_mark(element(html, f'<tr data-kpi="{TYPED}"', "</tr>"))
    assert f"Measured by telemetry on 1 of 2 contracts: {contract.title} ({portfolio['binding']})" in measured
    assert explain_links(measured) == []  # a vendor's row pools contracts: no one window to explain


def test_the_vendor_360_says_which_terms_are_measured_and_which_typed(
    portfolio: dict[str, Any], client: Client
) -> None:
    contract = portfolio["contract"]
    html = client.get(reverse("dashboards:vendor-360", args=[contract.vendor_id])).content.decode()
    terms = element(html, 'data-table="sla-terms"', "</table>")
    measured = element(terms, f'<tr data-term="{portfolio["cfr_term"].pk}"', "</tr>")
    typed = element(terms, f'<tr data-term="{portfolio["typed_term"].pk}"', "</tr>")
    assert has_mark(measured) and "data-typed" not in measured
    assert not has_mark(typed) and "data-typed>typed<" in typed
    assert len(explain_links(measured)) == 2 and explain_links(typed) == []
    assert "1 of 2 measured by telemetry" in html
    breach = portfolio["cfr_breach"]
    assert explain_links(element(html, f'<tr id="breach-{breach.pk}"', "</tr>")) == [
        explain_url(contract_id=contract.pk, kpi_code=CFR, start=breach.window_start, end=breach.window_end)
    ]


def test_the_overview_counts_the_kpis_measured_and_typed(portfolio: dict[str, Any], client: Client) -> None:
    # Another vendor's contract with one telemetry-measured term and one typed: 2 of 4 in all.
    other, _ = measured_contract()
    factories.SlaTermFactory(contract=other, kpi=KpiDefinition.objects.get(code="deployment_frequency"), target=1)
    factories.SlaTermFactory(contract=other, kpi=KpiDefinition.objects.get(code="defect_rate"), target=2)
    html = client.get(reverse("dashboards:overview")).content.decode()
    assert 'data-telemetry-share="2/4"' in html
    assert "Measured by telemetry: 2 of 4 KPIs · 2 typed" in html


def test_a_switched_off_binding_takes_the_marks_away(portfolio: dict[str, Any], client: Client) -> None:
    from apps.performance.models import SourceBinding

    SourceBinding.objects.filter(contract=portfolio["contract"]).update(active=False)
    html = client.get(reverse("contracts:contract-detail", args=[portfolio["contract"].pk])).content.decode()
    assert not has_mark(html) and "data-explain" not in html
