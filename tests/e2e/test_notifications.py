"""The bell and the notifications page in a real browser: the buttons update the page in place (htmx),
the bell's count follows, and opening a notification lands where it leads."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_read_buttons_update_the_list_and_the_bell_in_place(page: Any, live_server: Any) -> None:
    alice = UserFactory(username="alice", password="demo-pass-2026")
    for title in ("Defect rate breached", "Cancel-by date in 30 days", "Service review overdue"):
        NotificationFactory(recipient=alice, title=title, url="/contracts/")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "alice")
    page.fill("#id_password", "demo-pass-2026")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("#nav-bell .bell-count")).to_have_text("3")

    page.click("#nav-bell")
    page.wait_for_url(f"{live_server.url}/notifications/")
    screenshot(page, "notifications-list")
    row = page.locator("li.notification").first
    row.locator("button[data-action=read]").click()
    expect(row).not_to_have_class("notification unread")
    expect(page.locator("#nav-bell .bell-count")).to_have_text("2")
    expect(page.locator("#messages")).to_contain_text("as read")
    assert page.url == f"{live_server.url}/notifications/"  # in place: no navigation

    page.click("button[data-action=read-all]")
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#nav-bell .bell-count")).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Marked 2 notifications as read.")

    page.locator("button.notification-title").first.click()
    page.wait_for_url(f"{live_server.url}/contracts/")
    assert page.console_errors == []
