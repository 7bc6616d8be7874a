"""The KPI entry grid in a real browser: the manager logs last month of their engagement from the
keyboard alone (Tab between cells, Enter saves), sees a ratio's value computed as they type and the
saved figures afterwards; a bad value is refused in place and nothing is saved. Screenshots at laptop
and phone width (test-artifacts/entry-grid-*.png)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.kpis.models import KpiDefinition
from apps.performance.models import Measurement
from tests.e2e.conftest import screenshot
from tests.e2e.test_screenshots import overflowing_elements
from tests.factories import ContractFactory, SlaTermFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
PHONE = {"width": 390, "height": 844}


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def cell(code: str, part: str) -> str:
    return f"#id_kpi-{code}-{part}"


def test_a_manager_logs_a_month_of_kpis_from_the_keyboard(live_server, page) -> None:
    manager = UserFactory(
        username="manager", first_name="Maya", last_name="Okoro", role="engineering_manager", password=PASSWORD
    )
    contract = ContractFactory(
        vendor=VendorFactory(name="Vistula Software House", engineering_owner=manager), title="Payments platform"
    )
    for code, comparator, target in (
        ("defect_rate", "lte", 2),
        ("deployment_frequency", "gte", 3),
        ("lead_time_for_changes", "lte", 48),
        ("on_time_delivery_rate", "gte", 95),
    ):
        SlaTermFactory(
            contract=contract, kpi=KpiDefinition.objects.get(code=code), comparator=comparator, target=target
        )
    ContractFactory(vendor=VendorFactory(name="Not Theirs Ltd"), title="Someone else's engagement")
    sign_in(page, live_server, "manager")

    # Step 1: the engagement, from the "+ New" menu.
    page.click("[data-menu=new] summary")
    page.click("[data-menu=new] a:has-text('KPI measurements')")
    page.wait_for_url(f"{live_server.url}/kpis/log/")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Someone else's engagement")
    screenshot(page, "entry-grid-engagements")
    page.click("a.button:has-text('Log KPIs')")
    page.wait_for_url(f"{live_server.url}/kpis/log/{contract.pk}/")

    # Step 2: the period, last month by default; the picker shows only the inputs of the kind chosen.
    expect(page.locator(cell("defect_rate", "numerator"))).to_be_focused()
    expect(page.locator("#id_month")).to_be_visible()
    expect(page.locator("#id_week")).to_be_hidden()
    page.click(".segmented label:has-text('Week')")
    expect(page.locator("#id_week")).to_be_visible()
    expect(page.locator("#id_month")).to_be_hidden()
    page.click(".segmented label:has-text('Month')")
    with page.expect_navigation():
        page.click("button:has-text('Show period')")
    period = page.locator("#kpi-grid h2").inner_text()

    # Step 3: the SLA's KPIs, each with its definition and target; the first cell has the focus.
    rows = page.locator(".grid-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Defect rate")
    expect(rows.nth(0)).to_contain_text("Defects found after delivery")
    expect(rows.nth(0)).to_contain_text("≤ 2 %")
    expect(page.locator(cell("defect_rate", "numerator"))).to_be_focused()
    screenshot(page, "entry-grid-empty")

    computed = rows.nth(0).locator("[data-computed]")
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.type("50")
    expect(computed).to_have_text("2 %")  # 1 ÷ 50 × 100 %, as it is typed
    page.keyboard.type("0")
    expect(computed).to_have_text("0.20 %")
    page.keyboard.press("Tab")
    page.keyboard.type("One escaped to production")
    page.keyboard.press("Tab")
    expect(page.locator(cell("deployment_frequency", "value"))).to_be_focused()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("30.5")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(cell("on_time_delivery_rate", "numerator"))).to_be_focused()
    page.keyboard.type("19")
    page.keyboard.press("Tab")
    page.keyboard.type("20")
    expect(rows.nth(3).locator("[data-computed]")).to_have_text("95 %")
    page.keyboard.press("Enter")

    # Saved: the counts, and the grid shows what is stored.
    expect(page.locator("#kpi-grid .message.success")).to_contain_text("4 created, 0 updated, 0 unchanged")
    expect(page.locator("#kpi-grid .message.success")).to_contain_text(period)
    expect(page.locator(cell("lead_time_for_changes", "value"))).to_have_value("30.5")
    expect(page.locator(cell("defect_rate", "note"))).to_have_value("One escaped to production")
    expect(page.locator(".grid-table tbody tr").nth(0).locator("[data-computed]")).to_have_text("0.20 %")
    expect(page.locator(".grid-table .badge:has-text('logged')")).to_have_count(4)
    saved = {m.kpi.code: m for m in Measurement.objects.select_related("kpi")}
    assert set(saved) == {"defect_rate", "deployment_frequency", "lead_time_for_changes", "on_time_delivery_rate"}
    assert saved["on_time_delivery_rate"].value == 95
    assert saved["defect_rate"].value == Decimal("0.2")
    assert {m.recorded_by_id for m in saved.values()} == {manager.pk}
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "entry-grid-saved")

    # A bad value: refused in place, with the focus on it; nothing is saved.
    page.fill(cell("deployment_frequency", "value"), "5")
    page.fill(cell("lead_time_for_changes", "value"), "-3")
    page.press(cell("lead_time_for_changes", "value"), "Enter")
    error = page.locator("#id_kpi-lead_time_for_changes-value_error")
    expect(error).to_contain_text("cannot be below 0 hours")
    expect(page.locator("#kpi-grid .message.error")).to_contain_text("Nothing was saved")
    expect(page.locator(cell("lead_time_for_changes", "value"))).to_be_focused()
    expect(page.locator(cell("deployment_frequency", "value"))).to_have_value("5")
    assert Measurement.objects.get(kpi__code="lead_time_for_changes").value == Decimal("30.5")
    assert Measurement.objects.get(kpi__code="deployment_frequency").value == 4
    screenshot(page, "entry-grid-error")

    # Fixed: one updated, the rest unchanged.
    page.fill(cell("lead_time_for_changes", "value"), "29")
    page.press(cell("lead_time_for_changes", "value"), "Enter")
    expect(page.locator("#kpi-grid .message.success")).to_contain_text("0 created, 2 updated, 2 unchanged")

    # The contract page offers the grid to its owner.
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    with page.expect_navigation():
        page.click(".page-head a:has-text('Log KPIs')")
    assert page.url == f"{live_server.url}/kpis/log/{contract.pk}/"

    # On a phone the rows stack; nothing reaches past the screen's edge.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/kpis/log/{contract.pk}/")
    expect(page.locator(cell("lead_time_for_changes", "value"))).to_have_value("29")
    assert overflowing_elements(page) == []
    page.evaluate("window.scrollTo(0, 0)")  # the first cell's autofocus scrolled; the shot starts at the top
    screenshot(page, "entry-grid-phone")
    assert page.console_errors == []
