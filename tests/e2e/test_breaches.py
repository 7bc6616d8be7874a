"""The demo story of the SLA engine, in the browser: the sweep opens the breaches the measurements
imply, the CTO sees them in the bell, opens the contract and acknowledges one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.performance.models import Breach
from apps.performance.sla import sla_sweep
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cto_sees_a_critical_breach_in_the_bell_and_acknowledges_it(live_server, page) -> None:
    factories.UserFactory(username="cto", first_name="Claire", role="executive", password="demo-pass-2026")
    contract = factories.ContractFactory(
        title="Platform MSA", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), status="active"
    )
    term = factories.SlaTermFactory(contract=contract, comparator="gte", target=Decimal("95"), severity="critical")
    factories.MeasurementFactory(
        contract=contract,
        kpi=term.kpi,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        value=Decimal("88"),
    )
    sla_sweep(as_of=dt.date(2026, 11, 23))
    breach = Breach.objects.get()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "cto")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    bell = page.locator("#nav-bell")
    assert bell.locator(".bell-count").inner_text().strip() == "1"
    bell.click()
    page.wait_for_url(f"{live_server.url}/notifications/**")
    assert "SLA breached" in page.locator("main").inner_text()
    page.locator("main button.notification-title", has_text="SLA breached").first.click()
    page.wait_for_url(f"{live_server.url}{contract.get_absolute_url()}**")
    row = page.locator(f"#breach-{breach.pk}")
    assert "Open" in row.inner_text()
    screenshot(page, "breach-on-contract")
    row.locator("[data-breach-action=acknowledge] button").click()
    page.wait_for_load_state()
    assert "Acknowledged the breach" in page.locator(".messages").inner_text()
    breach.refresh_from_db()
    assert breach.status == "acknowledged"
    assert page.console_errors == []


def test_manager_resolves_a_breach_from_the_breach_list_with_a_reason(live_server, page) -> None:
    manager = factories.UserFactory(username="em", role="engineering_manager", password="demo-pass-2026")
    # A breach of an engagement the manager owns; another vendor's shows no buttons to them.
    breach = factories.BreachFactory(
        evaluation__term__contract=factories.ContractFactory(vendor=factories.VendorFactory(engineering_owner=manager))
    )
    theirs = factories.BreachFactory()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "em")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/contracts/breaches/")
    assert page.locator(f"#breach-{theirs.pk} [data-breach-action]").count() == 0
    row = page.locator(f"#breach-{breach.pk}")
    row.locator("details.resolve summary").click()
    form = row.locator("[data-breach-action=resolve]")
    # The reason is required: an empty one is not sent.
    form.locator("button").click()
    breach.refresh_from_db()
    assert breach.status == "open"
    form.locator("input[name=reason]").fill("Capacity added to the on-call rota.")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "Resolved the breach" in page.locator(".messages").inner_text()
    breach.refresh_from_db()
    assert (breach.status, breach.resolution_note) == ("resolved", "Capacity added to the on-call rota.")
    assert page.console_errors == []
