"""A long vendor menu in a real browser (``apps.core.ui.LONG_MENU``, static/js/choices.js): the filter bar
draws no thousands of options; typing part of a name without its accent fills the menu with the vendors
found, the first one chosen, and Apply filters the contracts — under the Content-Security-Policy, with no
console error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.core import ui
from tests.e2e.conftest import screenshot
from tests.factories import ContractFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"


def test_a_long_vendor_menu_is_searched_as_you_type(page, live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "LONG_MENU", 3)  # five vendors stand for twenty thousand
    UserFactory(username="cto", role="executive", password=PASSWORD)
    krakow = VendorFactory(name="Kraków Software")
    ContractFactory(vendor=krakow, title="Platform support")
    for name in ("Acme", "Globex", "Initech", "Umbrella"):
        ContractFactory(vendor=VendorFactory(name=name), title=f"{name} services")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "cto")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/contracts/")

    menu = page.locator("select[name=vendor]")
    expect(menu.locator("option")).to_have_count(1)  # "Any vendor" only: the vendors are not drawn
    search = page.get_by_role("searchbox", name="Find vendor")
    search.fill("krakow")
    expect(menu).to_have_attribute("data-choices-found", "1")
    expect(menu.locator("option:checked")).to_have_text("Kraków Software")
    screenshot(page, "long-menu-search")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**/contracts/?*vendor={krakow.pk}*")
    expect(page.get_by_role("link", name="Platform support")).to_be_visible()
    expect(page.get_by_text("Acme services")).to_have_count(0)
    # After the filter, the menu offers the chosen vendor, chosen.
    expect(page.locator("select[name=vendor] option:checked")).to_have_text("Kraków Software")
    assert page.console_errors == []
