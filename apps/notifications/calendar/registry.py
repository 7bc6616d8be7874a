"""The dated items the apps register for the calendar feeds, and who sees which.

Each app that owns dated records registers a *source* from its own ``calendar.py`` (imported by its
``AppConfig.ready``), as it registers its reminder rules::

    register_calendar_source("certifications", certification_items, label="Certification expiries")

``collect(*, user, vendor_ids, start, end)`` returns the ``CalendarItem`` of its records whose day falls
between ``start`` and ``end`` (both included) and that concern ``user``: those of the vendors in
``vendor_ids`` (the vendors the person owns or watches) and the records the person is named on
themselves (a policy exception they raised, a review they attend). ``vendor_ids`` is None for the
whole-portfolio feed: every item, whoever owns it. A source reads in a fixed number of queries
whatever the number of rows (the feed's query budget is tested).

Which vendors a person follows is the vendors app's to say: it registers the one *scope*
(``register_calendar_scope``) — the vendors the person is a named owner of, and those they watch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarItem:
    """One all-day event of a feed.

    ``uid`` names the record and which of its dates this is (``contract-12-cancel-by``) and never
    changes when the date moves, so a calendar updates the event instead of adding a second one; the
    feed makes it globally unique by adding ``@<the site's host>``. ``url`` is a path in the workspace
    (or an absolute address). ``updated_at``, when the record keeps it, is the event's DTSTAMP and
    LAST-MODIFIED: an unchanged record gives the same bytes at every fetch."""

    uid: str
    day: date
    summary: str
    description: str
    url: str
    categories: tuple[str, ...] = ()
    updated_at: datetime | None = None


class CalendarCollector(Protocol):
    def __call__(
        self, *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
    ) -> Iterable[CalendarItem]: ...


@dataclass(frozen=True)
class CalendarSource:
    """What one app puts in the feeds: ``label`` is shown on the calendar page ("Certification expiries")."""

    name: str
    label: str
    collect: CalendarCollector


VendorScope = Callable[[Any], Iterable[int]]

_sources: dict[str, CalendarSource] = {}
_scopes: list[VendorScope] = []


def register_calendar_source(name: str, collect: CalendarCollector, *, label: str = "") -> CalendarSource:
    """Register a source (from the owning app's ``ready()``). A name registered twice is a
    configuration error."""
    if name in _sources:
        raise ImproperlyConfigured(f"A calendar source named “{name}” is already registered.")
    source = CalendarSource(name=name, label=label or name.replace("_", " ").capitalize(), collect=collect)
    _sources[name] = source
    return source


def calendar_sources() -> tuple[CalendarSource, ...]:
    """Every registered source, in registration order (``INSTALLED_APPS``, then the calls)."""
    return tuple(_sources.values())


def register_calendar_scope(vendor_ids: VendorScope) -> None:
    """Register how to find the vendors a person follows (the vendors app does, once)."""
    if _scopes:
        raise ImproperlyConfigured("A calendar scope is already registered.")
    _scopes.append(vendor_ids)


def calendar_vendor_ids(user: Any) -> frozenset[int]:
    """The vendors whose dates are in ``user``'s own feed (none before a scope is registered)."""
    return frozenset(_scopes[0](user)) if _scopes else frozenset()


def calendar_items(*, user: Any, portfolio: bool, start: date, end: date) -> list[CalendarItem]:
    """Every registered source's items for ``user`` between ``start`` and ``end``, by day then UID.
    ``portfolio``: everyone's, not only what the person owns or watches."""
    vendor_ids = None if portfolio else calendar_vendor_ids(user)
    found: dict[str, CalendarItem] = {}
    for source in calendar_sources():
        for item in source.collect(user=user, vendor_ids=vendor_ids, start=start, end=end):
            if item.uid in found:
                # Two events with one UID would make calendars drop one of them at random.
                logger.error("Calendar source %s gave the UID %s twice; the second is left out.", source.name, item.uid)
                continue
            found[item.uid] = item
    return sorted(found.values(), key=lambda item: (item.day, item.uid))
