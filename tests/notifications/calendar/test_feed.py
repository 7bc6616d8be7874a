"""The feed at ``/calendar/<key>.ics``: valid RFC 5545 (CRLF, lines folded at 75 octets, VERSION and
PRODID, every event with UID, DTSTAMP and an all-day DTSTART), the same UIDs and bytes at every fetch,
no session needed, 404 for an unknown, rotated or turned-off key and for a deactivated person, and a
number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from apps.notifications.calendar.feed import calendar_render
from apps.notifications.calendar.services import calendar_feed_delete, calendar_feed_rotate
from apps.notifications.models import CalendarFeed
from tests import factories
from tests.notifications.calendar.conftest import (
    World,
    day,
    event_uids,
    feed_key,
    fetch,
    make_policy_exception,
    parse,
    vendor_with_dates,
)

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 12
CONTENT_LINE = re.compile(rb"^[A-Za-z0-9-]+(;[^:]*)?:")  # name *(";" param) ":" value (RFC 5545 §3.1)


def assert_rfc5545(body: bytes) -> Calendar:
    """``body`` is an iCalendar object as RFC 5545 writes it; the parsed calendar."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert not any(b"\n" in line or b"\r" in line for line in lines), "a line ends without CRLF"
    long_lines = [line for line in lines if len(line) > 75]
    assert not long_lines, f"lines longer than 75 octets: {long_lines[:3]}"
    for line in lines:
        # A folded line goes on with a space; every other line is a content line.
        assert line.startswith(b" ") or CONTENT_LINE.match(line), line
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")  # folding never splits a UTF-8 character
    assert unfolded
    assert (lines[0], lines[-1]) == (b"BEGIN:VCALENDAR", b"END:VCALENDAR")
    calendar = parse(body)
    assert calendar.errors == []
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Vendor Governance//")
    uids = []
    for event in calendar.walk("VEVENT"):
        assert event.errors == []
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert name in event, f"{name} missing from {event.get('UID')}"
        stamp = event.decoded("DTSTAMP")
        assert isinstance(stamp, dt.datetime) and stamp.utcoffset() == dt.timedelta(0)
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)  # an all-day event
        assert "@" in str(event["UID"])
        uids.append(str(event["UID"]))
    assert len(uids) == len(set(uids)), "a UID is repeated"
    return calendar


def test_the_feed_is_rfc_5545(client: Client, world: World) -> None:
    # A long title of many-octet characters: folding must count octets, not characters.
    factories.ContractFactory(
        vendor=world.vendors["Alpha"],
        title="Ünïcödé wörk — " + "🛠 ñ" * 40,
        start_date=day(-100),
        end_date=day(200),
        renewal="explicit",
        notice_days=30,
    )
    response = fetch(client, world.owner)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = assert_rfc5545(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 6
    assert str(calendar["X-WR-CALNAME"]) == "Vendor Governance — Olga Owner"
    cancel_by = next(
        e for e in events if str(e["UID"]).startswith(f"contract-{world.records['Alpha']['contract'].pk}-cancel-by@")
    )
    assert str(cancel_by["SUMMARY"]) == "Cancel-by date: Alpha services (Alpha)"
    assert cancel_by.decoded("DTSTART") == day(30)
    assert str(cancel_by["URL"]).startswith("http://")  # absolute: SITE_URL + the contract's page
    assert str(cancel_by["URL"]) in str(cancel_by["DESCRIPTION"])
    assert cancel_by.categories == ["Contract", "Cancel-by date"]
    assert str(cancel_by["TRANSP"]) == "TRANSPARENT"
    long_one = [e for e in events if "Ünïcödé" in str(e["SUMMARY"])]
    assert len(long_one) == 2 and "🛠 ñ" * 40 in str(long_one[0]["SUMMARY"])  # unfolded whole again


def test_uids_and_bytes_are_stable_across_fetches(client: Client, world: World) -> None:
    first = fetch(client, world.owner)
    second = fetch(client, world.owner)
    assert event_uids(first.content) == event_uids(second.content) == world.uids("Alpha")
    assert first.content == second.content  # DTSTAMP is each record's last change, not the fetch time
    assert first["ETag"] == second["ETag"]
    # A calendar that has the feed already gets a 304.
    unchanged = fetch(client, world.owner, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_a_moved_date_keeps_its_uid(client: Client, world: World) -> None:
    contract = world.records["Alpha"]["contract"]
    before = {e["UID"]: e.decoded("DTSTART") for e in parse(fetch(client, world.owner).content).walk("VEVENT")}
    contract.end_date = day(120)
    contract.save()
    after = {e["UID"]: e.decoded("DTSTART") for e in parse(fetch(client, world.owner).content).walk("VEVENT")}
    assert before.keys() == after.keys()
    moved = {uid.split("@")[0] for uid in before if before[uid] != after[uid]}
    assert moved == {f"contract-{contract.pk}-cancel-by", f"contract-{contract.pk}-end"}


def test_the_feed_needs_no_session_and_notes_the_fetch(client: Client, world: World) -> None:
    assert not client.cookies  # nobody signed in
    response = fetch(client, world.owner)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    feed = CalendarFeed.objects.get(user=world.owner)
    assert feed.last_fetched_at is not None


def test_unknown_key_is_404(client: Client, world: World) -> None:
    feed_key(world.owner)
    assert client.get("/calendar/not-a-real-key-0123456789abcdefghijklmnopqrstuv.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 500 + ".ics").status_code == 404


def test_rotation_kills_the_old_address(client: Client, world: World) -> None:
    old = feed_key(world.owner)
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    calendar_feed_rotate(user=world.owner)
    new = feed_key(world.owner)
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_a_turned_off_address_is_404(client: Client, world: World) -> None:
    key = feed_key(world.owner)
    calendar_feed_delete(user=world.owner)
    assert client.get(f"/calendar/{key}.ics").status_code == 404


def test_an_inactive_persons_feed_is_404(client: Client, world: World) -> None:
    key = feed_key(world.owner)
    world.owner.is_active = False
    world.owner.save(update_fields=["is_active"])
    assert client.get(f"/calendar/{key}.ics").status_code == 404


def test_only_get_and_head(client: Client, world: World) -> None:
    key = feed_key(world.owner)
    assert client.head(f"/calendar/{key}.ics").status_code == 200
    assert client.post(f"/calendar/{key}.ics").status_code == 405


def test_the_key_is_stored_hashed_and_sealed(world: World) -> None:
    key = feed_key(world.owner)
    feed = CalendarFeed.objects.get(user=world.owner)
    assert len(key) >= 43  # 32 random bytes
    assert key not in feed.key_hash and key not in feed.key_sealed
    assert feed.key_hash == hashlib.sha256(key.encode()).hexdigest()


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("portfolio", [False, True], ids=["own", "portfolio"])
def test_query_count_does_not_grow_with_rows(client: Client, world: World, portfolio: bool) -> None:
    url = f"/calendar/{feed_key(world.owner)}.ics" + ("?scope=portfolio" if portfolio else "")
    make_policy_exception(subject=world.records["Alpha"]["contract"], review_on=day(20), raised_by=world.owner)
    make_policy_exception(
        subject=factories.FunctionFactory(),
        review_on=day(25),
        raised_by=world.owner,
        kind="decision_against_recommendation",
    )
    few = _count(client, url)
    assert few <= QUERY_BUDGET
    for index in range(6):
        _, records = vendor_with_dates(f"More {index}", engineering_owner=world.owner)
        make_policy_exception(subject=records["contract"], review_on=day(40 + index), raised_by=world.owner)
        make_policy_exception(
            subject=factories.FunctionFactory(),
            review_on=day(40 + index),
            raised_by=world.owner,
            kind="decision_against_recommendation",
        )
        records["review"].attendees.add(world.owner)
    many = _count(client, url)
    assert many == few, f"{few} queries for a small feed, {many} for a larger one"


def test_render_for_a_given_day(world: World) -> None:
    """The window moves with the day: three years on, today's dates are out of it."""
    body = calendar_render(user=world.owner, portfolio=False, today=day(3 * 365))
    assert parse(body).walk("VEVENT") == []
    body = calendar_render(user=world.owner, portfolio=False, today=day(0))
    assert event_uids(body) == world.uids("Alpha")


def test_events_link_to_their_records(client: Client, world: World) -> None:
    response = fetch(client, world.owner, portfolio=True)
    for event in parse(response.content).walk("VEVENT"):
        url = str(event["URL"])
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        client.force_login(world.owner)
        assert client.get(path.split("#")[0]).status_code == 200, url
