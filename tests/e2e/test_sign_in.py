"""The demo CTO signs in through the real page in headless Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cto_signs_in_and_out(live_server, page) -> None:
    UserFactory(username="cto", first_name="Claire", last_name="Thompson", role="executive", password="demo-pass-2026")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_login", "cto")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Good to see you, Claire"
    page.click("[data-menu=user] summary")
    assert "Executive (CTO / VP Engineering)" in page.locator("[data-menu=user]").inner_text()
    screenshot(page, "signed-in-home")
    page.click("text=Sign out")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.console_errors == []


def test_wrong_password_stays_on_the_form(live_server, page) -> None:
    UserFactory(username="cto", role="executive")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "cto")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert page.input_value("#id_login") == "cto"
