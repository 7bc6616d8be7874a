"""Bulk actions in the browser: an engineering manager selects the ten open breaches of their engagement
on the breach list ("select all on this page"), acknowledges them at once and reads the summary — and a
breach of another vendor's engagement, selected too, is refused with the reason."""

from __future__ import annotations

import pytest

from apps.performance.models import Breach
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_acknowledges_ten_breaches_at_once_and_sees_the_summary(live_server, page) -> None:
    manager = factories.UserFactory(username="em", role="engineering_manager", password="demo-pass-2026")
    vendor = factories.VendorFactory(name="Nordlicht Engineering", engineering_owner=manager)
    contract = factories.ContractFactory(vendor=vendor, title="Platform MSA")
    mine = [factories.BreachFactory(evaluation__term__contract=contract) for _ in range(10)]
    theirs = factories.BreachFactory(evaluation__term__contract__title="Someone else's SOW")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "em")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/contracts/breaches/?sort=contract")

    bar = page.locator("form[data-bulk-bar]")
    page.locator("input[data-bulk-all]").check()
    assert bar.locator("[data-bulk-count]").inner_text().strip() == "11 selected"
    # Leave nothing out: the other vendor's breach stays selected, to be refused.
    screenshot(page, "bulk-breaches-selected")
    bar.locator("[data-bulk-action=acknowledge]").click()
    page.wait_for_selector("[data-bulk-summary]")
    summary = page.locator("[data-bulk-summary]")
    assert summary.locator("[data-bulk-done]").get_attribute("data-bulk-done") == "10"
    assert summary.locator("[data-bulk-refused]").get_attribute("data-bulk-refused") == "1"
    assert "Acknowledged 10 breaches." in summary.inner_text()
    refused = summary.locator(f'[data-refused="{theirs.pk}"]')
    assert "Nordlicht" not in refused.inner_text()
    assert "engagement" in refused.inner_text().lower() or "own" in refused.inner_text().lower()
    screenshot(page, "bulk-breaches-summary")

    assert Breach.objects.filter(pk__in=[b.pk for b in mine], status="acknowledged").count() == 10
    assert Breach.objects.get(pk=theirs.pk).status == "open"
    page.locator("[data-bulk-summary] a.button.primary").click()
    page.wait_for_selector("form[data-bulk-bar]")
    assert page.console_errors == []
