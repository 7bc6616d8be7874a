"""The calendar page (``/notifications/calendar/``): a person makes their address, sees and copies it
(and its whole-portfolio variant), replaces it (the old one stops working) or turns it off; the page is
never cached and needs a sign-in. And the vendor 360's Watch / Unwatch button."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from apps.core.sealing import seal
from apps.notifications.calendar.selectors import SEAL_PURPOSE, calendar_feed_key
from apps.notifications.models import CalendarFeed
from apps.vendors.models import VendorWatch
from tests.notifications.calendar.conftest import World, event_uids

pytestmark = pytest.mark.django_db

PAGE = "/notifications/calendar/"
ADDRESS = re.compile(r'value="(https?://[^"]+/calendar/([A-Za-z0-9_-]{43})\.ics(?:\?scope=portfolio)?)"')


def addresses(client: Client) -> list[tuple[str, str]]:
    response = client.get(PAGE)
    assert response.status_code == 200
    return ADDRESS.findall(response.content.decode())


def test_the_page_needs_a_sign_in(client: Client) -> None:
    response = client.get(reverse("notifications:calendar"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reverse("notifications:calendar-create")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_make_copy_rotate_and_turn_off(client: Client, world: World) -> None:
    client.force_login(world.owner)
    page = client.get(PAGE)
    assert b"Make my calendar address" in page.content and not ADDRESS.search(page.content.decode())
    assert "no-store" in page["Cache-Control"]

    made = client.post(reverse("notifications:calendar-create"), follow=True)
    assert b"Your calendar address is ready" in made.content
    (own_url, key), (portfolio_url, same_key) = addresses(client)
    assert key == same_key and portfolio_url == own_url + "?scope=portfolio"
    assert b'data-copy="calendar-address"' in made.content
    client.logout()
    assert event_uids(client.get(urlsplit(own_url).path).content) == world.uids("Alpha")

    client.force_login(world.owner)
    client.post(reverse("notifications:calendar-create"))  # a second click keeps the address
    assert addresses(client)[0][1] == key
    client.post(reverse("notifications:calendar-rotate"))
    new_key = addresses(client)[0][1]
    assert new_key != key
    assert client.get(f"/calendar/{key}.ics").status_code == 404
    assert client.get(f"/calendar/{new_key}.ics").status_code == 200

    gone = client.post(reverse("notifications:calendar-delete"), follow=True)
    assert b"turned off" in gone.content
    assert client.get(f"/calendar/{new_key}.ics").status_code == 404
    assert not CalendarFeed.objects.filter(user=world.owner).exists()


def test_rotate_without_an_address_says_so(client: Client, world: World) -> None:
    client.force_login(world.owner)
    response = client.post(reverse("notifications:calendar-rotate"), follow=True)
    assert "You have no calendar address yet." in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_the_buttons_are_post_only(client: Client, world: World) -> None:
    client.force_login(world.owner)
    for name in ("calendar-create", "calendar-rotate", "calendar-delete"):
        assert client.get(reverse(f"notifications:{name}")).status_code == 405


def test_a_key_that_can_no_longer_be_unsealed(client: Client, world: World) -> None:
    client.force_login(world.owner)
    client.post(reverse("notifications:calendar-create"))
    feed = CalendarFeed.objects.get(user=world.owner)
    key = calendar_feed_key(feed)
    assert key
    # Sealed under a SECRET_KEY the server no longer has.
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        CalendarFeed.objects.filter(pk=feed.pk).update(key_sealed=seal(key, purpose=SEAL_PURPOSE))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert b"can no longer be shown" in page.content and not ADDRESS.search(page.content.decode())
    assert client.get(f"/calendar/{key}.ics").status_code == 200  # the address still works


# -- watching a vendor from its 360 page ---------------------------------------------------------------
def v360(vendor: Any) -> str:
    return reverse("dashboards:vendor-360", args=[vendor.pk])


def test_watch_and_unwatch_from_the_vendor_360(client: Client, world: World) -> None:
    gamma = world.vendors["Gamma"]
    client.force_login(world.stranger)
    page = client.get(v360(gamma))
    assert b'data-watch="not-watching"' in page.content
    watched = client.post(reverse("vendors:vendor-watch", args=[gamma.pk]), {"next": v360(gamma)}, follow=True)
    assert watched.redirect_chain[-1][0] == v360(gamma)
    assert b"You are watching Gamma" in watched.content and b'data-watch="watching"' in watched.content
    assert VendorWatch.objects.filter(user=world.stranger, vendor=gamma).count() == 1
    client.post(reverse("vendors:vendor-watch", args=[gamma.pk]))  # watching twice is watching
    assert VendorWatch.objects.filter(user=world.stranger, vendor=gamma).count() == 1

    unwatched = client.post(reverse("vendors:vendor-unwatch", args=[gamma.pk]), {"next": v360(gamma)}, follow=True)
    assert b"You no longer watch Gamma" in unwatched.content and b'data-watch="not-watching"' in unwatched.content
    assert not VendorWatch.objects.filter(user=world.stranger).exists()


def test_an_owner_has_the_vendor_in_their_calendar_already(client: Client, world: World) -> None:
    client.force_login(world.owner)
    page = client.get(v360(world.vendors["Alpha"]))
    assert b'data-watch="owner"' in page.content and b"In your calendar" in page.content


def test_watching_needs_a_sign_in_and_a_post(client: Client, world: World) -> None:
    gamma = world.vendors["Gamma"]
    response = client.post(reverse("vendors:vendor-watch", args=[gamma.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(world.stranger)
    assert client.get(reverse("vendors:vendor-watch", args=[gamma.pk])).status_code == 405
    assert client.post(reverse("vendors:vendor-watch", args=[999_999])).status_code == 404
    assert not VendorWatch.objects.filter(user=world.stranger).exists()
