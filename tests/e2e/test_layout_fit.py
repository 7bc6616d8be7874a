"""Pages fit their screens (issue 16, point 7): at 1280 px the vetting table's verdict and the SLA terms'
Edit/Remove buttons are on screen, not cut off behind a scroll; at 390 px a filter menu and the money
tiles stay inside the screen. And a clause saved in place moves the contract page's "n / 9" counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from apps.contracts.services import contract_checklists_create
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"

# How far an element reaches past the viewport, and whether anything scrolls sideways (the page, or a
# table inside its scrolling wrapper, which would hide its last columns).
OVERFLOW = """(selector) => {
  const width = document.documentElement.clientWidth;
  const element = document.querySelector(selector);
  const box = element.getBoundingClientRect();
  const wrap = element.closest('.table-wrap');
  return {
    width,
    right: box.right,
    page: document.documentElement.scrollWidth,
    hidden: wrap ? wrap.scrollWidth - wrap.clientWidth : 0,
  };
}"""


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def assert_fits(page: Any, selector: str) -> None:
    measured = page.evaluate(OVERFLOW, selector)
    assert measured["right"] <= measured["width"], (selector, measured)
    assert measured["page"] <= measured["width"], (selector, measured)
    assert measured["hidden"] <= 1, (selector, measured)


def test_wide_tables_fit_a_laptop_and_a_saved_clause_moves_the_counter(live_server: Any, page: Any) -> None:
    factories.UserFactory(username="admin", role="admin", password=PASSWORD)
    vendor = factories.VendorFactory(name="Wrocław Quality Engineering")
    factories.VettingAssessmentFactory(
        vendor=vendor,
        flag_junior_interviewers=True,
        flag_no_questions=True,
        flag_no_pilot=True,
        verdict="conditional",
        pilot_outcome="not_run",
    )
    contract = factories.ContractFactory(vendor=vendor, title="Platform engineering squad — managed service")
    contract_checklists_create(contract=contract)
    for target in ("95", "90", "85", "80"):
        factories.SlaTermFactory(contract=contract, target=Decimal(target), warning_target=Decimal(target) + 2)
    sign_in(page, live_server, "admin")

    page.goto(f"{live_server.url}/vendors/{vendor.pk}/vetting/")
    assert_fits(page, "#vendor-tabs table.table thead th:last-child")
    assert_fits(page, "#vendor-tabs table.table tbody tr td:nth-last-child(2)")  # the verdict
    assert_fits(page, "#vendor-tabs table.table tbody tr td:last-child a.button")  # Edit
    screenshot(page, "layout-fit-vetting-1280")

    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    assert_fits(page, "#sla-terms tbody tr:last-child td:last-child form button")  # Remove
    assert_fits(page, "#sla-terms tbody tr:last-child td:last-child a.button")  # Edit
    page.locator("#sla-terms").scroll_into_view_if_needed()
    screenshot(page, "layout-fit-sla-terms-1280")

    # The clause checklist's counter follows a save in place (htmx swaps it out of band).
    present = contract.clauses.filter(assessment="present").count()
    total = contract.clauses.count()
    stat = page.locator("#clauses-present-stat")
    assert stat.inner_text() == f"{present} / {total}"
    clause = contract.clauses.exclude(assessment="present").first()
    assert clause is not None
    page.select_option(f"#clause-{clause.pk} select", "present")
    page.locator(f"#clause-{clause.pk} .badge", has_text="saved").wait_for()
    assert stat.inner_text() == f"{present + 1} / {total}"
    assert page.locator("#clauses-present-head").inner_text() == f"{present + 1} present of {total}"
    assert page.console_errors == []


def test_filter_menus_and_money_tiles_fit_a_phone(live_server: Any, browser: Any) -> None:
    factories.UserFactory(username="cto", role="executive", password=PASSWORD)
    vendor = factories.VendorFactory(name="Bangalore Digital Works International Delivery Centre")
    for currency, value in (("EUR", "987654321.99"), ("USD", "123456789012.50"), ("GBP", "45678901234.00")):
        factories.ContractFactory(
            vendor=vendor,
            currency=currency,
            value=Decimal(value),
            start_date=dt.date.today() - dt.timedelta(days=30),
            end_date=dt.date.today() + dt.timedelta(days=335),
        )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.console_errors = []
    phone.on("console", lambda msg: phone.console_errors.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(phone, live_server, "cto")

        phone.goto(f"{live_server.url}/contracts/")
        for name in ("engagement_model", "status"):
            menu = phone.locator(f"details.filter[data-filter={name}]")
            menu.locator("summary").click()
            assert_fits(phone, f"details.filter[data-filter={name}] .menu-panel")
            screenshot(phone, f"layout-fit-filter-menu-390-{name}")
            menu.locator("summary").click()

        phone.goto(f"{live_server.url}/dashboard/")
        tiles = phone.locator("[data-tile=spend] .tile-amounts a")
        assert tiles.count() == 3
        assert_fits(phone, "[data-tile=spend]")
        for index in range(tiles.count()):
            box, tile = tiles.nth(index).bounding_box(), phone.locator("[data-tile=spend]").bounding_box()
            assert box["x"] + box["width"] <= tile["x"] + tile["width"], (index, box, tile)
        phone.locator("[data-tile=spend]").scroll_into_view_if_needed()
        screenshot(phone, "layout-fit-money-tiles-390")
        assert phone.console_errors == []
    finally:
        context.close()
