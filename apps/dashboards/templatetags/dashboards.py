"""Template helpers of the dashboards: numbers as a CTO reads them. Presentation only."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def amount(value: Decimal | int | None) -> str:
    """``1234567.89|amount`` → ``1,234,568``: money on a dashboard is read in whole units."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.0f}"


@register.filter
def pct(value: Decimal | None) -> str:
    """``92.34|pct`` → ``92.3 %``."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.1f} %"


@register.filter
def points(value: Decimal | None) -> str:
    """A change in percentage points with its sign: ``+1.5 pts``, ``−2.0 pts``, ``±0 pts``."""
    if value is None:
        return ""
    if value == 0:
        return "±0 pts"
    sign = "+" if value > 0 else "−"
    return f"{sign}{abs(Decimal(value)):,.1f} pts"
