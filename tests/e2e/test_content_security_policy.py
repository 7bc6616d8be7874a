"""The strict Content-Security-Policy in a real browser, over the demo portfolio: every main page — the
dashboards, a vendor and its charts, a contract, the KPI entry grid, a form with its delete confirmation,
a review's action items, the admin, the API documentation and the browsable API — loads with no policy
violation and no console error, the charts are drawn, htmx swaps, and a delete asks first (a data-confirm
attribute and one delegated listener; no inline handler)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.contracts.models import Contract
from apps.demo.demo_data import DEMO_PASSWORD
from apps.vendors.models import ActionItem, Vendor
from tests.e2e.test_charts import drawn_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation is reported to the page as an event, whatever the console says about it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def problems(page) -> list[str]:
    """The policy violations and console errors in the current document so far."""
    return [*page.evaluate("window.__cspViolations"), *page.console_errors]


def visit(page, url: str) -> list[str]:
    """Open ``url``; the policy violations and console errors it caused (none expected)."""
    page.console_errors.clear()
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    return problems(page)


def test_main_pages_load_without_a_policy_violation(live_server, page) -> None:
    call_command("seed_demo", verbosity=0)
    vendor = Vendor.objects.get(name="Bangalore Digital Works")
    contract = Contract.objects.filter(vendor=vendor).order_by("pk").first()
    item = ActionItem.objects.select_related("review").order_by("pk").first()
    page.add_init_script(RECORD_VIOLATIONS)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")

    found: dict[str, list[str]] = {}
    pages = [
        "/",
        "/dashboard/",
        f"/vendors/{vendor.pk}/",
        f"/contracts/{contract.pk}/",
        f"/kpis/log/{contract.pk}/",
        "/imports/new/",
        f"/reviews/{item.review_id}/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/contracts/contract/{contract.pk}/change/",
        "/admin/axes/accessattempt/",
        "/accounts/password/change/",
        "/api/v1/vendors/",
    ]
    for path in pages:
        found[path] = visit(page, f"{base}{path}")

    # Charts (Chart.js, loaded by charts.js) are drawn on the vendor's performance tab and its 360 page.
    for path in (f"/vendors/{vendor.pk}/performance/", f"/dashboard/vendors/{vendor.pk}/"):
        found[path] = visit(page, f"{base}{path}")
        assert any(count > 500 for count in drawn_charts(page)), path

    # htmx swaps a tab in and another period, and Back puts the page before back, in the same document
    # (no eval, no injected style sheet, no stored copy of the page with script-set styles).
    visit(page, f"{base}/vendors/{vendor.pk}/")
    page.click(".tabs a[data-tab=performance]")
    page.wait_for_url(f"{base}/vendors/{vendor.pk}/performance/")
    drawn_charts(page)
    title = page.locator("#performance-title").inner_text()
    page.click("#performance .period-switcher a[rel=prev]")
    page.wait_for_url(re.compile(r"\?period="))
    expect(page.locator("#performance-title")).not_to_have_text(title)
    page.go_back()
    page.wait_for_url(f"{base}/vendors/{vendor.pk}/performance/")
    expect(page.locator("#performance-title")).to_have_text(title)  # put back from the server
    assert any(count > 500 for count in drawn_charts(page))
    found["htmx tab, period and Back"] = problems(page)

    # Swagger UI renders the operations from its own files.
    found["/api/docs/"] = visit(page, f"{base}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()

    # A delete asks first; declining keeps the record (the form page and a review's action items).
    questions: list[str] = []

    def decline(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", decline)
    found["edit"] = visit(page, f"{base}/vendors/{vendor.pk}/edit/")
    page.click(".danger-zone button[type=submit]")
    page.goto(f"{base}/reviews/{item.review_id}/")
    page.locator("form[data-confirm] button[type=submit]").first.click()
    assert questions == [f"Delete {vendor.name}? This cannot be undone.", "Delete this action item?"]
    assert Vendor.objects.filter(pk=vendor.pk).exists() and ActionItem.objects.filter(pk=item.pk).exists()

    assert {path: problems for path, problems in found.items() if problems} == {}
