"""Writes of KPI definitions, performance bands and measurements."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from apps.core.errors import ConflictError
from apps.core.services import audited, model_create, model_delete, model_update, save_validated
from apps.kpis.choices import MeasurementSource
from apps.kpis.models import KpiDefinition, Measurement, PerformanceBand

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
RECORD_RESULTS = (CREATED, UPDATED, UNCHANGED)
VALUE_PLACES = Decimal("0.0001")  # the 4 decimal places Measurement.value stores
# A value given alongside a ratio's numerator and denominator may differ from their quotient by the
# client's rounding, no more; beyond that the request contradicts itself and is refused.
RATIO_TOLERANCE = Decimal("0.01")
PERIOD_KEY = ("contract", "kpi", "period_start", "period_end")
MEASURED_FIELDS = ("value", "numerator", "denominator", "note")
# A KPI's measurements are stored in the terms of these fields: changing them once it is measured
# would silently change what the stored values mean.
KPI_MEANING_FIELDS = ("aggregation", "multiplier", "unit")
UPSERT_ATTEMPTS = 3


# -- KPI definitions and performance bands -------------------------------------------------------------
def kpi_definition_create(*, actor: Any | None, data: Mapping[str, Any]) -> KpiDefinition:
    return model_create(KpiDefinition, actor=actor, data=data, action="kpi_definition_create")


def kpi_definition_update(*, instance: KpiDefinition, actor: Any | None, data: Mapping[str, Any]) -> KpiDefinition:
    """Change a KPI. Once it has measurements its unit, aggregation and multiplier are fixed (409):
    the stored values are expressed in them."""
    changed = kpi_definition_locked_changes(instance=instance, data=data)
    if changed:
        raise ConflictError(
            f"{instance.name} already has measurements; its {', '.join(changed)} can no longer change.",
            field=changed[0],
        )
    return model_update(instance, actor=actor, data=data, action="kpi_definition_update")


def kpi_definition_locked_changes(*, instance: KpiDefinition, data: Mapping[str, Any]) -> list[str]:
    """The fields in ``data`` that would change the meaning of the KPI's existing measurements."""
    changed = [name for name in KPI_MEANING_FIELDS if name in data and data[name] != getattr(instance, name)]
    return changed if changed and instance.pk and instance.measurements.exists() else []


def kpi_definition_delete(*, instance: KpiDefinition, actor: Any | None) -> None:
    """A KPI that is measured or used by an SLA term cannot be deleted (409)."""
    model_delete(instance, actor=actor, action="kpi_definition_delete")


def performance_band_create(*, actor: Any | None, data: Mapping[str, Any]) -> PerformanceBand:
    return model_create(PerformanceBand, actor=actor, data=data, action="performance_band_create")


def performance_band_update(
    *, instance: PerformanceBand, actor: Any | None, data: Mapping[str, Any]
) -> PerformanceBand:
    return model_update(instance, actor=actor, data=data, action="performance_band_update")


def performance_band_delete(*, instance: PerformanceBand, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="performance_band_delete")


# -- measurements --------------------------------------------------------------------------------------
def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _bounds_error(kpi: KpiDefinition, value: Decimal, what: str) -> str | None:
    unit = f" {kpi.unit}" if kpi.unit else ""
    if kpi.min_value is not None and value < kpi.min_value:
        return f"{kpi.name} cannot be below {kpi.min_value.normalize():f}{unit}; {what} is {value.normalize():f}."
    if kpi.max_value is not None and value > kpi.max_value:
        return f"{kpi.name} cannot be above {kpi.max_value.normalize():f}{unit}; {what} is {value.normalize():f}."
    return None


def measurement_values(kpi: KpiDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """The measured fields of a measurement of ``kpi``, checked and completed; field errors raise a
    ``ValidationError`` dict (400). Ratio KPIs take numerator and denominator and their value is
    ``numerator ÷ denominator × multiplier`` (4 dp); the others take a value and nothing else."""
    errors: dict[str, str] = {}
    value, numerator, denominator = (_decimal(data.get(name)) for name in ("value", "numerator", "denominator"))
    for name, number in (("value", value), ("numerator", numerator), ("denominator", denominator)):
        if number is not None and not number.is_finite():
            errors[name] = "Give a number."
    if errors:
        raise ValidationError(errors)
    if kpi.is_ratio:
        if numerator is None:
            errors["numerator"] = f"{kpi.name} is a ratio: give the numerator ({kpi.numerator_label or 'count'})."
        elif numerator < 0:
            errors["numerator"] = "The numerator cannot be negative."
        if denominator is None:
            errors["denominator"] = f"{kpi.name} is a ratio: give the denominator ({kpi.denominator_label or 'total'})."
        elif denominator <= 0:
            errors["denominator"] = "The denominator must be above zero."
        if not errors:
            assert numerator is not None and denominator is not None
            computed = (numerator / denominator * kpi.multiplier).quantize(VALUE_PLACES, ROUND_HALF_UP)
            if value is not None and abs(value - computed) > RATIO_TOLERANCE:
                errors["value"] = (
                    f"The value {value.normalize():f} contradicts numerator ÷ denominator "
                    f"({computed.normalize():f}); leave it out, it is computed."
                )
            elif problem := _bounds_error(kpi, computed, "numerator ÷ denominator"):
                errors["numerator"] = problem
            value = computed
    else:
        if value is None:
            errors["value"] = f"Give the value of {kpi.name} ({kpi.unit})."
        elif problem := _bounds_error(kpi, value, "the value"):
            errors["value"] = problem
        for name, part in (("numerator", numerator), ("denominator", denominator)):
            if part is not None:
                errors[name] = f"{kpi.name} is not a ratio: give only its value."
    if errors:
        raise ValidationError(errors)
    return {
        "value": value,
        "numerator": numerator if kpi.is_ratio else None,
        "denominator": denominator if kpi.is_ratio else None,
        "note": (data.get("note") or "").strip(),
    }


def _period_errors(data: Mapping[str, Any]) -> dict[str, str]:
    start, end = data.get("period_start"), data.get("period_end")
    if start is None or end is None:
        return {name: "This field is required." for name in ("period_start", "period_end") if data.get(name) is None}
    if end < start:
        return {"period_end": "The period cannot end before it starts."}
    if end > timezone.localdate():
        return {"period_end": "The period cannot end in the future: log a period once it is over."}
    return {}


def measurement_check(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every rule of a measurement (period, KPI, value or ratio parts, bounds) at once, so one answer
    lists every field at fault; returns the measured fields (value computed for a ratio)."""
    errors: dict[str, Any] = dict(_period_errors(data))
    kpi = data.get("kpi")
    if not isinstance(kpi, KpiDefinition):
        errors["kpi"] = "Name the KPI (its id or code)."
    if data.get("contract") is None:
        errors["contract"] = "This field is required."
    fields: dict[str, Any] = {}
    if isinstance(kpi, KpiDefinition):
        try:
            fields = measurement_values(kpi, data)
        except ValidationError as exc:
            errors.update({k: v for k, v in exc.message_dict.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    return fields


def _is_uniqueness_error(exc: ValidationError) -> bool:
    errors = exc.error_dict.get(NON_FIELD_ERRORS, []) if hasattr(exc, "error_dict") else exc.error_list
    return any(error.code == "unique" for error in errors)


def measurement_windows_reevaluate(measurement: Measurement) -> None:
    """After the commit, ask a worker to re-evaluate the SLA windows the measurement falls in, so a
    breach (or its retraction) shows at once rather than at the next hourly sweep. A broker that is
    down costs nothing here: the sweep catches up."""
    from apps.contracts.tasks import evaluate_measurement_windows
    from apps.core.tasks import enqueue

    enqueue(
        evaluate_measurement_windows, measurement.contract_id, measurement.kpi_id, measurement.period_end.isoformat()
    )


def measurement_record(*, actor: Any | None, data: Mapping[str, Any], source: str) -> tuple[Measurement, str]:
    """Upsert the measurement of (contract, KPI, period): ``created``, ``updated`` when the period was
    logged before with other figures, ``unchanged`` when it is a retry of the same figures (nothing is
    written). Race-safe: the existing row is locked; two concurrent first posts end in one insert and
    one update, never a duplicate or a 500."""
    if source not in MeasurementSource.values:
        raise ValueError(f"Unknown measurement source {source!r}.")
    fields = measurement_check(data)
    key = {name: data[name] for name in PERIOD_KEY}
    recorder = actor if getattr(actor, "pk", None) else None
    with audited(actor=actor, action="measurement_record"):
        for _attempt in range(UPSERT_ATTEMPTS):
            existing = Measurement.objects.select_for_update().filter(**key).first()
            if existing is not None:
                changed = {name: value for name, value in fields.items() if getattr(existing, name) != value}
                if not changed:
                    return existing, UNCHANGED
                for name, value in {**changed, "source": source, "recorded_by": recorder}.items():
                    setattr(existing, name, value)
                saved = save_validated(existing)
                measurement_windows_reevaluate(saved)
                return saved, UPDATED
            try:
                created = save_validated(Measurement(**key, **fields, source=source, recorded_by=recorder))
            except ConflictError:
                continue  # a concurrent request inserted this period first (the insert lost): update it
            except ValidationError as exc:
                if not _is_uniqueness_error(exc):
                    raise
                continue  # it committed between our lookup and our validation: update it
            measurement_windows_reevaluate(created)
            return created, CREATED
    raise ConflictError("The measurement kept changing concurrently; try again.")


def measurement_update(
    *, instance: Measurement, actor: Any | None, data: Mapping[str, Any], source: str | None = None
) -> Measurement:
    """Change a measurement; the result is checked as a whole (a new numerator recomputes a ratio's
    value). ``source`` records where the change came from (e.g. ``api``)."""
    merged: dict[str, Any] = {name: getattr(instance, name) for name in (*PERIOD_KEY, *MEASURED_FIELDS)}
    merged.update(data)
    kpi = merged["kpi"]
    if isinstance(kpi, KpiDefinition) and kpi.is_ratio and "value" not in data:
        merged["value"] = None  # computed again from the (possibly new) parts
    if isinstance(kpi, KpiDefinition) and not kpi.is_ratio:
        # A KPI changed from a ratio to a plain value: the old parts no longer apply.
        merged.update({name: data.get(name) for name in ("numerator", "denominator")})
    changes = {name: merged[name] for name in PERIOD_KEY} | measurement_check(merged)
    if source is not None:
        changes |= {"source": source, "recorded_by": actor if getattr(actor, "pk", None) else instance.recorded_by}
    return model_update(instance, actor=actor, data=changes, action="measurement_update")


def measurement_delete(*, instance: Measurement, actor: Any | None) -> None:
    """Delete a measurement; the SLA windows it counted in are re-evaluated (a breach it caused is
    retracted)."""
    with audited(actor=actor, action="measurement_delete"):
        model_delete(instance, actor=actor, action="measurement_delete")
        measurement_windows_reevaluate(instance)
