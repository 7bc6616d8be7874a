"""The sanity rules of an SLA term, checked once in ``SlaTerm.clean()`` so that forms, the API, imports
and services refuse the same terms with the same messages:

- the comparator agrees with the KPI's direction: a higher-is-better KPI's target is a minimum ("at
  least", ``gte``), a lower-is-better KPI's a maximum ("at most", ``lte``);
- the target and the warning target lie in the KPI's range (its unit's, narrowed by the KPI's own bounds:
  apps.kpis.units), and the target is one the vendor could miss ("at least 0 %" never breaches);
- the warning target sits strictly on the safe side of the target, so that it warns before the breach.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from apps.kpis.choices import Direction
from apps.kpis.units import kpi_range, unit_of, with_unit
from apps.performance.choices import Comparator

COMPARATOR_OF_DIRECTION: dict[str, str] = {Direction.HIGHER: Comparator.GTE, Direction.LOWER: Comparator.LTE}


def _direction_error(kpi: Any, comparator: str) -> str | None:
    expected = COMPARATOR_OF_DIRECTION.get(kpi.direction)
    if expected is None or comparator == expected:
        return None
    if expected == Comparator.GTE:
        return f"{kpi.name} is higher-is-better: its target is a minimum, use ‘{Comparator.GTE.label}’."
    return f"{kpi.name} is lower-is-better: its target is a maximum, use ‘{Comparator.LTE.label}’."


def _range_error(kpi: Any, value: Decimal, what: str) -> str | None:
    low, high = kpi_range(kpi)
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    noun = unit_of(kpi.unit).noun
    if low is not None and high is not None:
        bounds = f"lies between {with_unit(low, kpi.unit)} and {with_unit(high, kpi.unit)}"
    elif low is not None:
        bounds = f"cannot be below {with_unit(low, kpi.unit)}"
    else:
        bounds = f"cannot be above {with_unit(high, kpi.unit)}"
    return f"{kpi.name} is {noun}: {what} {bounds}."


def _never_missed_error(kpi: Any, comparator: str, target: Decimal) -> str | None:
    low, high = kpi_range(kpi)
    if comparator == Comparator.GTE and low is not None and target <= low:
        return f"At least {with_unit(target, kpi.unit)} is met by any value of {kpi.name}: set a target the vendor could miss."
    if comparator == Comparator.LTE and high is not None and target >= high:
        return f"At most {with_unit(target, kpi.unit)} is met by any value of {kpi.name}: set a target the vendor could miss."
    return None


def _warning_side_error(kpi: Any, comparator: str, target: Decimal, warning: Decimal) -> str | None:
    if comparator == Comparator.GTE and warning <= target:
        side = "above"
    elif comparator == Comparator.LTE and warning >= target:
        side = "below"
    else:
        return None
    return (
        f"The warning target warns before the breach, so it sits {side} the target of "
        f"{with_unit(target, kpi.unit)}; leave it empty for no early warning."
    )


def sla_term_errors(*, kpi: Any, comparator: str, target: Any, warning_target: Any) -> dict[str, list[str]]:
    """The term's rule violations by field (empty when it is sane). Values that are not numbers yet are
    left to their fields' own validation."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str | None) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    direction_error = _direction_error(kpi, comparator) if comparator in Comparator.values else None
    add("comparator", direction_error)
    target_ok = isinstance(target, Decimal) and target.is_finite()
    if target_ok:
        range_error = _range_error(kpi, target, "its target")
        add("target", range_error)
        if range_error is None and direction_error is None:
            add("target", _never_missed_error(kpi, comparator, target))
    if isinstance(warning_target, Decimal) and warning_target.is_finite():
        warning_range_error = _range_error(kpi, warning_target, "its warning target")
        add("warning_target", warning_range_error)
        if target_ok and direction_error is None and warning_range_error is None and "target" not in errors:
            add("warning_target", _warning_side_error(kpi, comparator, target, warning_target))
    return errors


def sla_term_check(*, kpi: Any, comparator: str, target: Any, warning_target: Any) -> None:
    """Raise the term's rule violations as one field-keyed ``ValidationError``."""
    errors = sla_term_errors(kpi=kpi, comparator=comparator, target=target, warning_target=warning_target)
    if errors:
        raise ValidationError(errors)
