"""Writes of KPI definitions, performance bands and measurements."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.contracts.choices import ContractStatus
from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.services import audited, model_create, model_delete, model_update, save_validated
from apps.kpis import selectors
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
# Measurement.value, numerator and denominator are numeric(16, 4): 12 digits before the point, 4 after.
MAX_DECIMAL_PLACES = 4
MAX_WHOLE_DIGITS = 12


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
class ContractTerm:
    """What the measurement rules read of a contract: its status, the days it runs, and who owns the
    engagement (its vendor's engineering and delivery owners)."""

    status: str
    start: date
    end: date | None
    engineering_owner_id: int | None = None
    delivery_owner_id: int | None = None


OWNER_ONLY_MESSAGE = "You log KPIs only for the engagements you own (as their vendor's engineering or delivery owner)."


def _ownership_error(actor: Any, term: ContractTerm | None) -> dict[str, str]:
    """An engineering manager logs KPIs only for the engagements they own (``selectors.owned_only``)."""
    if term is None or actor is None or not selectors.owned_only(actor):
        return {}
    owners = {"engineering_owner_id": term.engineering_owner_id, "delivery_owner_id": term.delivery_owner_id}
    return {} if selectors.owns_engagement(actor, **owners) else {"contract": OWNER_ONLY_MESSAGE}


def contract_term(contract: Any) -> ContractTerm | None:
    """The term of a contract instance (None for an id or nothing: the caller did not read it)."""
    if getattr(contract, "start_date", None) is None:
        return None
    return ContractTerm(contract.status, contract.start_date, contract.end_date)


def _period_errors(data: Mapping[str, Any], today: date | None = None) -> dict[str, str]:
    start, end = data.get("period_start"), data.get("period_end")
    if start is None or end is None:
        return {name: "This field is required." for name in ("period_start", "period_end") if data.get(name) is None}
    if end < start:
        return {"period_end": "The period cannot end before it starts."}
    if end > (today or timezone.localdate()):
        return {"period_end": "The period cannot end in the future: log a period once it is over."}
    term = data.get("contract_term") or contract_term(data.get("contract"))
    if term is not None:
        if term.status == ContractStatus.DRAFT:
            return {"contract": "The contract is a draft: log its measurements once it is active."}
        if end < term.start or (term.end is not None and start > term.end):
            runs = f"from {term.start:%-d %b %Y}" + (f" to {term.end:%-d %b %Y}" if term.end else "")
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


_TERM_FIELDS = ("status", "start_date", "end_date", "vendor__engineering_owner_id", "vendor__delivery_owner_id")


def _term_of(contract: Any) -> ContractTerm | None:
    """The term of a contract given as an instance or an id (one query)."""
    if contract is None:
        return None
    row = _contract_model().objects.filter(pk=getattr(contract, "pk", contract)).values_list(*_TERM_FIELDS).first()
    return ContractTerm(*row) if row else None


def _owned_check(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """``measurement_check`` of ``data`` with its contract's term, refusing (403) an engagement the actor
    does not own."""
    term = _term_of(data.get("contract"))
    if errors := _ownership_error(actor, term):
        raise PermissionDeniedError(errors["contract"])
    return measurement_check({**data, "contract_term": term})


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
    fields = _owned_check(actor, data)
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
    checked = _owned_check(actor, merged)
    changes = {name: merged[name] for name in PERIOD_KEY} | checked
    if source is not None:
        changes |= {"source": source, "recorded_by": actor if getattr(actor, "pk", None) else instance.recorded_by}
    return model_update(instance, actor=actor, data=changes, action="measurement_update")


def measurement_delete(*, instance: Measurement, actor: Any | None) -> None:
    """Delete a measurement; the SLA windows it counted in are re-evaluated (a breach it caused is
    retracted)."""
    with audited(actor=actor, action="measurement_delete"):
        model_delete(instance, actor=actor, action="measurement_delete")
        measurement_windows_reevaluate(instance)


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
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        if "T" not in text and " " not in text:
            parsed = parse_date(text)
            if parsed is None:
                raise ValueError(text)
            return parsed
        moment = parse_datetime(text)  # type: ignore[assignment]
        if moment is None:
            raise ValueError(text)
    else:
        raise ValueError(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).date()


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
    rows: Sequence[Any], *, label: Callable[[int], str] = _index_label, actor: Any = None
) -> list[_Row]:
    """Read and check every row with the single-row rules (``measurement_check``), in two queries for
    any number of rows: the KPIs they name (by id or code) and the contracts. A row's ``errors`` are
    empty when it may be written; its ``fields`` are then the checked values.

    A later row with the same contract, KPI and period as an earlier valid one is an error (``label``
    names the earlier one in the message): one request says one thing per period, so the first is
    written and a retry of the whole request still changes nothing."""
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
        pk: ContractTerm(*term)
        for pk, *term in _contract_model()
        .objects.filter(pk__in=contract_ids)
        .order_by()
        .values_list("pk", *_TERM_FIELDS)
    }
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
            "contract_term": known_contracts.get(row.contract_id) if row.contract_id is not None else None,
        }
        if row.contract_id in known_contracts and (
            owner_error := _ownership_error(actor, known_contracts[row.contract_id])
        ):
            row.errors.update(owner_error)
        try:
            row.fields = measurement_check(data, today=today)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row.errors.setdefault(NON_FIELD_KEY if name == NON_FIELD_ERRORS else name, " ".join(messages))
        if row.errors:
            continue
        assert row.kpi is not None
        key = (row.contract_id, row.kpi.pk, row.period_start, row.period_end)
        first = first_of_key.setdefault(key, row.index)
        if first != row.index:
            row.errors[NON_FIELD_KEY] = f"Same contract, KPI and period as {label(first)}: only that one is saved."
    return read


def _contract_model() -> Any:
    from apps.contracts.models import Contract

    return Contract


# One statement whatever the number of rows. The rows arrive as one JSON document. A row whose period
# exists with the same figures is ``unchanged`` and not even attempted (no row lock, no write, no audit
# event): a retried request reads and writes nothing else. The others are inserted, or update their
# period when its figures differ; ``xmax = 0`` tells an inserted row from an updated one. A row in
# neither set lost a race to a concurrent request that wrote the same figures (its id is read after).
_BULK_UPSERT_SQL = """
WITH input AS (
    SELECT * FROM json_to_recordset(%s::json) AS t(
        idx integer, contract_id bigint, kpi_id bigint, period_start date, period_end date,
        value numeric, numerator numeric, denominator numeric, note text
    )
), same AS (
    SELECT i.idx, e.id
    FROM input i
    JOIN kpis_measurement e
        ON (e.contract_id, e.kpi_id, e.period_start, e.period_end)
         = (i.contract_id, i.kpi_id, i.period_start, i.period_end)
    WHERE (e.value, e.numerator, e.denominator, e.note)
        IS NOT DISTINCT FROM (i.value, i.numerator, i.denominator, i.note)
), written AS (
    INSERT INTO kpis_measurement AS m (
        contract_id, kpi_id, period_start, period_end, value, numerator, denominator, note,
        source, recorded_by_id, created_at, updated_at
    )
    SELECT contract_id, kpi_id, period_start, period_end, value, numerator, denominator, note,
           %s, %s, statement_timestamp(), statement_timestamp()
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM same s WHERE s.idx = i.idx)
    ORDER BY contract_id, kpi_id, period_start, period_end
    ON CONFLICT (contract_id, kpi_id, period_start, period_end) DO UPDATE SET
        value = EXCLUDED.value,
        numerator = EXCLUDED.numerator,
        denominator = EXCLUDED.denominator,
        note = EXCLUDED.note,
        source = EXCLUDED.source,
        recorded_by_id = EXCLUDED.recorded_by_id,
        updated_at = EXCLUDED.updated_at
    WHERE (m.value, m.numerator, m.denominator, m.note)
        IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.numerator, EXCLUDED.denominator, EXCLUDED.note)
    RETURNING m.id, m.contract_id, m.kpi_id, m.period_start, m.period_end, (m.xmax = 0) AS inserted
)
SELECT i.idx, COALESCE(w.id, s.id), w.id IS NOT NULL, COALESCE(w.inserted, false)
FROM input i
LEFT JOIN written w
    ON (w.contract_id, w.kpi_id, w.period_start, w.period_end)
     = (i.contract_id, i.kpi_id, i.period_start, i.period_end)
LEFT JOIN same s ON s.idx = i.idx
"""

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
                "kpi_id": row.kpi.pk,  # type: ignore[union-attr]
                "period_start": row.period_start.isoformat(),  # type: ignore[union-attr]
                "period_end": row.period_end.isoformat(),  # type: ignore[union-attr]
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
            (by_index[i].contract_id, by_index[i].kpi.pk, by_index[i].period_start, by_index[i].period_end): i  # type: ignore[union-attr]
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
    checked = measurement_bulk_check(rows, actor=actor)
    valid = [row for row in checked if not row.errors]
    outcome: dict[int, tuple[int, str]] = {}
    if valid:
        with audited(actor=actor, action=action):
            outcome = _bulk_write(valid, source=source, recorder_id=getattr(actor, "pk", None))
            written = [row for row in valid if outcome[row.index][1] != UNCHANGED]
            if written:
                measurement_windows_reevaluate_later(
                    (row.contract_id, row.kpi.pk, row.period_end)  # type: ignore[misc, union-attr]
                    for row in written
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


def measurement_windows_reevaluate_later(periods: Iterable[tuple[int, int, date]]) -> None:
    """After the commit, one task re-evaluates the SLA windows these (contract, KPI, period end)s fall
    in, for the pairs an SLA term measures (one query finds them): one task per bulk write, however
    many rows, rather than one per row."""
    from apps.contracts.models import SlaTerm
    from apps.core.tasks import enqueue
    from apps.kpis.tasks import reevaluate_measurement_windows

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


def measurement_windows_reevaluate_many(*, periods: Iterable[tuple[int, int, date]]) -> int:
    """Re-evaluate each SLA window that one of these (contract, KPI, period end)s falls in, once per
    term and window however many periods share it (``sla_evaluate_window``). Returns how many windows
    were evaluated."""
    from apps.contracts.evaluation import window_containing
    from apps.contracts.models import SlaTerm
    from apps.contracts.sla import sla_evaluate_window

    days_by_pair: dict[tuple[int, int], set[date]] = defaultdict(set)
    for contract, kpi, day in periods:
        days_by_pair[(contract, kpi)].add(day)
    if not days_by_pair:
        return 0
    terms = SlaTerm.objects.filter(
        contract_id__in={contract for contract, _kpi in days_by_pair}, kpi_id__in={kpi for _c, kpi in days_by_pair}
    ).select_related("contract")
    evaluated: set[tuple[int, date]] = set()
    for term in terms.order_by("pk"):
        for day in sorted(days_by_pair.get((term.contract_id, term.kpi_id), ())):
            window = window_containing(
                kind=term.window, day=day, window_days=term.window_days, anchor=term.contract.start_date
            )
            if (term.pk, window.start) in evaluated:
                continue
            evaluated.add((term.pk, window.start))
            sla_evaluate_window(term=term, day=day)
    return len(evaluated)
