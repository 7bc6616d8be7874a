"""The bell, the notifications page and the e-mail preferences page: signed-in only, for every role,
and a person's own notifications only (another's is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.choices import NotificationKind
from apps.notifications.models import EmailPreference, Notification
from tests.conftest import ROLES
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:notification-list")
PREFERENCES = reverse("notifications:preferences")
PAGES = {"notifications": LIST, "e-mail preferences": PREFERENCES}


@pytest.fixture
def alice() -> Any:
    return UserFactory(username="alice")


@pytest.fixture
def signed_in(alice: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client


# -- page × role ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_role_has_both_pages(page: str, role: str, user_with_role: Callable[[str], Any], client: Client) -> None:
    client.force_login(user_with_role(role))
    assert client.get(PAGES[page]).status_code == 200


@pytest.mark.parametrize("page", sorted(PAGES))
def test_both_pages_need_sign_in(page: str, client: Client) -> None:
    response = client.get(PAGES[page])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["notification-read", "notification-open"])
def test_the_buttons_need_sign_in_and_post(name: str, alice: Any, client: Client, signed_in: Client) -> None:
    mine = NotificationFactory(recipient=alice)
    url = reverse(f"notifications:{name}", args=[mine.pk])
    assert client.post(url)["Location"].startswith(reverse("login"))
    assert signed_in.get(url).status_code == 405


# -- the bell --------------------------------------------------------------------------------------------
def test_the_bell_counts_ones_own_unread_in_one_query(alice: Any, signed_in: Client) -> None:
    NotificationFactory.create_batch(3, recipient=alice)
    NotificationFactory(recipient=alice, read_at="2026-11-20T10:00:00Z")
    NotificationFactory.create_batch(2)  # someone else's
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get(reverse("home")).content.decode()
    assert 'data-unread="3"' in html and 'aria-label="Notifications: 3 unread"' in html
    assert f'href="{LIST}"' in html
    assert sum("notifications_notification" in q["sql"] for q in queries.captured_queries) == 1


def test_the_bell_badge_is_hidden_at_zero(signed_in: Client) -> None:
    html = signed_in.get(reverse("home")).content.decode()
    assert '<span class="bell-count" data-unread="0" hidden>' in html
    assert "disabled" not in html.split('id="nav-bell"')[1].split("</a>")[0]


def test_the_bell_shows_99_plus(alice: Any, signed_in: Client) -> None:
    NotificationFactory.create_batch(100, recipient=alice)
    assert ">99+</span>" in signed_in.get(reverse("home")).content.decode()


# -- the list ----------------------------------------------------------------------------------------------
def test_the_list_shows_ones_own_newest_first_unread_highlighted(alice: Any, signed_in: Client) -> None:
    read = NotificationFactory(recipient=alice, title="Older and read", read_at="2026-11-20T10:00:00Z")
    unread = NotificationFactory(recipient=alice, title="Newer <and unread>", body="Line one\nLine two")
    NotificationFactory(title="Someone else's")
    response = signed_in.get(LIST)
    html = response.content.decode()
    assert [n.pk for n in response.context["object_list"]] == [unread.pk, read.pk]
    assert f'id="notification-{unread.pk}" class="notification unread"' in html
    assert f'id="notification-{read.pk}" class="notification"' in html
    assert "Newer &lt;and unread&gt;" in html and "Line one\nLine two" in html
    assert "Someone else" not in html
    assert "1 unread · 2 notifications" in html


def test_the_list_is_paginated_and_filtered(alice: Any, signed_in: Client) -> None:
    NotificationFactory.create_batch(30, recipient=alice)
    NotificationFactory(recipient=alice, kind="kpi_missing", read_at="2026-11-20T10:00:00Z")
    assert len(signed_in.get(LIST).context["object_list"]) == 25
    assert len(signed_in.get(LIST, {"page": 2}).context["object_list"]) == 6
    assert [n.kind for n in signed_in.get(LIST, {"read": "true"}).context["object_list"]] == ["kpi_missing"]


def test_the_list_costs_the_same_whatever_its_length(alice: Any, signed_in: Client) -> None:
    NotificationFactory.create_batch(2, recipient=alice)
    with CaptureQueriesContext(connection) as few:
        signed_in.get(LIST)
    NotificationFactory.create_batch(20, recipient=alice)
    with CaptureQueriesContext(connection) as many:
        signed_in.get(LIST)
    assert len(many) == len(few) <= 10


def test_mark_read_goes_back_to_where_it_was(alice: Any, signed_in: Client) -> None:
    mine = NotificationFactory(recipient=alice)
    url = reverse("notifications:notification-read", args=[mine.pk])
    response = signed_in.post(url, {"next": f"{LIST}?page=1"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?page=1"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_someone_elses_notification_is_a_404(signed_in: Client) -> None:
    theirs = NotificationFactory()
    for name in ("notification-read", "notification-open"):
        assert signed_in.post(reverse(f"notifications:{name}", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_marks_read_and_follows_the_link(alice: Any, signed_in: Client) -> None:
    mine = NotificationFactory(recipient=alice, url="/contracts/7/#sla-terms")
    response = signed_in.post(reverse("notifications:notification-open", args=[mine.pk]))
    assert response["Location"] == "/contracts/7/#sla-terms"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_opening_never_leaves_the_site(alice: Any, signed_in: Client) -> None:
    mine = NotificationFactory(recipient=alice, url="https://evil.example.com/")
    response = signed_in.post(reverse("notifications:notification-open", args=[mine.pk]))
    assert response["Location"] == LIST


def test_mark_all_read_with_and_without_htmx(alice: Any, signed_in: Client) -> None:
    NotificationFactory.create_batch(2, recipient=alice)
    theirs = NotificationFactory()
    url = reverse("notifications:notification-read-all")
    response = signed_in.post(url, {"next": LIST}, headers={"HX-Request": "true"})
    # htmx follows the redirect and picks the list, the bell and the messages out of the page.
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = signed_in.get(LIST).content.decode()
    assert "Marked 2 notifications as read." in page
    assert 'data-unread="0"' in page


# -- e-mail preferences ---------------------------------------------------------------------------------------
def test_preferences_are_all_on_at_first_and_saved_through_the_form(alice: Any, signed_in: Client) -> None:
    form = signed_in.get(PREFERENCES).context["form"]
    assert all(form.initial.values()) and set(form.fields) == set(NotificationKind.values)
    ticked = {kind: "on" for kind in form.fields if kind not in ("kpi_missing", "review_due")}
    response = signed_in.post(PREFERENCES, ticked)
    assert response.status_code == 302 and response["Location"] == PREFERENCES
    off = set(EmailPreference.objects.filter(user=alice, email_enabled=False).values_list("kind", flat=True))
    assert off == {"kpi_missing", "review_due"}
    page = signed_in.get(PREFERENCES)
    assert page.context["form"].initial["kpi_missing"] is False
    assert "Saved your e-mail preferences." in page.content.decode()


def test_preferences_say_when_there_is_no_address(signed_in: Client, alice: Any) -> None:
    alice.email = ""
    alice.save()
    assert "has no e-mail address" in signed_in.get(PREFERENCES).content.decode()
