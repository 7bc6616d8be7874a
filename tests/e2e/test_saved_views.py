"""Saved views in the browser: a buyer filters the contracts by vendor from the filter bar, saves the view
under a name, comes back to the unfiltered list and picks the view from the "Views" menu."""

from __future__ import annotations

import pytest

from apps.accounts.models import SavedView
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_contracts_by_vendor_save_the_view_and_pick_it_again(live_server, page) -> None:
    factories.UserFactory(username="buyer", first_name="Bea", role="procurement", password="demo-pass-2026")
    acme, globex = factories.VendorFactory(name="Acme Cloud"), factories.VendorFactory(name="Globex Data")
    factories.ContractFactory(vendor=acme, title="Acme platform MSA")
    factories.ContractFactory(vendor=acme, title="Acme support SOW")
    factories.ContractFactory(vendor=globex, title="Globex analytics SOW")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "buyer")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # Filter by vendor from the filter bar.
    page.goto(f"{live_server.url}/contracts/")
    table = page.locator("main table")
    assert "Globex analytics SOW" in table.inner_text()
    page.select_option("form.filters select[name=vendor]", label="Acme Cloud")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**/contracts/?*vendor={acme.pk}*")
    assert "Globex analytics SOW" not in table.inner_text()
    assert "Acme support SOW" in table.inner_text()
    screenshot(page, "saved-views-1-filtered-by-vendor")

    # Save it under a name, shared with procurement.
    menu = page.locator("details[data-saved-views]")
    menu.locator("summary").click()
    menu.locator("input[name=name]").fill("Acme contracts")
    menu.locator("select[name=shared_with_role]").select_option(label="Procurement")
    screenshot(page, "saved-views-2-save-form")
    menu.locator("form.saved-view-save button[type=submit]").click()
    page.wait_for_load_state()
    assert "Saved the view “Acme contracts”, shared with Procurement." in page.locator(".messages").inner_text()
    view = SavedView.objects.get()
    assert view.query == f"vendor={acme.pk}"
    assert view.shared_with_role == "procurement"

    # Reload the list without filters, then pick the view from the menu.
    page.goto(f"{live_server.url}/contracts/")
    assert "Globex analytics SOW" in table.inner_text()
    menu.locator("summary").click()
    assert menu.locator(".saved-view").count() == 1
    screenshot(page, "saved-views-3-menu")
    menu.get_by_role("link", name="Acme contracts").click()
    page.wait_for_url(f"**/contracts/?vendor={acme.pk}")
    assert "Globex analytics SOW" not in table.inner_text()
    assert "Acme platform MSA" in table.inner_text()
    assert menu.locator("summary").inner_text().strip() == "Views · Acme contracts"
    assert page.locator("form.filters select[name=vendor]").input_value() == str(acme.pk)
    screenshot(page, "saved-views-4-view-picked")
    assert page.console_errors == []
