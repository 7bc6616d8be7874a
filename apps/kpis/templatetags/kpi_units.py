"""Values with their units, printed one way everywhere (apps.kpis.units): "95 %", "4 h",
"2.5 deploy-days/week"; an SLA target with its comparator: "≥ 95 %"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from apps.kpis.units import unit_of, with_unit

register = template.Library()

COMPARATOR_SYMBOLS = {"gte": "≥", "lte": "≤"}


@register.filter(name="with_unit")
def with_unit_filter(value: Decimal | float | int | None, unit: str = "") -> str:
    """``{{ evaluation.value|with_unit:term.kpi.unit }}`` → ``96.5 %`` (``—`` without a value)."""
    return with_unit(value, unit or "")


@register.filter
def unit_symbol(unit: str) -> str:
    """``{{ kpi.unit|unit_symbol }}``: what follows a value of the unit ("%", "h")."""
    return unit_of(unit or "").symbol


@register.filter
def sla_target(term: Any, value: Decimal | None = None) -> str:
    """``{{ term|sla_target }}`` → ``≥ 95 %``; ``{{ breach.term|sla_target:breach.target }}`` prints the
    target a breach was held to (kept on the breach, since the term's may have changed since)."""
    target = term.target if value is None else value
    return f"{COMPARATOR_SYMBOLS.get(term.comparator, term.comparator)} {with_unit(target, term.kpi.unit)}"
