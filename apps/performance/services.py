"""Writes of the performance domain: SLA terms, the state changes of breaches, and measurements (one
at a time, in bulk, and the re-evaluation of the SLA windows they touch).

Every function here is one transaction (``apps.core.services``): it validates, saves and records the
audit context (who, which action); a refused change writes nothing. Side effects (the re-evaluation
task) are enqueued after the commit.

**Re-evaluation.** Every write of a measurement — the form and the entry grid, the API (one row, a
PATCH, a DELETE, the bulk upsert), the CSV import and the admin — ends in ``measurement_windows_reevaluate``:
after the commit one task (``kpis.reevaluate_measurement_windows``) re-evaluates the SLA windows the
written periods fall in, so a breach (or its retraction) shows at once rather than at the next hourly
sweep, which would catch up anyway.

**Ownership.** Measurements and breaches have an owner (``apps.vendors.ownership``): an engineering
manager logs, changes (the old contract and the new one), deletes and acts only for the engagements they
own. Each service below asks first; a bulk request or an import refuses such a row as that row's error.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.dates import local_date
from apps.core.errors import ApplicationError, ConflictError, transition_require
from apps.core.gates import require_reason
from apps.core.services import audited, model_create, model_delete, model_update, save_validated, status_change_record
from apps.core.sql import compose
from apps.core.tasks import enqueue
from apps.kpis.models import KpiDefinition
from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks.events import webhook_events_publish
from apps.performance.choices import BREACH_TRANSITIONS, TELEMETRY_KPI_CODES, BreachStatus, MeasurementSource
from apps.performance.models import Breach, Measurement, SlaTerm
from apps.performance.notices import BREACH_EVENT_SELECT, breach_webhook_event
from apps.performance.telemetry.coverage import telemetry_coverage
from apps.vendors import ownership

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
RECORD_RESULTS = (CREATED, UPDATED, UNCHANGED)
VALUE_PLACES = Decimal("0.0001")  # the 4 decimal places Measurement.value stores
# A value given alongside a ratio's numerator and denominator may differ from their quotient by the
# client's rounding, no more; beyond that the request contradicts itself and is refused.
RATIO_TOLERANCE = Decimal("0.01")
PERIOD_KEY = ("contract", "kpi", "period_start", "period_end")
MEASURED_FIELDS = ("value", "numerator", "denominator", "note")
UPSERT_ATTEMPTS = 3
# Measurement.value, numerator and denominator are numeric(16, 4): 12 digits before the point, 4 after.
MAX_DECIMAL_PLACES = 4
MAX_WHOLE_DIGITS = 12


# -- SLA terms -----------------------------------------------------------------------------------------------
def sla_term_create(*, actor: Any | None, data: Mapping[str, Any]) -> SlaTerm:
    return model_create(SlaTerm, actor=actor, data=data, action="sla_term_create")


def sla_term_update(*, instance: SlaTerm, actor: Any | None, data: Mapping[str, Any]) -> SlaTerm:
    return model_update(instance, actor=actor, data=data, action="sla_term_update")


def sla_term_delete(*, instance: SlaTerm, actor: Any | None) -> None:
    """Refused (409) once the term has evaluations or breaches: they are the record of what it measured."""
    model_delete(instance, actor=actor, action="sla_term_delete")


# -- breaches ----------------------------------------------------------------------------------------------
def _breach_status_label(status: str) -> str:
    return str(BreachStatus(status).label).lower()


# The moves people make that are webhook events (the engine's are published by the sweep, apps.performance.notices).
BREACH_WEBHOOK_EVENTS: dict[str, str] = {
    BreachStatus.RESOLVED: WebhookEventType.BREACH_RESOLVED,
    BreachStatus.WAIVED: WebhookEventType.BREACH_WAIVED,
}


def _breach_move(
    breach: Breach, to_status: str, actor: Any | None, *, reason: str = "", record: bool = False, **stamps: Any
) -> Breach:
    """Move ``breach`` to ``to_status`` as ``BREACH_TRANSITIONS`` allows, setting ``stamps`` (who, when,
    why). The row is locked and re-read; returns the saved breach. ``record``: a person's decision,
    kept as a ``StatusChange`` with its reason (the engine's retractions and re-openings are not).

    A person acts only on the breaches of the engagements they own when they are owner-scoped
    (``apps.vendors.ownership``): acknowledging, resolving and waiving alike (the engine has no actor)."""
    with audited(actor=actor, action=f"breach_{to_status}", reason=reason):
        current = Breach.objects.select_for_update(of=("self",)).select_related(*BREACH_EVENT_SELECT).get(pk=breach.pk)
        ownership.require_owner(actor, current)
        from_status = current.status
        transition_require(BREACH_TRANSITIONS, from_status, to_status, subject="A breach", label=_breach_status_label)
        current.status = to_status
        for name, value in stamps.items():
            setattr(current, name, value)
        saved = save_validated(current)
        if record:
            status_change_record(
                subject=saved, from_status=from_status, to_status=to_status, actor=actor, reason=reason
            )
        if to_status in BREACH_WEBHOOK_EVENTS:  # a person's decision: the endpoints that subscribe hear of it
            event = breach_webhook_event(
                saved, BREACH_WEBHOOK_EVENTS[to_status], reason=reason, key=str(saved.updated_at)
            )
            webhook_events_publish([event])
        return saved


def breach_acknowledge(*, breach: Breach, actor: Any) -> Breach:
    """Someone accountable has seen the breach and owns the follow-up."""
    return _breach_move(
        breach, BreachStatus.ACKNOWLEDGED, actor, record=True, acknowledged_at=timezone.now(), acknowledged_by=actor
    )


def breach_resolve(*, breach: Breach, actor: Any, reason: str) -> Breach:
    """The cause is dealt with (and the service credit settled): how, in ``reason`` (400 without it),
    kept as the breach's resolution note."""
    reason = require_reason(reason, what="Resolving a breach")
    return _breach_move(
        breach,
        BreachStatus.RESOLVED,
        actor,
        reason=reason,
        record=True,
        resolved_at=timezone.now(),
        resolved_by=actor,
        resolution_note=reason,
    )


def breach_waive(*, breach: Breach, actor: Any, reason: str) -> Breach:
    """No credit is claimed, for a stated reason (e.g. our own outage caused it)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A waiver needs its reason.", field="reason")
    return _breach_move(
        breach,
        BreachStatus.WAIVED,
        actor,
        reason=reason,
        record=True,
        waived_at=timezone.now(),
        waived_by=actor,
        waiver_reason=reason,
    )


def breach_retract(*, breach: Breach, actor: Any | None = None) -> Breach:
    """Late data made the window met: the breach stays on record as retracted, never deleted."""
    return _breach_move(breach, BreachStatus.RETRACTED, actor, retracted_at=timezone.now())


def breach_restate(*, breach: Breach, value: Decimal, credit_amount: Decimal) -> Breach:
    """Late data changed a still-breached window: the breach carries the new value and credit owed."""
    with audited(actor=None, action="breach_restate"):
        current = Breach.objects.select_for_update().get(pk=breach.pk)
        current.value, current.credit_amount = value, credit_amount
        return save_validated(current)


def breach_reopen(*, breach: Breach, actor: Any | None = None) -> Breach:
    """Later data made a retracted window breached again."""
    return _breach_move(breach, BreachStatus.OPEN, actor, retracted_at=None)


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


def _digits_error(number: Decimal) -> str | None:
    """Whether ``number`` fits the measurement columns (``numeric(16, 4)``) exactly."""
    _sign, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)  # finite numbers only
    if -exponent > MAX_DECIMAL_PLACES:
        return f"Ensure that there are no more than {MAX_DECIMAL_PLACES} decimal places."
    if len(digits) + exponent > MAX_WHOLE_DIGITS:
        return f"Ensure that there are no more than {MAX_WHOLE_DIGITS} digits before the decimal point."
    return None


def measurement_values(kpi: KpiDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """The measured fields of a measurement of ``kpi``, checked and completed; field errors raise a
    ``ValidationError`` dict (400). Ratio KPIs take numerator and denominator and their value is
    ``numerator ÷ denominator × multiplier`` (4 dp); the others take a value and nothing else.

    Needs no query: the single-row upsert and the bulk one (``measurement_bulk_upsert``) both run it."""
    errors: dict[str, str] = {}
    value, numerator, denominator = (_decimal(data.get(name)) for name in ("value", "numerator", "denominator"))
    for name, number in (("value", value), ("numerator", numerator), ("denominator", denominator)):
        if number is not None and not number.is_finite():
            errors[name] = "Enter a number."
        elif number is not None and (problem := _digits_error(number)):
            errors[name] = problem
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
            if _digits_error(computed):
                errors["numerator"] = "numerator ÷ denominator is too large to store."
            elif value is not None and abs(value - computed) > RATIO_TOLERANCE:
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


@dataclass(frozen=True)
class MeasuredContract:
    """What the measurement rules read of the contract a measurement is logged for: its status and the
    days it runs. (Who may log it is ``apps.vendors.ownership``'s question.)"""

    status: str
    start: date
    end: date | None


def measured_contract(contract: Any) -> MeasuredContract | None:
    """What the rules read of a contract instance (None for an id or nothing: the caller did not read it)."""
    if getattr(contract, "start_date", None) is None:
        return None
    return MeasuredContract(contract.status, contract.start_date, contract.end_date)


def _period_errors(data: Mapping[str, Any], today: date | None = None) -> dict[str, str]:
    start, end = data.get("period_start"), data.get("period_end")
    if start is None or end is None:
        return {name: "This field is required." for name in ("period_start", "period_end") if data.get(name) is None}
    if end < start:
        return {"period_end": "The period cannot end before it starts."}
    if end > (today or timezone.localdate()):
        return {"period_end": "The period cannot end in the future: log a period once it is over."}
    measured = data.get("measured_contract") or measured_contract(data.get("contract"))
    if measured is not None:
        if measured.status == ContractStatus.DRAFT:
            return {"contract": "The contract is a draft: log its measurements once it is active."}
        if end < measured.start or (measured.end is not None and start > measured.end):
            runs = f"from {measured.start:%-d %b %Y}" + (f" to {measured.end:%-d %b %Y}" if measured.end else "")
            return {"period_end": f"The contract runs {runs}: this period is outside it."}
    return {}


def measurement_check(data: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Every rule of a measurement (period, KPI, value or ratio parts, bounds) at once, so one answer
    lists every field at fault; returns the measured fields (value computed for a ratio).

    ``data`` names the KPI by its instance and the contract by its instance or id: the caller resolved
    them (one query for any number of rows in the bulk upsert), so this runs no query. ``today``
    (default: the local date) bounds the period end; a bulk caller reads the clock once."""
    errors: dict[str, Any] = dict(_period_errors(data, today))
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


_MEASURED_CONTRACT_FIELDS = ("status", "start_date", "end_date")


def _measured_contract_of(contract: Any) -> MeasuredContract | None:
    """What the rules read of a contract given as an instance or an id (one query)."""
    if contract is None:
        return None
    row = Contract.objects.filter(pk=getattr(contract, "pk", contract)).values_list(*_MEASURED_CONTRACT_FIELDS).first()
    return MeasuredContract(*row) if row else None


def _contract_check(data: Mapping[str, Any]) -> dict[str, Any]:
    """``measurement_check`` of ``data`` with what the rules read of its contract (one query)."""
    return measurement_check({**data, "measured_contract": _measured_contract_of(data.get("contract"))})


def _telemetry_coverage_of(contract_ids: Iterable[Any], kpis: Iterable[KpiDefinition | None]) -> dict[int, Any]:
    """What delivery telemetry measures for these contracts (``telemetry.coverage``: one query), or
    nothing without a query when none of the KPIs is one telemetry can measure."""
    if not any(kpi is not None and kpi.code in TELEMETRY_KPI_CODES for kpi in kpis):
        return {}
    ids = {getattr(contract, "pk", contract) for contract in contract_ids if contract is not None}
    return telemetry_coverage(contract_ids=ids) if ids else {}


def _telemetry_refusal(coverage: Mapping[int, Any], contract: Any, kpi: Any, period_end: Any) -> str | None:
    """One source of truth per contract and KPI (docs/telemetry/metrics.md): a value of a KPI an active
    binding measures, for a period ending on or after its ``covers_from``, comes from telemetry only."""
    if not isinstance(kpi, KpiDefinition) or not isinstance(period_end, date):
        return None
    covered = coverage.get(getattr(contract, "pk", contract), {}).get(kpi.code)
    if covered is None or period_end < covered.covers_from:
        return None
    return (
        f"Delivery telemetry measures {kpi.name} for this contract from {covered.covers_from:%-d %b %Y} "
        f"({covered.binding_label}): its values come from the vendor's tools."
    )


def _telemetry_refuse(data: Mapping[str, Any], source: str | None) -> None:
    """Raise the refusal of a manual value (any source but telemetry) that telemetry covers."""
    if source == MeasurementSource.TELEMETRY:
        return
    coverage = _telemetry_coverage_of([data.get("contract")], [data.get("kpi")])
    if message := _telemetry_refusal(coverage, data.get("contract"), data.get("kpi"), data.get("period_end")):
        raise ValidationError({"kpi": message})


def _is_uniqueness_error(exc: ValidationError) -> bool:
    errors = exc.error_dict.get(NON_FIELD_ERRORS, []) if hasattr(exc, "error_dict") else exc.error_list
    return any(error.code == "unique" for error in errors)


def measurement_record(*, actor: Any | None, data: Mapping[str, Any], source: str) -> tuple[Measurement, str]:
    """Upsert the measurement of (contract, KPI, period): ``created``, ``updated`` when the period was
    logged before with other figures, ``unchanged`` when it is a retry of the same figures (nothing is
    written). Race-safe: the existing row is locked; two concurrent first posts end in one insert and
    one update, never a duplicate or a 500. An owner-scoped actor logs only the engagements they own
    (403 otherwise: ``apps.vendors.ownership``)."""
    if source not in MeasurementSource.values:
        raise ValueError(f"Unknown measurement source {source!r}.")
    ownership.require_owner_of_new(actor, Measurement, data)
    fields = _contract_check(data)
    _telemetry_refuse(data, source)
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
                measurement_windows_reevaluate(periods=[_period_of(saved)])
                return saved, UPDATED
            try:
                created = save_validated(Measurement(**key, **fields, source=source, recorded_by=recorder))
            except ConflictError:
                continue  # a concurrent request inserted this period first (the insert lost): update it
            except ValidationError as exc:
                if not _is_uniqueness_error(exc):
                    raise
                continue  # it committed between our lookup and our validation: update it
            measurement_windows_reevaluate(periods=[_period_of(created)])
            return created, CREATED
    raise ConflictError("The measurement kept changing concurrently; try again.")


def measurement_update(
    *, instance: Measurement, actor: Any | None, data: Mapping[str, Any], source: str | None = None
) -> Measurement:
    """Change a measurement; the result is checked as a whole (a new numerator recomputes a ratio's
    value). ``source`` records where the change came from (e.g. ``api``). An owner-scoped actor must
    own the engagement the measurement is logged for, and the one a new ``contract`` moves it to (403:
    ``apps.vendors.ownership``); ``instance`` is the stored measurement."""
    ownership.require_owner_of_change(actor, instance, data)
    merged: dict[str, Any] = {name: getattr(instance, name) for name in (*PERIOD_KEY, *MEASURED_FIELDS)}
    merged.update(data)
    kpi = merged["kpi"]
    if isinstance(kpi, KpiDefinition) and kpi.is_ratio and "value" not in data:
        merged["value"] = None  # computed again from the (possibly new) parts
    if isinstance(kpi, KpiDefinition) and not kpi.is_ratio:
        # A KPI changed from a ratio to a plain value: the old parts no longer apply.
        merged.update({name: data.get(name) for name in ("numerator", "denominator")})
    checked = _contract_check(merged)
    _telemetry_refuse(merged, source)
    changes = {name: merged[name] for name in PERIOD_KEY} | checked
    if source is not None:
        changes |= {"source": source, "recorded_by": actor if getattr(actor, "pk", None) else instance.recorded_by}
    before = _period_of(instance)
    with audited(actor=actor, action="measurement_update"):
        saved = model_update(instance, actor=actor, data=changes, action="measurement_update")
        # The windows it left (a new period, KPI or contract) and the one it is in now.
        measurement_windows_reevaluate(periods=[before, _period_of(saved)])
    return saved


def measurement_delete(*, instance: Measurement, actor: Any | None) -> None:
    """Delete a measurement; the SLA windows it counted in are re-evaluated (a breach it caused is
    retracted). An owner-scoped actor deletes only those of the engagements they own (403)."""
    ownership.require_owner(actor, instance)
    period = _period_of(instance)
    with audited(actor=actor, action="measurement_delete"):
        model_delete(instance, actor=actor, action="measurement_delete")
        measurement_windows_reevaluate(periods=[period])


def measurement_telemetry_delete(*, ids: Iterable[int]) -> int:
    """Delete telemetry measurements delivery telemetry no longer produces — a week's partial row
    replaced by a longer one, a KPI its bindings stopped measuring, a period whose events are gone —
    and re-evaluate the SLA windows they counted in (a breach they caused is retracted). Only rows of
    source telemetry: a person's values are never deleted here. Answers how many were deleted."""
    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return 0
    with audited(actor=None, action="measurement_telemetry_delete"):
        stale = Measurement.objects.select_for_update().filter(pk__in=wanted, source=MeasurementSource.TELEMETRY)
        periods = list(stale.values_list("contract_id", "kpi_id", "period_end"))
        if periods:
            Measurement.objects.filter(pk__in=wanted, source=MeasurementSource.TELEMETRY).delete()
            measurement_windows_reevaluate(periods=periods)
    return len(periods)


# -- bulk upsert (the bulk API and the CSV import) ----------------------------------------------------------
ERROR = "error"
BULK_RESULTS = (*RECORD_RESULTS, ERROR)
_MAX_ID = 2**63 - 1  # a bigint: a larger "id" is not one, and must not reach the database as a parameter
NON_FIELD_KEY = "non_field_errors"  # where the API puts an error about a row as a whole (DRF's key)


@dataclass(frozen=True)
class RowResult:
    """What happened to one row of a bulk upsert: ``created`` / ``updated`` / ``unchanged`` with the
    measurement's id, or ``error`` with field-keyed messages (nothing was written for that row)."""

    index: int
    status: str
    id: int | None = None
    errors: dict[str, list[str]] | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.errors is not None:
            return {"index": self.index, "status": self.status, "errors": self.errors}
        return {"index": self.index, "status": self.status, "id": self.id}


@dataclass
class _Row:
    """One bulk row on its way: the values read from the input, then the checked fields."""

    index: int
    contract_id: int | None = None
    kpi_ref: int | str | None = None
    period_start: date | None = None
    period_end: date | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    kpi: KpiDefinition | None = None
    readable: bool = True  # False: not a row at all (no fields to check)


def _row_id(value: Any) -> int | None:
    """A primary key given as a number or as digits; anything else (``True``, ``"7a"``, ``-1``) is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
    return value if isinstance(value, int) and 0 < value <= _MAX_ID else None


def _row_date(value: Any) -> date:
    """A date, or a timestamp read as the date it falls on in ``TIME_ZONE`` (as the single-row API's
    ``LocalDateField``); ``ValueError`` otherwise."""
    if isinstance(value, date | str):
        return local_date(value)
    raise ValueError(value)


def _row_read(index: int, raw: Any) -> _Row:
    """The shape of one row (types, dates, the KPI reference); the rules are ``measurement_check``'s."""
    row = _Row(index=index)
    if not isinstance(raw, Mapping):
        row.errors[NON_FIELD_KEY] = "Each row must be an object with the measurement's fields."
        row.readable = False
        return row
    contract = raw.get("contract")
    row.contract_id = _row_id(contract)
    if contract is None or contract == "":
        row.errors["contract"] = "This field is required."
    elif row.contract_id is None:
        row.errors["contract"] = "Give the contract's id (a number)."
    kpi = raw.get("kpi")
    if isinstance(kpi, str) and kpi.strip() and not (kpi.strip().isascii() and kpi.strip().isdigit()):
        row.kpi_ref = kpi.strip()
    else:
        row.kpi_ref = _row_id(kpi)
        if kpi is None or kpi == "":
            row.errors["kpi"] = "This field is required."
        elif row.kpi_ref is None:
            row.errors["kpi"] = "Name the KPI (its id or code)."
    for name in ("period_start", "period_end"):
        value = raw.get(name)
        if value is None or value == "":
            continue
        try:
            setattr(row, name, _row_date(value))
        except (ValueError, TypeError, OverflowError):
            row.errors[name] = "Enter a date as YYYY-MM-DD, or an ISO 8601 timestamp."
    for name in ("value", "numerator", "denominator"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal | None):
            row.errors[name] = "Enter a number."
        else:
            row.numbers[name] = repr(value) if isinstance(value, float) else value
    note = raw.get("note")
    if note is None:
        note = ""
    if not isinstance(note, str | int | float) or isinstance(note, bool):
        row.errors["note"] = "Give the note as text."
    elif "\x00" in (note := str(note)):
        row.errors["note"] = "Null characters are not allowed."
    else:
        row.note = note
    return row


def _index_label(index: int) -> str:
    return f"the row with index {index}"


def measurement_bulk_check(
    rows: Sequence[Any], *, label: Callable[[int], str] = _index_label, actor: Any = None, source: str | None = None
) -> list[_Row]:
    """Read and check every row with the single-row rules (``measurement_check``), in two queries for
    any number of rows: the KPIs they name (by id or code) and the contracts — and, for an owner-scoped
    ``actor``, a third: the contracts they may not log (``apps.vendors.ownership``). A row's ``errors``
    are empty when it may be written; its ``fields`` are then the checked values.

    A later row with the same contract, KPI and period as an earlier valid one is an error (``label``
    names the earlier one in the message): one request says one thing per period, so the first is
    written and a retry of the whole request still changes nothing.

    Unless ``source`` is telemetry, a row of a KPI that delivery telemetry measures for its contract
    (an active binding's, for periods ending on or after its ``covers_from``) is refused naming the
    binding: one more query for any number of rows (``telemetry.coverage``)."""
    today = timezone.localdate()
    read = [_row_read(index, raw) for index, raw in enumerate(rows)]
    kpi_ids = {row.kpi_ref for row in read if isinstance(row.kpi_ref, int)}
    kpi_codes = {row.kpi_ref for row in read if isinstance(row.kpi_ref, str)}
    kpis_by_id: dict[int, KpiDefinition] = {}
    kpis_by_code: dict[str, KpiDefinition] = {}
    if kpi_ids or kpi_codes:
        for kpi in KpiDefinition.objects.filter(Q(pk__in=kpi_ids) | Q(code__in=kpi_codes)):
            kpis_by_id[kpi.pk] = kpi
            kpis_by_code[kpi.code] = kpi
    contract_ids = {row.contract_id for row in read if row.contract_id is not None}
    known_contracts = {
        pk: MeasuredContract(*facts)
        for pk, *facts in Contract.objects.filter(pk__in=contract_ids)
        .order_by()
        .values_list("pk", *_MEASURED_CONTRACT_FIELDS)
    }
    # Rows for engagements an owner-scoped actor does not own are errors (one query: ``apps.vendors.ownership``).
    refused = ownership.refused_parents(actor, Measurement, known_contracts)
    coverage = (
        {} if source == MeasurementSource.TELEMETRY else _telemetry_coverage_of(known_contracts, [*kpis_by_id.values()])
    )
    first_of_key: dict[tuple[Any, ...], int] = {}
    for row in read:
        if not row.readable:
            continue
        ref = row.kpi_ref
        row.kpi = kpis_by_id.get(ref) if isinstance(ref, int) else kpis_by_code.get(ref) if ref else None
        if ref is not None and row.kpi is None:
            row.errors["kpi"] = f"No KPI with code “{ref}”." if isinstance(ref, str) else f"No KPI with id {ref}."
        if row.contract_id is not None and row.contract_id not in known_contracts:
            row.errors["contract"] = f"No contract with id {row.contract_id}."
        data = {
            **row.numbers,
            "contract": row.contract_id,
            "kpi": row.kpi,
            "period_start": row.period_start,
            "period_end": row.period_end,
            "note": row.note,
            "measured_contract": known_contracts.get(row.contract_id) if row.contract_id is not None else None,
        }
        if row.contract_id in refused:
            row.errors["contract"] = refused[row.contract_id]
        try:
            row.fields = measurement_check(data, today=today)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row.errors.setdefault(NON_FIELD_KEY if name == NON_FIELD_ERRORS else name, " ".join(messages))
        if not row.errors and (message := _telemetry_refusal(coverage, row.contract_id, row.kpi, row.period_end)):
            row.errors["kpi"] = message
        if row.errors:
            continue
        assert row.kpi is not None
        key = (row.contract_id, row.kpi.pk, row.period_start, row.period_end)
        first = first_of_key.setdefault(key, row.index)
        if first != row.index:
            row.errors[NON_FIELD_KEY] = f"Same contract, KPI and period as {label(first)}: only that one is saved."
    return read


# One statement whatever the number of rows. The rows arrive as one JSON document. A row whose period
# exists with the same figures is ``unchanged`` and not even attempted (no row lock, no write, no audit
# event): a retried request reads and writes nothing else. The others are inserted, or update their
# period when its figures differ; ``xmax = 0`` tells an inserted row from an updated one. A row in
# neither set lost a race to a concurrent request that wrote the same figures (its id is read after).
# The table and its columns are Measurement's ({m.contract} is its contract column: apps.core.sql).
_BULK_UPSERT_SQL = compose(
    """
WITH input AS (
    SELECT * FROM json_to_recordset(%s::json) AS t(
        idx integer, contract_id bigint, kpi_id bigint, period_start date, period_end date,
        value numeric, numerator numeric, denominator numeric, note text
    )
), same AS (
    SELECT i.idx, e.{m.id} AS id
    FROM input i
    JOIN {m} e
        ON (e.{m.contract}, e.{m.kpi}, e.{m.period_start}, e.{m.period_end})
         = (i.contract_id, i.kpi_id, i.period_start, i.period_end)
    WHERE (e.{m.value}, e.{m.numerator}, e.{m.denominator}, e.{m.note})
        IS NOT DISTINCT FROM (i.value, i.numerator, i.denominator, i.note)
), written AS (
    INSERT INTO {m} AS m (
        {m.contract}, {m.kpi}, {m.period_start}, {m.period_end}, {m.value}, {m.numerator}, {m.denominator},
        {m.note}, {m.source}, {m.recorded_by}, {m.created_at}, {m.updated_at}
    )
    SELECT contract_id, kpi_id, period_start, period_end, value, numerator, denominator, note,
           %s, %s, statement_timestamp(), statement_timestamp()
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM same s WHERE s.idx = i.idx)
    ORDER BY contract_id, kpi_id, period_start, period_end
    ON CONFLICT ({m.contract}, {m.kpi}, {m.period_start}, {m.period_end}) DO UPDATE SET
        {m.value} = EXCLUDED.{m.value},
        {m.numerator} = EXCLUDED.{m.numerator},
        {m.denominator} = EXCLUDED.{m.denominator},
        {m.note} = EXCLUDED.{m.note},
        {m.source} = EXCLUDED.{m.source},
        {m.recorded_by} = EXCLUDED.{m.recorded_by},
        {m.updated_at} = EXCLUDED.{m.updated_at}
    WHERE (m.{m.value}, m.{m.numerator}, m.{m.denominator}, m.{m.note})
        IS DISTINCT FROM (EXCLUDED.{m.value}, EXCLUDED.{m.numerator}, EXCLUDED.{m.denominator}, EXCLUDED.{m.note})
    RETURNING m.{m.id} AS id, m.{m.contract} AS contract_id, m.{m.kpi} AS kpi_id, m.{m.period_start} AS period_start,
              m.{m.period_end} AS period_end, (m.xmax = 0) AS inserted
)
SELECT i.idx, COALESCE(w.id, s.id), w.id IS NOT NULL, COALESCE(w.inserted, false)
FROM input i
LEFT JOIN written w
    ON (w.contract_id, w.kpi_id, w.period_start, w.period_end)
     = (i.contract_id, i.kpi_id, i.period_start, i.period_end)
LEFT JOIN same s ON s.idx = i.idx
""",
    m=Measurement,
)

# The audit triggers ask ``_pgtrigger_should_ignore()`` whether to skip, which reads the setting
# ``pgtrigger.ignore`` inside an exception block: where the setting is undefined, every row raises and
# rolls back a subtransaction, and each rollback scans every deferred trigger event of the transaction
# (Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: three per measurement). Per statement that is
# quadratic in its rows: 5,000 rows took seconds. Defining the setting as "ignore nothing" for this
# transaction (unless pgtrigger.ignore() already set it) keeps every trigger firing and the cost linear.
_TRIGGER_IGNORE_DEFINED_SQL = """
SELECT set_config('pgtrigger.ignore', '{}', true)
WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''
"""


def _number_text(number: Decimal | None) -> str | None:
    return None if number is None else format(number, "f")


def _bulk_write(valid: Sequence[_Row], *, source: str, recorder_id: int | None) -> dict[int, tuple[int, str]]:
    """Upsert the checked rows in one statement: ``{index: (id, created|updated|unchanged)}``."""
    document = json.dumps(
        [
            {
                "idx": row.index,
                "contract_id": row.contract_id,
                "kpi_id": row.kpi.pk,  # type: ignore[union-attr]  # a valid row has its KPI
                "period_start": row.period_start.isoformat(),  # type: ignore[union-attr]  # a valid row has its period
                "period_end": row.period_end.isoformat(),  # type: ignore[union-attr]  # a valid row has its period
                "value": _number_text(row.fields["value"]),
                "numerator": _number_text(row.fields["numerator"]),
                "denominator": _number_text(row.fields["denominator"]),
                "note": row.fields["note"],
            }
            for row in valid
        ],
        separators=(",", ":"),
    )
    outcome: dict[int, tuple[int, str]] = {}
    missing: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(_TRIGGER_IGNORE_DEFINED_SQL)
        cursor.execute(_BULK_UPSERT_SQL, [document, source, recorder_id])
        for index, pk, written, inserted in cursor.fetchall():
            if pk is None:  # a concurrent request inserted the same figures after our snapshot was taken
                missing.append(index)
                continue
            outcome[index] = (pk, (CREATED if inserted else UPDATED) if written else UNCHANGED)
    if missing:  # rare (a race): one more query reads their ids
        by_index = {row.index: row for row in valid}
        keys: dict[tuple[Any, ...], int] = {
            (by_index[i].contract_id, by_index[i].kpi.pk, by_index[i].period_start, by_index[i].period_end): i  # type: ignore[union-attr]  # a valid row has its contract, KPI and period
            for i in missing
        }
        matches = Q()
        for contract_id, kpi_id, start, end in keys:
            matches |= Q(contract_id=contract_id, kpi_id=kpi_id, period_start=start, period_end=end)
        for pk, *key in Measurement.objects.filter(matches).values_list(
            "pk", "contract_id", "kpi_id", "period_start", "period_end"
        ):
            outcome[keys[tuple(key)]] = (pk, UNCHANGED)
    return outcome


def measurement_bulk_upsert(
    *, actor: Any | None, rows: Sequence[Any], source: str, action: str = "measurement_bulk_upsert"
) -> list[RowResult]:
    """Upsert many measurements on (contract, KPI, period), each row checked with the single-row rules.

    Valid rows are written even when others are refused; the answer has one ``RowResult`` per row, in
    order. A constant number of statements whatever the number of rows: the KPIs, the contracts, the
    upsert (``INSERT … ON CONFLICT … DO UPDATE … WHERE changed … RETURNING``) and, when something was
    written, the SLA terms to re-evaluate. A retry of the same rows answers ``unchanged`` everywhere and
    writes nothing. The audit trail records each row as ``action`` by ``actor``. After the commit, one
    task re-evaluates the SLA windows the created or updated rows fall in (``measurement_bulk_check``
    explains duplicates within one request)."""
    if source not in MeasurementSource.values:
        raise ValueError(f"Unknown measurement source {source!r}.")
    checked = measurement_bulk_check(rows, actor=actor, source=source)
    valid = [row for row in checked if not row.errors]
    outcome: dict[int, tuple[int, str]] = {}
    if valid:
        with audited(actor=actor, action=action):
            outcome = _bulk_write(valid, source=source, recorder_id=getattr(actor, "pk", None))
            written = [row for row in valid if outcome[row.index][1] != UNCHANGED]
            if written:
                measurement_windows_reevaluate(
                    periods=[
                        (row.contract_id, row.kpi.pk, row.period_end)  # type: ignore[misc, union-attr]  # a valid row has its contract, KPI and period
                        for row in written
                    ]
                )
    results = []
    for row in checked:
        if row.errors:
            errors = {name: [message] for name, message in row.errors.items()}
            results.append(RowResult(index=row.index, status=ERROR, errors=errors))
        else:
            pk, status = outcome[row.index]
            results.append(RowResult(index=row.index, status=status, id=pk))
    return results


def bulk_summary(results: Iterable[RowResult]) -> dict[str, int]:
    """How many rows ended in each state: ``{"created": n, "updated": n, "unchanged": n, "errors": n}``."""
    counts = Counter(result.status for result in results)
    return {CREATED: counts[CREATED], UPDATED: counts[UPDATED], UNCHANGED: counts[UNCHANGED], "errors": counts[ERROR]}


# -- re-evaluating the SLA windows that writes touched ------------------------------------------------------
def _period_of(measurement: Measurement) -> tuple[int, int, date]:
    """(contract id, KPI id, period end): what places a measurement in its SLA windows."""
    return (measurement.contract_id, measurement.kpi_id, measurement.period_end)


def measurement_windows_reevaluate(*, periods: Iterable[tuple[int, int, date]]) -> None:
    """The one entry point of re-evaluation: after the commit, one task (``kpis.reevaluate_measurement_
    windows``) re-evaluates the SLA windows these (contract, KPI, period end)s fall in, for the pairs an
    SLA term measures (one query finds them) — one task per write, however many rows it wrote. A broker
    that is down costs the write nothing: the hourly sweep catches up."""
    # tasks → sla → services: the task module is read when a write needs it, not when this one loads.
    from apps.performance.tasks import reevaluate_measurement_windows

    distinct = set(periods)
    if not distinct:
        return
    measured = set(
        SlaTerm.objects.filter(
            contract_id__in={contract for contract, _kpi, _day in distinct},
            kpi_id__in={kpi for _contract, kpi, _day in distinct},
        )
        .order_by()
        .values_list("contract_id", "kpi_id")
        .distinct()
    )
    due = sorted([contract, kpi, day.isoformat()] for contract, kpi, day in distinct if (contract, kpi) in measured)
    if due:
        enqueue(reevaluate_measurement_windows, due)
