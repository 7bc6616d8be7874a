"""Global search in a real browser: the ⌘K / Ctrl-K palette (typing without accents and with a typo,
results grouped by kind, arrow keys, Enter, Esc) and the header box's results page — under the
Content-Security-Policy, with no console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import ContractFactory, FunctionFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_palette_and_results_page(page, live_server):
    UserFactory(username="finder", first_name="Fran", last_name="Finder", role="procurement", password=PASSWORD)
    krakow = VendorFactory(name="Kraków Software")
    contract = ContractFactory(vendor=krakow, title="Platform support", reference="MSA-2026-017")
    VendorFactory(name="Lisbon Labs")
    FunctionFactory(name="Kraków office IT")
    sign_in(page, live_server, "finder")

    palette = page.locator("dialog#search-palette")
    combobox = palette.get_by_role("combobox")
    expect(palette).to_be_hidden()
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    expect(combobox).to_be_focused()

    # A typo and no accents: the vendor, its contract and the function, each under its kind.
    combobox.type("krakw")
    options = palette.get_by_role("option")
    expect(palette.get_by_role("group", name="Vendors").get_by_role("option")).to_have_text(
        re.compile("Kraków Software")
    )
    expect(palette.get_by_role("group", name="Contracts").get_by_role("option")).to_have_text(
        re.compile("Platform support")
    )
    expect(palette.get_by_role("group", name="Functions").get_by_role("option")).to_have_text(
        re.compile("Kraków office IT")
    )
    expect(palette.get_by_role("option", name=re.compile("Lisbon"))).to_have_count(0)
    # The best hit is chosen; ↓ moves to the contract (aria-activedescendant follows).
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    chosen = palette.locator("[role=option][aria-selected=true]")
    expect(chosen).to_have_text(re.compile("Platform support"))
    expect(combobox).to_have_attribute("aria-activedescendant", chosen.get_attribute("id"))
    screenshot(page, "search-palette")

    # Esc closes it; Enter opens the chosen hit.
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()
    page.keyboard.press("Control+k")
    combobox.type("msa-2026")
    expect(palette.locator("[role=option][aria-selected=true]")).to_have_text(re.compile("Platform support"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{contract.get_absolute_url()}")

    # Typing in the header box continues in the palette; ↑ from the first hit reaches "All results".
    page.fill("#global-search-q", "krakow")
    expect(palette).to_be_visible()
    expect(palette.get_by_role("group", name="Vendors").get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowUp")
    expect(palette.locator("[role=option][aria-selected=true]")).to_have_text(re.compile("All results"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=krakow$"))
    expect(page.locator("[data-search-group=vendors]")).to_contain_text("Kraków Software")
    expect(page.locator("[data-search-group=contracts]")).to_contain_text("Platform support")
    expect(page.locator("[data-search-group=functions]")).to_contain_text("Kraków office IT")
    screenshot(page, "search-results")

    # The vendor list's own search ignores accents too.
    page.get_by_role("link", name="Open in the list").first.click()
    page.wait_for_url(re.compile(r"/vendors/\?q=krakow$"))
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("Kraków Software")
    assert page.console_errors == []
