"""A person's calendar as RFC 5545 text: every registered source's items as all-day events.

The text is made by the ``icalendar`` package (CRLF line ends, lines folded at 75 octets, values
escaped). Each event has a stable UID (``<source's uid>@<site host>``), a DTSTAMP that is the record's
last change (so an unchanged feed is byte-for-byte the same, and its ETag with it), a one-day
DTSTART/DTEND, and is TRANSPARENT: a governance date does not make anyone busy. The description ends
with the record's address, because Outlook and Google show no URL property.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from apps.notifications.calendar.registry import CalendarItem, calendar_items

PRODID = "-//Vendor Governance//Calendar feed//EN"
# How often a calendar should fetch the feed again (RFC 7986 REFRESH-INTERVAL, and Outlook's
# X-PUBLISHED-TTL). Google Calendar keeps its own schedule (several hours) whatever this says.
REFRESH_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True)
class FeedWindow:
    """The days a feed covers: ``CALENDAR_FEED_DAYS_BACK`` before today to ``CALENDAR_FEED_DAYS_AHEAD``
    after it, both included."""

    start: date
    end: date

    @classmethod
    def around(cls, today: date) -> FeedWindow:
        return cls(
            start=today - timedelta(days=settings.CALENDAR_FEED_DAYS_BACK),
            end=today + timedelta(days=settings.CALENDAR_FEED_DAYS_AHEAD),
        )


def site_host() -> str:
    """The host of ``SITE_URL``: the right-hand side of every UID (RFC 5545 §3.8.4.7)."""
    return urlsplit(settings.SITE_URL).hostname or "vendor-governance"


def absolute_url(url: str) -> str:
    if not url or urlsplit(url).scheme:
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def calendar_name(user: Any, *, portfolio: bool) -> str:
    whose = "whole portfolio" if portfolio else (user.get_full_name() or user.get_username())
    return f"Vendor Governance — {whose}"


def _event(item: CalendarItem, *, host: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid if "@" in item.uid else f"{item.uid}@{host}")
    stamp = _utc(item.updated_at) if item.updated_at is not None else now
    event.add("dtstamp", stamp)
    if item.updated_at is not None:
        event.add("last-modified", stamp)
    event.add("dtstart", item.day)
    event.add("dtend", item.day + timedelta(days=1))
    event.add("summary", item.summary)
    url = absolute_url(item.url)
    description = item.description.strip()
    if url:
        description = f"{description}\n\nOpen in Vendor Governance: {url}" if description else url
        event.add("url", url)
    if description:
        event.add("description", description)
    if item.categories:
        event.add("categories", list(item.categories))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_render(*, user: Any, portfolio: bool, today: date | None = None, now: datetime | None = None) -> bytes:
    """``user``'s calendar (or the whole portfolio's) as iCalendar bytes (UTF-8, CRLF)."""
    window = FeedWindow.around(today or timezone.localdate())
    moment = _utc(now or timezone.now())
    name = calendar_name(user, portfolio=portfolio)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add(
        "x-wr-caldesc",
        "Cancel-by, end and renewal dates, service reviews, certification expiries and policy exception "
        + ("reviews of the whole portfolio." if portfolio else "reviews of the vendors you own or watch."),
    )
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL).to_ical().decode())
    host = site_host()
    for item in calendar_items(user=user, portfolio=portfolio, start=window.start, end=window.end):
        calendar.add_component(_event(item, host=host, now=moment))
    return bytes(calendar.to_ical())
