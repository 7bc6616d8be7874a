"""The Total cost panels (contract page, vendor 360) and the cost ledger page, over a hand-computed month.

Last month (P), vendor V with no named owner (so no standing overhead), contracts C1 and C2 in force all year:
- C1: an approved invoice of 20,000.00 for 160 + 40 = 200 billed hours (a received 5,000.00 is not counted);
  half of a 2-hour review held with Cora (executive, 150 an hour) → 1 h, 150.00; Erin (engineering manager,
  95) logs 4 h → 380.00; management 530.00. Rework: 3 escaped defects × 6 h × 85 = 1,530.00. Delay: 10 due −
  8 on time = 2 weeks × C1's 500 a week = 1,000.00. Credits: 400.00 owed (a waived 700 and a breach owing
  nothing are not). TCO 20,000 + 530 + 1,530 + 1,000 − 400 = 22,660.00; effective rate 22,660 ÷ 200 =
  113.30, billed rate 100.00; 40 story points → 566.50 a point; 20 deployments → 1,133.00 a deployment.
- C2: the other half of the review, 150.00: TCO 150.00. No cost of delay anywhere: "not set".
Vendor: 22,810.00, effective rate 114.05.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.costs.ledger import add_months, month_first, month_last
from apps.costs.models import InvoiceHours, OwnerHours
from apps.costs.sections import contract_costs_panel
from apps.costs.tco import Scope, credits_url, drills_for, tco_panel
from apps.kpis.models import KpiDefinition
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def measure(contract: Any, code: str, numerator: int, denominator: int, end: dt.date, *, source: str = "api") -> Any:
    return factories.MeasurementFactory(
        contract=contract,
        kpi=kpi(code),
        period_start=month_first(end),
        period_end=end,
        numerator=Decimal(numerator),
        denominator=Decimal(denominator),
        value=(Decimal(100) * numerator / denominator).quantize(Decimal("0.01")),
        source=source,
    )


FIGURE = re.compile(
    r'data-figure="([a-z_]+)">\s*<span class="tco-label">[^<]*</span>\s*(?:<a class="tco-value"[^>]*>|<span class="tco-value">)([^<]+)'
)


def figures_of(html: str) -> dict[str, str]:
    """The panel's key figures as shown: key → value."""
    return {key: value.strip() for key, value in FIGURE.findall(html)}


def last_month() -> dt.date:
    return add_months(month_first(timezone.localdate()), -1)


def build_world() -> dict[str, Any]:
    """The hand-computed month of the module's docstring."""
    month = last_month()
    end = month_last(month)
    start = add_months(month_first(timezone.localdate()), -12)
    erin = factories.UserFactory(username="erin", role="engineering_manager")
    cora = factories.UserFactory(username="cora", role="executive")
    vendor = factories.VendorFactory(
        name="Vistula Code", engineering_owner=None, delivery_owner=None, security_contact=None
    )
    term_end = add_months(start, 24)
    c1 = factories.ContractFactory(
        vendor=vendor, title="Platform team", start_date=start, end_date=term_end, cost_of_delay_per_week=Decimal(500)
    )
    c2 = factories.ContractFactory(vendor=vendor, title="Data team", start_date=start, end_date=term_end)
    review = factories.ServiceReviewFactory(
        vendor=vendor, status="held", held_on=month.replace(day=10), scheduled_for=month.replace(day=10)
    )
    review.duration_hours = Decimal(2)
    review.save()
    review.attendees.add(cora)
    monday = month + dt.timedelta(days=(7 - month.weekday()) % 7)
    OwnerHours.objects.create(contract=c1, person=erin, week_of=monday, hours=Decimal(4))
    invoice = factories.InvoiceFactory(
        contract=c1, period_start=month, period_end=end, amount=Decimal(20000), status="approved"
    )
    InvoiceHours.objects.create(invoice=invoice, role="Senior developer", hours=Decimal(160))
    InvoiceHours.objects.create(invoice=invoice, role="QA", hours=Decimal(40))
    factories.InvoiceFactory(contract=c1, period_start=month, period_end=end, amount=Decimal(5000))
    measure(c1, "defect_rate", 3, 100, end)
    measure(c1, "on_time_delivery_rate", 8, 10, end)
    measure(c1, "say_do_ratio", 40, 50, end)
    measure(c1, "change_failure_rate", 1, 20, end)
    evaluation = {"window_start": month, "window_end": end}
    owed = factories.SlaTermFactory(contract=c1)
    factories.BreachFactory(
        evaluation__term=owed, **{f"evaluation__{k}": v for k, v in evaluation.items()}, credit_amount=Decimal(400)
    )
    waived = factories.SlaTermFactory(contract=c1)
    factories.BreachFactory(
        evaluation__term=waived,
        **{f"evaluation__{k}": v for k, v in evaluation.items()},
        credit_amount=Decimal(700),
        status="waived",
        waiver_reason="Agreed at the review",
    )
    nothing = factories.SlaTermFactory(contract=c1)
    factories.BreachFactory(
        evaluation__term=nothing, **{f"evaluation__{k}": v for k, v in evaluation.items()}, credit_amount=Decimal(0)
    )
    return {"vendor": vendor, "c1": c1, "c2": c2, "month": month, "reader": factories.UserFactory(role="executive")}


@pytest.fixture
def world() -> dict[str, Any]:
    return build_world()


def test_the_contract_panel_shows_the_hand_computed_figures(world: dict[str, Any], rf: Any) -> None:
    c1 = world["c1"]
    html = _client(world["reader"]).get(c1.get_absolute_url()).content.decode()
    assert 'id="costs"' in html and 'data-panel="costs"' in html
    figures = figures_of(html)
    assert figures["tco"].strip() == "22,660.00 EUR"
    assert figures["effective_rate"].strip() == "113.30 EUR"
    assert figures["billed_rate"].strip() == "100.00 EUR"
    assert figures["cost_per_point"].strip() == "566.50 EUR"
    assert figures["cost_per_deployment"].strip() == "1,133.00 EUR"
    assert figures["cost_of_delay"].strip() == "500.00 EUR a week"
    assert "rate card 45–80 EUR an hour" in html
    # Where the cost beyond the invoices comes from, with its figures.
    assert "Rework adds 1,530.00 EUR: 3 escaped defects reported × 6 h × 85.00 EUR an hour." in html
    assert "Management load adds 530.00 EUR" in html and "Service credits owed take off 400.00 EUR." in html
    # The owner-hours form for this contract, and the hours logged in the panel's months.
    assert f'href="{reverse("costs:owner-hours-new")}?contract={c1.pk}" data-tco-link="log-hours"' in html
    assert 'data-tco-link="owner-hours"' in html and 'data-tco-link="ledger"' in html
    # The chart's data and its table: 13 months, credits below zero.
    request = rf.get("/")
    request.user = world["reader"]
    panel = contract_costs_panel(request, c1)["tco"]
    assert len(panel.months) == 13 and panel.chart.data["labels"][-1] == f"{month_first(timezone.localdate()):%b %y}"
    series = {s["label"]: s["values"] for s in panel.chart.data["series"]}
    assert series["Service credits (taken off)"][-2] == -400.0 and series["Invoiced"][-2] == 20000.0
    assert 'data-dash-chart="stacked-bar"' in html and "data-tco-table" in html
    assert panel.totals.tco == Decimal("22660.00") and panel.totals.billed_hours == 200


def test_unmeasured_and_unset_say_so(world: dict[str, Any]) -> None:
    html = _client(world["reader"]).get(world["c2"].get_absolute_url()).content.decode()
    assert "150.00 EUR" in html
    figures = figures_of(html)
    assert figures["cost_per_point"] == figures["cost_per_deployment"] == "not measured"
    assert figures["cost_of_delay"] == "not set"
    assert figures["effective_rate"] == figures["billed_rate"] == "no billed hours"


def test_the_vendor_360_panel_sums_the_vendors_contracts(world: dict[str, Any]) -> None:
    vendor = world["vendor"]
    response = _client(world["reader"]).get(reverse("dashboards:vendor-360", args=[vendor.pk]))
    html = response.content.decode()
    tco = response.context["data"].tco
    assert tco.totals.tco == Decimal("22810.00") and tco.totals.effective_rate == Decimal("114.05")
    assert 'id="costs"' in html and "22,810.00 EUR" in html and "114.05 EUR" in html
    assert "Total cost of ownership" in html and 'data-dash-chart="stacked-bar"' in html
    assert tco.drills.ledger.startswith(reverse("costs:ledger") + f"?vendor={vendor.pk}")


def _listed(client: Client, url: str) -> list[Any]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["paginator"].object_list)


def test_each_drill_down_lists_exactly_the_rows_counted(world: dict[str, Any]) -> None:
    client = _client(world["reader"])
    c1, month = world["c1"], world["month"]
    drills = drills_for(Scope(contract_id=c1.pk), c1.vendor_id, [], month, month)
    lines = {
        line.contract_id: line
        for line in tco_panel(
            scope=Scope(contract_id=c1.pk),
            vendor_id=c1.vendor_id,
            contracts=type(c1).objects.filter(pk=c1.pk),
            today=timezone.localdate(),
        ).lines
        if line.month == month
    }
    line = lines[c1.pk]
    drills = drills_for(Scope(contract_id=c1.pk), c1.vendor_id, [line], month, month)

    invoices = _listed(client, drills.invoiced)
    assert len(invoices) == 1 and sum(i.amount for i in invoices) == line.invoiced
    reviews = _listed(client, drills.reviews)
    assert len(reviews) == 1 and drills.management == drills.reviews
    logged = _listed(client, drills.logged)
    assert len(logged) == 1 and sum(entry.hours for entry in logged) == line.logged_hours == 4
    rework = _listed(client, drills.rework)
    assert len(rework) == 1 and sum(m.numerator for m in rework) == line.escaped_defects == 3
    delay = _listed(client, drills.delay)
    assert len(delay) == 1 and sum(m.denominator - m.numerator for m in delay) == line.late_milestones == 2
    credits = _listed(client, drills.credits)
    assert len(credits) == 1 and sum(b.credit_amount for b in credits) == line.credits == 400
    points = _listed(client, drills.points)
    assert len(points) == 1 and sum(m.numerator for m in points) == line.points == 40
    deployments = _listed(client, drills.deployments)
    assert len(deployments) == 1 and sum(m.denominator for m in deployments) == line.deployments == 20
    # For the vendor: the same credits, through the vendor filter.
    vendor_credits = _listed(client, credits_url(Scope(vendor_id=c1.vendor_id), month, month))
    assert [b.pk for b in vendor_credits] == [b.pk for b in credits]


def test_telemetry_rework_leads_to_telemetry_measurements(world: dict[str, Any]) -> None:
    c2, month = world["c2"], world["month"]
    measure(c2, "defect_rate", 10, 100, month_last(month))
    measure(c2, "rework_rate", 2, 40, month_last(month), source="telemetry")
    panel = tco_panel(
        scope=Scope(contract_id=c2.pk),
        vendor_id=c2.vendor_id,
        contracts=type(c2).objects.filter(pk=c2.pk),
        today=timezone.localdate(),
    )
    line = next(line for line in panel.lines if line.month == month)
    assert line.escaped_source == "telemetry"
    drills = drills_for(Scope(contract_id=c2.pk), c2.vendor_id, [line], month, month)
    listed = _listed(_client(world["reader"]), drills.rework)
    assert [m.kpi.code for m in listed] == ["rework_rate"] and sum(m.numerator for m in listed) == 2
    # The vendor's months mix telemetry (C2) and the defect rate (C1): the ledger page, line by line.
    vendor = tco_panel(
        scope=Scope(vendor_id=c2.vendor_id),
        vendor_id=c2.vendor_id,
        contracts=type(c2).objects.filter(vendor_id=c2.vendor_id),
        today=timezone.localdate(),
    )
    assert vendor.drills.rework.startswith(reverse("costs:ledger"))


def test_the_ledger_page_filters_and_links_every_figure(world: dict[str, Any]) -> None:
    client = _client(world["reader"])
    c1, month = world["c1"], world["month"]
    response = client.get(reverse("costs:ledger"))
    assert response.status_code == 200
    # The last 12 months, this one included, for both contracts in force all along.
    assert response.context["paginator"].count == 24
    assert response.context["totals"].tco == Decimal("22810.00")
    key = f"{month:%Y-%m}"
    only = client.get(reverse("costs:ledger"), {"contract": c1.pk, "from_month": key, "to_month": key})
    rows = list(only.context["page_obj"].object_list)
    assert [(row.contract.pk, row.month) for row in rows] == [(c1.pk, month)]
    html = only.content.decode()
    for figure in ("invoiced", "management", "rework", "delay", "credits", "billed_hours"):
        assert f'data-drill="{figure}"' in html
    assert "22,660.00" in html and "113.30" in html
    by_vendor = client.get(reverse("costs:ledger"), {"vendor": world["vendor"].pk, "from_month": key, "to_month": key})
    assert by_vendor.context["paginator"].count == 2
    other = factories.VendorFactory()
    assert client.get(reverse("costs:ledger"), {"vendor": other.pk}).context["paginator"].count == 0
    # What it cannot read it says, and lists nothing.
    wrong = client.get(reverse("costs:ledger"), {"from_month": "2026-13"})
    assert wrong.context["paginator"].count == 0 and "Enter a month as YYYY-MM." in wrong.content.decode()
    backwards = client.get(reverse("costs:ledger"), {"from_month": key, "to_month": f"{add_months(month, -1):%Y-%m}"})
    assert "The last month comes before the first." in backwards.content.decode()


def _grow(vendor: Any, n: int) -> None:
    start = add_months(month_first(timezone.localdate()), -12)
    for _ in range(n):
        contract = factories.ContractFactory(vendor=vendor, start_date=start, end_date=add_months(start, 24))
        factories.InvoiceFactory(
            contract=contract, period_start=last_month(), period_end=month_last(last_month()), status="approved"
        )
        measure(contract, "defect_rate", 1, 10, month_last(last_month()))


def test_the_ledger_page_costs_the_same_queries_whatever_the_rows(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = _client(world["reader"])
    url = reverse("costs:ledger")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _grow(factories.VendorFactory(), 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["paginator"].count == 24 + 6 * 12
    assert len(many) == len(few)
    # The session and user, the FX table, the settings, the ledger's ten, the lines' contracts, the user's
    # permissions (2) and roles, the bell, the two filter menus.
    with django_assert_max_num_queries(21):
        client.get(url)


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_everyone_signed_in_reads_the_costs(world: dict[str, Any], role: str) -> None:
    client = _client(factories.UserFactory(role=role))
    assert client.get(reverse("costs:ledger")).status_code == 200
    assert client.get(reverse("costs:ledger-csv")).status_code == 200
    assert 'id="costs"' in client.get(world["c1"].get_absolute_url()).content.decode()


def test_signed_out_is_sent_to_sign_in() -> None:
    for url in (reverse("costs:ledger"), reverse("costs:ledger-csv"), reverse("costs:ledger-xlsx")):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navigation_leads_to_the_ledger_and_the_invoices(world: dict[str, Any]) -> None:
    client = _client(world["reader"])
    areas = client.get(reverse("costs:ledger")).context["nav_areas"]
    assert [a["label"] for a in areas if a["current"]] == ["Costs"]
    assert reverse("costs:invoice-list") in client.get(reverse("costs:ledger")).content.decode()
    assert reverse("costs:ledger") in client.get(reverse("costs:invoice-list")).content.decode()
