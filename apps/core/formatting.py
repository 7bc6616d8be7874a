"""How numbers, money, dates and counts read to a person, one way everywhere: the pages (through the
template filters of ``apps.core.templatetags.ui``) and the texts built in Python (notifications, e-mails,
reminders, the human summary of a webhook event, messages on a page).

- A date reads as the pages print it, Django's ``DATE_FORMAT`` of the site's language: ``3 Dec 2026``;
  a period ``1 Oct 2026 – 31 Dec 2026``; a moment ``3 Dec 2026 14:30`` in ``TIME_ZONE``.
- A number has at most two decimals, trailing zeros dropped, thousands grouped: ``84.58``, ``1,250``;
  a percentage ``84.58 %``.
- Money has two decimals, thousands grouped, then its currency: ``1,491.71 EUR``.
- A count of things agrees with its noun: ``1 contract``, ``3 contracts``, ``1,180 events``.

Machine payloads (the API, a webhook event's data, CSV/XLSX exports, dedupe keys) keep ISO dates and
plain decimals: these helpers are for people only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone

NUMBER_PLACES = Decimal("0.01")
EMPTY = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return parsed if parsed.is_finite() else None


def format_number(value: Decimal | float | int | str | None, *, grouped: bool = True) -> str:
    """``Decimal("84.5833")`` → ``84.58``, ``95.0000`` → ``95``, ``1250`` → ``1,250`` (never an exponent);
    ``—`` without a value; text that is not a number as it is."""
    parsed = _decimal(value)
    if parsed is None:
        return EMPTY if value is None or value == "" else str(value)
    rounded = parsed.quantize(NUMBER_PLACES, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,f}" if grouped else f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_percent(value: Decimal | float | int | str | None) -> str:
    """``84.5833`` → ``84.58 %``; ``—`` without a value."""
    if value is None or value == "":
        return EMPTY
    return f"{format_number(value)} %"


def format_money(amount: Decimal | float | int | str | None, currency: str = "") -> str:
    """``1491.7133, "EUR"`` → ``1,491.71 EUR``; ``—`` without an amount."""
    parsed = _decimal(amount)
    if parsed is None:
        return EMPTY if amount is None or amount == "" else f"{amount} {currency}".strip()
    return f"{parsed.quantize(NUMBER_PLACES, rounding=ROUND_HALF_UP):,.2f} {currency}".strip()


def format_count(count: int, singular: str, plural: str | None = None) -> str:
    """``1, "contract"`` → ``1 contract``; ``1180, "event"`` → ``1,180 events``; an irregular plural is
    given: ``2, "entry", "entries"``."""
    noun = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count:,} {noun}"


def format_row_count(count: int, *, exact: bool = True) -> str:
    """``1180`` → ``1,180``; an estimate (``exact=False``, ``apps.core.counting``) to two significant
    figures: ``98,341`` → ``about 98,000``."""
    if exact or count < 100:
        return f"{count:,}"
    magnitude = 10 ** (len(str(count)) - 2)
    rounded = int((Decimal(count) / magnitude).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * magnitude
    return f"about {rounded:,}"


def format_date(day: date | datetime | None) -> str:
    """``3 Dec 2026``, as the pages print a date (``DATE_FORMAT``); a moment gives its day in
    ``TIME_ZONE``; ``—`` without a date."""
    if day is None:
        return EMPTY
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return str(formats.date_format(day, "DATE_FORMAT"))


def format_period(start: date | None, end: date | None) -> str:
    """``1 Oct 2026 – 31 Dec 2026``; one day once; an open end ``from 1 Oct 2026``."""
    if start is None and end is None:
        return EMPTY
    if end is None:
        return f"from {format_date(start)}"
    if start is None:
        return f"until {format_date(end)}"
    if start == end:
        return format_date(start)
    return f"{format_date(start)} – {format_date(end)}"


def format_moment(moment: datetime | None) -> str:
    """``3 Dec 2026 14:30`` in ``TIME_ZONE`` (a naive moment is taken as it is); ``—`` without one."""
    if moment is None:
        return EMPTY
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{format_date(local.date())} {local:%H:%M}"
