"""The units KPIs are measured in, as data: how a value prints with its unit, and the range a value (and
so an SLA target) of that unit can take. A KPI's own ``min_value``/``max_value`` narrow its unit's range;
a unit not listed here has no range of its own and prints as it is spelled.

The ranges follow the catalogue (apps.kpis.catalogue): a percentage lies in 0–100, deploy-days per week
in 0–7 (a week has seven days), durations and counts are never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.core.formatting import format_number


@dataclass(frozen=True)
class Unit:
    """``symbol`` is what follows a value ("95 %", "4 h"), ``singular`` what follows exactly 1 where it
    differs ("1 point"); ``noun`` names a value of the unit in messages."""

    symbol: str
    noun: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    singular: str = ""


UNITS: dict[str, Unit] = {
    "%": Unit("%", "a percentage", Decimal(0), Decimal(100)),
    "hours": Unit("h", "a number of hours", Decimal(0)),
    "days": Unit("d", "a number of days", Decimal(0)),
    "deploy-days/week": Unit("deploy-days/week", "a number of deploy-days per week", Decimal(0), Decimal(7)),
    "points": Unit("points", "a number of points", Decimal(0), singular="point"),
    "count": Unit("", "a count", Decimal(0)),
}

# Values print with at most two decimals, trailing zeros dropped: "95", "2.5", "0.75" (apps.core.formatting).


def unit_of(unit: str) -> Unit:
    """The unit as data; a unit the table does not know prints as spelled and has no range of its own."""
    return UNITS.get(unit) or Unit(unit, f"a value in {unit}" if unit else "a value")


def kpi_range(kpi: Any) -> tuple[Decimal | None, Decimal | None]:
    """The lowest and highest value the KPI can take: its unit's range, narrowed by the KPI's own bounds."""
    unit = unit_of(kpi.unit)
    low, high = unit.minimum, unit.maximum
    if kpi.min_value is not None and (low is None or kpi.min_value > low):
        low = kpi.min_value
    if kpi.max_value is not None and (high is None or kpi.max_value < high):
        high = kpi.max_value
    return low, high


def number(value: Decimal | float | int) -> str:
    """``Decimal("95.0000")`` → ``95``, ``2.5`` → ``2.5``, ``0.754`` → ``0.75`` (never an exponent): the
    product's one number format (``apps.core.formatting``), without grouping inside a KPI value."""
    return format_number(value, grouped=False)


def with_unit(value: Decimal | float | int | None, unit: str) -> str:
    """A value with its unit, the one way the product prints it: "95 %", "4 h", "2.5 deploy-days/week";
    "—" when there is no value."""
    if value is None or value == "":
        return "—"
    spec, printed = unit_of(unit), number(value)
    symbol = spec.singular if printed == "1" and spec.singular else spec.symbol
    return f"{printed} {symbol}" if symbol else printed
