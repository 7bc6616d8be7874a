"""Dates and times read from input: the one path every query parameter, form field and API field takes
(the filters' and forms' fields, the serializers' date fields, the entry grid's months and weeks).

Python's calendar runs from 0001-01-01 to 9999-12-31 and PostgreSQL keeps time-zone offsets within
±15:59. A value outside either — ``2026-10-31T25:00``, ``2026-02-30``, an offset of ``+16:00``, midnight
of 1 January of year 1 at ``+05:00`` (the day before in UTC), the month after December 9999 — is an
input error here, raised as ``DateInputError`` (a ``ValueError``) with a message for the person who
typed it, never an exception of the code that computes with it later.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

# PostgreSQL refuses a time-zone offset beyond this ("time zone displacement out of range"); no real
# time zone comes near it (the widest are -12:00 and +14:00).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)

DATE_FORMAT_HINT = "YYYY-MM-DD"
MOMENT_FORMAT_HINT = "an ISO 8601 date and time, e.g. 2026-10-31T14:30:00+01:00"


class DateInputError(ValueError):
    """A date or time that cannot be read, or that does not exist, or that is out of range."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _out_of_range(text: str) -> DateInputError:
    return DateInputError(f"“{text}” is out of range: dates run from 0001-01-01 to 9999-12-31 in every time zone.")


def parse_day(text: str) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    text = text.strip()
    try:
        parsed = parse_date(text)
    except ValueError:
        raise DateInputError(f"“{text}” is not a date of the calendar.") from None
    if parsed is None:
        raise DateInputError(f"Enter a date as {DATE_FORMAT_HINT}.")
    return parsed


def checked_moment(moment: datetime, *, text: str | None = None) -> datetime:
    """``moment`` as an aware datetime (a naive one is read in ``TIME_ZONE``), once it is known to have
    an offset PostgreSQL stores and to exist in UTC and in ``TIME_ZONE`` (so it can be shown)."""
    shown = text if text is not None else moment.isoformat()
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DateInputError(f"“{shown}” has a time-zone offset beyond ±15:59.")
    try:
        aware = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        aware.astimezone(UTC)
        timezone.localtime(aware)
    except (OverflowError, ValueError):
        raise _out_of_range(shown) from None
    return aware


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date and time (``2026-10-31T14:30``, ``…+01:00``, ``…Z``) as an aware datetime; without
    an offset it is read in ``TIME_ZONE``."""
    text = text.strip()
    try:
        parsed = parse_datetime(text)
    except ValueError:
        raise DateInputError(f"“{text}” is not a date and time of the calendar.") from None
    if parsed is None:
        raise DateInputError(f"Enter {MOMENT_FORMAT_HINT}.")
    return checked_moment(parsed, text=text)


def local_date(value: date | datetime | str) -> date:
    """A date, or the date a moment falls on in ``TIME_ZONE``: a period ending ``2026-11-01T03:30:00Z``
    ended on 31 October in New York. Text with a time (``T`` or a space) is a moment."""
    if isinstance(value, str):
        text = value.strip()
        if "T" not in text and " " not in text:
            return parse_day(text)
        value = parse_moment(text)
    if isinstance(value, datetime):
        return timezone.localtime(checked_moment(value)).date()
    return value


def month_period(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month."""
    if not 1 <= month <= 12:
        raise DateInputError(f"There is no month {month}.")
    if not 1 <= year <= 9999:
        raise DateInputError(f"The year {year} is outside the calendar (1 to 9999).")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def iso_week_period(year: int, week: int) -> tuple[date, date]:
    """The Monday and the Sunday of an ISO week."""
    try:
        return date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7)
    except (OverflowError, ValueError):
        raise DateInputError(f"Week {week} of {year} is not a week of the calendar.") from None
