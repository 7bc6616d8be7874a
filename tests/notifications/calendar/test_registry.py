"""The registry of calendar sources: each app registers its own dated items (the inbox imports none of
them), a name or a second scope registered twice is a configuration error, and a UID given twice keeps
the first event only (two events with one UID make calendars drop one at random)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.notifications.calendar import registry
from apps.notifications.calendar.registry import (
    CalendarItem,
    calendar_items,
    calendar_sources,
    register_calendar_scope,
    register_calendar_source,
)

DAY = dt.date(2027, 3, 1)


def test_every_domain_app_registers_its_dates() -> None:
    assert [source.name for source in calendar_sources()] == [
        "function_policy_exceptions",
        "service_reviews",
        "certifications",
        "contract_dates",
        "contract_policy_exceptions",
    ]


def test_a_name_registered_twice_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_calendar_source("certifications", lambda **kwargs: [])


def test_a_second_scope_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="scope is already registered"):
        register_calendar_scope(lambda user: [])


def test_a_repeated_uid_keeps_the_first(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def first(**kwargs: Any) -> list[CalendarItem]:
        return [CalendarItem("thing-1", DAY, "First", "", "/"), CalendarItem("thing-2", DAY, "Second", "", "/")]

    def second(**kwargs: Any) -> list[CalendarItem]:
        return [CalendarItem("thing-1", DAY - dt.timedelta(days=1), "Again", "", "/")]

    monkeypatch.setattr(registry, "_sources", {})
    monkeypatch.setattr(registry, "_scopes", [lambda user: [1, 2]])
    register_calendar_source("first", first)
    register_calendar_source("second", second)
    items = calendar_items(user=None, portfolio=False, start=DAY, end=DAY)
    assert [(item.uid, item.summary) for item in items] == [("thing-1", "First"), ("thing-2", "Second")]
    assert "gave the UID thing-1 twice" in caplog.text


def test_sources_get_the_scope_or_none_for_the_portfolio(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def collect(*, user: Any, vendor_ids: Any, start: dt.date, end: dt.date) -> list[CalendarItem]:
        seen.append((user, vendor_ids, start, end))
        return []

    monkeypatch.setattr(registry, "_sources", {})
    monkeypatch.setattr(registry, "_scopes", [lambda user: [3, 1]])
    register_calendar_source("probe", collect)
    calendar_items(user="someone", portfolio=False, start=DAY, end=DAY)
    calendar_items(user="someone", portfolio=True, start=DAY, end=DAY)
    assert seen == [("someone", frozenset({1, 3}), DAY, DAY), ("someone", None, DAY, DAY)]
