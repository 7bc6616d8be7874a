"""The team roster in a real browser on the demo: the CTO opens the contract whose vendor silently
replaced a senior key person by a junior one and reads the finding on its Team panel and on the vendor
360; the vendor's engineering owner approves the pending substitution on the Vistula pod, and the
joiner's assignment starts. Screenshots: test-artifacts/roster-*.png."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.contracts.models import Contract
from apps.demo.demo_data import DEMO_PASSWORD
from apps.roster.models import Assignment, Substitution
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.test_dashboards import sign_in_as_the_cto
from tests.e2e.test_screenshots import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_silent_swap_is_seen_and_the_owner_approves_a_substitution(live_server, page, browser) -> None:
    call_command("seed_demo", verbosity=0)
    sow = Contract.objects.get(title="SOW 1 — Platform modernisation")

    sign_in_as_the_cto(live_server, page)
    page.goto(f"{live_server.url}/contracts/{sow.pk}/#team")
    team = page.locator("#team")
    expect(team).to_contain_text("Unapproved swap")
    expect(team).to_contain_text("Kavya Iyer (senior, key person) left on")
    expect(team).to_contain_text("Ishaan Patel")
    expect(team).to_contain_text("Leaver with live access")
    # The CTO reads; deciding is the engineering owner's.
    expect(team.locator("[data-substitution-action=approve]")).to_have_count(0)
    team.scroll_into_view_if_needed()
    screenshot(page, "roster-contract-team")
    team.screenshot(path=str(ARTIFACTS / "roster-contract-team-panel.png"))

    page.goto(f"{live_server.url}/dashboard/vendors/{sow.vendor_id}/")
    expect(page.locator("#team")).to_contain_text("took the Lead platform engineer role")
    screenshot(page, "roster-vendor-360")
    page.locator("#team").screenshot(path=str(ARTIFACTS / "roster-vendor-360-panel.png"))

    # The engineering owner (Marco, "manager") approves Piotr's replacement on the Vistula pod.
    pod = Contract.objects.get(title="Product engineering pod")
    pending = Substitution.objects.get(contract=pod, status="requested")
    owner = browser.new_page()
    sign_in(owner, live_server, "manager")
    owner.goto(f"{live_server.url}/contracts/{pod.pk}/#team")
    owner.locator("#team [data-substitution-action=approve] button").click()
    expect(owner.locator("#team")).to_contain_text("Approved")
    screenshot(owner, "roster-substitution-approved")
    owner.locator("#team").screenshot(path=str(ARTIFACTS / "roster-substitution-approved-panel.png"))
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by is not None
    joiner = Assignment.objects.get(pk=pending.joiner_assignment_id)
    assert (joiner.engineer.name, joiner.role, joiner.start_date) == ("Michał Kamiński", "Tech lead", pending.joins_on)
