"""Issue 18's story on the demo in a real browser: the CTO opens the function both test vendors serve and
reads that the one billing the least an hour costs more per story point, and why; then that vendor's 360
explains where its cost beyond the invoices comes from. Screenshots: test-artifacts/tco-story-*.png."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.functions.models import Function
from apps.vendors.models import Vendor
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboards import sign_in_as_the_cto

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cheap_rate_vendor_costs_more_per_point_and_the_page_says_why(live_server, page) -> None:
    call_command("seed_demo", verbosity=0)  # built around today: the pages' windows are the demo's months
    function = Function.objects.get(name="Regression testing")
    saigon = Vendor.objects.get(name="Saigon Quality Engineering")

    sign_in_as_the_cto(live_server, page)
    page.goto(f"{live_server.url}{function.get_absolute_url()}#costs")
    table = page.locator("#costs [data-vendor-costs]")
    expect(table).to_contain_text("Saigon Quality Engineering")
    expect(table).to_contain_text("Tallinn Test Lab")
    note = page.locator("#costs [data-cheap-rate-note]")
    expect(note).to_contain_text("Saigon Quality Engineering bills the least an hour")
    expect(note).to_contain_text("yet each story point it delivers costs")
    note.scroll_into_view_if_needed()
    screenshot(page, "tco-story-function")

    page.goto(f"{live_server.url}/dashboard/vendors/{saigon.pk}/#costs")
    costs = page.locator("#costs")
    expect(costs).to_contain_text("Rework adds")
    expect(costs).to_contain_text("Management load adds")
    expect(costs).to_contain_text("really costs")
    costs.scroll_into_view_if_needed()
    screenshot(page, "tco-story-vendor-360")
