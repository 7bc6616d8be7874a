"""CSV import of KPI measurements: read a file, preview every row's errors without writing anything,
then write the valid rows in chunks through the bulk upsert (``measurement_bulk_upsert``), counting
progress as it goes.

The file: UTF-8 (with or without the byte-order mark spreadsheets write), comma- or semicolon-separated,
a header row naming the columns (``TEMPLATE_HEADER``; ``contract_id`` / ``contract_reference`` and
``kpi_code`` / ``kpi_id`` are accepted too), one measurement per row. A contract is named by its
reference (``Contract.reference``, our contract number) or its id; a KPI by its code or id. Row numbers
are the file's, as a spreadsheet shows them: the header is row 1.

Cells that look like spreadsheet formulas (``=``, ``+``, ``-``, ``@``, tab, carriage return first) are
never evaluated: a note is text, stored as given; a number cell starting with ``=`` or ``@`` is refused
as a formula; ``-5`` is the number −5 and meets the KPI's rules like any other value. A leading
apostrophe before such a character is how spreadsheets (and our own CSV exports) escape it, and is
dropped from every cell: ``'-3`` is the number −3, ``'=x`` the text ``=x``. Pages show every cell escaped.

Numbers: a decimal point always; a decimal comma (``5,5``) only in a semicolon-separated file, as
spreadsheets in comma-decimal locales write it. Thousands separators are never read: a number cell
that could mean two numbers is refused with the rule (a quoted ``"5,5"`` in a comma-separated file; in a
semicolon-separated one ``1.234,5``, or ``1.234``, which may be 1234).

The file is read strictly as CSV: a quote that opens a cell and never closes (which would read the rest
of the file into that cell) or a character after a closing quote refuses the file, naming the row and
the line it starts on.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, transition_require
from apps.core.health import JobSummary, register_job_summary, register_scheduled_task
from apps.core.services import audited, model_create
from apps.core.tables import FORMULA_PREFIXES
from apps.core.tasks import enqueue as enqueue_after_commit
from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks.events import subject_ref, webhook_event_publish
from apps.performance.choices import IMPORT_TRANSITIONS, ImportStatus, MeasurementSource
from apps.performance.models import MeasurementImport
from apps.performance.selectors import LOG_MEASUREMENTS_PERMISSION
from apps.performance.services import (
    CREATED,
    ERROR,
    NON_FIELD_KEY,
    UNCHANGED,
    UPDATED,
    measurement_bulk_check,
    measurement_bulk_upsert,
)

COLUMNS = ("contract", "kpi", "period_start", "period_end", "value", "numerator", "denominator", "note")
REQUIRED_COLUMNS = ("contract", "kpi", "period_start", "period_end")
COLUMN_ALIASES = {
    "contract_id": "contract",
    "contract_reference": "contract",
    "reference": "contract",
    "kpi_code": "kpi",
    "kpi_id": "kpi",
}
TEXT_COLUMNS = ("contract", "kpi", "note")
NUMBER_COLUMNS = ("value", "numerator", "denominator")
HEADER_ROWS = 1  # the first data row is row 2 of the file
# The errors kept on the import (and shown) are the first ones; the count covers them all.
MAX_STORED_ERRORS = 500
IMPORT_ACTION = "measurement_import"
# What a chunk changes on the import (never the rows: rewriting the file's JSON per chunk is waste).
PROGRESS_FIELDS = [
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "error_count",
    "errors",
    "heartbeat_at",
    "updated_at",
]
logger = logging.getLogger(__name__)
COUNT_FIELDS = ("created_count", "updated_count", "unchanged_count", "error_count", "errors")


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (too big, not UTF-8 text, a header that is not ours)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file", code="invalid_file")


# -- reading the file -------------------------------------------------------------------------------------
def _limit(name: str) -> int:
    return int(getattr(settings, name))


def _header_name(cell: str) -> str:
    name = cell.strip().lstrip("\ufeff'").strip().lower().replace(" ", "_").replace("-", "_")
    return COLUMN_ALIASES.get(name, name)


def _delimiter(first_line: str) -> str:
    """Comma, unless the header is plainly semicolon-separated (spreadsheets in many locales)."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _unescape(cell: str) -> str:
    """A spreadsheet's apostrophe before a formula character marks text: drop it, keep the text."""
    if cell.startswith("'") and cell[1:2] and cell[1:2] in FORMULA_PREFIXES:
        return cell[1:]
    return cell


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
# A dot before groups of three digits, as a comma-decimal locale writes thousands (never with a leading 0).
_DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")


def _number_cell(cell: str, *, decimal_comma: bool) -> tuple[str, str | None]:
    """A number cell (stripped, its escaping apostrophe dropped) as the bulk upsert reads numbers — a
    decimal point — and the reason it is refused, if it is: ``5,5`` is 5.5 in a semicolon-separated
    file (``decimal_comma``); anything that could be read two ways is refused rather than guessed."""
    if "," in cell:
        if decimal_comma and _DECIMAL_COMMA.fullmatch(cell):
            return cell.replace(",", "."), None
        if decimal_comma:
            return cell, (
                f"“{cell}” is not a number this file can hold: write it without thousands separators, "
                "with a decimal comma (5,5) or a decimal point (5.5)."
            )
        return cell, (
            f"“{cell}”: a comma-separated file takes a decimal point (5.5) and no thousands separators; "
            "a decimal comma (5,5) only in a semicolon-separated file."
        )
    if decimal_comma and _DOT_GROUPED.fullmatch(cell):
        readings = [cell.replace(".", "")] + ([cell.replace(".", ",")] if cell.count(".") == 1 else [])
        return cell, (
            f"“{cell}” is ambiguous in a semicolon-separated file: is the dot a thousands separator or a "
            f"decimal point? Write {' or '.join(readings)}."
        )
    return cell, None


def _csv_records(text: str, *, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The file's records with their row numbers (a record is one row, even where a quoted cell spans
    lines). Malformed CSV refuses the file, naming the row and the line it starts on: a quote that
    opens and never closes would otherwise read the rest of the file into one cell (``strict`` makes
    the csv module say so instead)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        first_line = reader.line_num + 1
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines = text.split("\n")
            start = lines[first_line - 1].rstrip("\r") if first_line <= len(lines) else ""
            shown = start if len(start) <= 60 else f"{start[:60]}…"
            advice = 'Close the quote; a quote inside a quoted cell is written twice ("").'
            if "unexpected end of data" in str(exc):
                raise ImportFileError(
                    f"Row {number} (line {first_line}): a quoted cell opens in this row and is never closed, "
                    f"so the rest of the file would be read into it — “{shown}”. {advice}"
                ) from exc
            if reader.line_num > first_line:  # the row ran on over lines until a later quote "closed" it
                raise ImportFileError(
                    f"Row {number} (line {first_line}): a quoted cell opens in this row and is never closed "
                    f"where it should be: it runs on to line {reader.line_num} ({exc}) — “{shown}”. {advice}"
                ) from exc
            raise ImportFileError(
                f"Row {number} (line {first_line}): the file is not valid CSV ({exc}) — “{shown}”."
            ) from exc
        yield number, cells


def measurement_csv_read(content: bytes) -> list[dict[str, Any]]:
    """The data rows of a CSV file: ``[{"row": 2, "contract": "...", "kpi": "...", ...}, ...]`` with
    every column of ``COLUMNS`` (missing optional columns are empty); the rows of a semicolon-separated
    file also carry ``"decimal_comma": True``. Raises ``ImportFileError`` for a file that cannot be read
    as ours: too big, not UTF-8, malformed CSV (a quote never closed), no or a wrong header, too many rows."""
    max_bytes, max_rows = _limit("MEASUREMENT_IMPORT_MAX_BYTES"), _limit("MEASUREMENT_IMPORT_MAX_ROWS")
    if len(content) > max_bytes:
        raise ImportFileError(
            f"The file is {len(content) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB. "
            "Split it into smaller files."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {exc.start + 1}). Save it as “CSV UTF-8” and upload it again."
        ) from exc
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file.")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    delimiter = _delimiter(text.split("\n", 1)[0])
    records = _csv_records(text, delimiter=delimiter)
    header = next(records, (HEADER_ROWS, []))[1]
    columns = [_header_name(cell) for cell in header]
    _check_header(columns)
    rows: list[dict[str, Any]] = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (spreadsheets add them at the end)
        if len(rows) == max_rows:
            raise ImportFileError(f"The file has more than {max_rows:,} rows. Split it into smaller files.")
        row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
        row["row"] = number
        for column, cell in zip(columns, cells, strict=False):
            row[column] = cell
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            row["extra_cells"] = True
        if delimiter == ";":
            row["decimal_comma"] = True  # kept with the row: the import re-reads it when it runs
        rows.append(row)
    if not rows:
        raise ImportFileError("The file has a header but no rows of measurements.")
    return rows


def _check_header(columns: Sequence[str]) -> None:
    expected = ", ".join(COLUMNS)
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column(s) in the header: {', '.join(unknown)}. The columns are: {expected} "
            "(download the template)."
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise ImportFileError(f"The header names {', '.join(repeated)} more than once.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"The header lacks {', '.join(missing)}. The columns are: {expected} (download the template)."
        )


# -- checking the rows ------------------------------------------------------------------------------------
@dataclass
class CheckedRows:
    """Every file row as a row for the bulk upsert, and the errors of those that cannot be written."""

    bulk_rows: list[dict[str, Any]]
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # by position in the file's rows

    @property
    def valid_count(self) -> int:
        return len(self.bulk_rows) - len(self.errors)


def _contracts_by_reference(references: set[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    if references:
        for reference, pk in Contract.objects.filter(reference__in=references).values_list("reference", "pk"):
            found.setdefault(reference, []).append(pk)
    return found


def _bulk_row(row: Mapping[str, Any], references: Mapping[str, list[int]]) -> tuple[dict[str, Any], dict[str, str]]:
    """A file row as the bulk upsert's input, and the errors found in its cells."""
    errors: dict[str, str] = {}
    cells = {name: str(row.get(name) or "") for name in COLUMNS}
    for name in COLUMNS:
        if name == "note":
            cell = _unescape(cells[name])
        else:
            cell = _unescape(cells[name].strip()).strip()
            if cell.startswith(("=", "@")):
                errors[name] = "This cell is a spreadsheet formula: put its value in the file instead."
                cell = ""
            elif name in NUMBER_COLUMNS and cell:
                cell, problem = _number_cell(cell, decimal_comma=bool(row.get("decimal_comma")))
                if problem:
                    errors[name] = problem
        cells[name] = cell
    if row.get("extra_cells"):
        errors[NON_FIELD_KEY] = "This row has more cells than the header has columns."
    contract: Any = cells["contract"]
    if contract and "contract" not in errors:
        matches = references.get(contract, [])
        if len(matches) == 1:
            contract = matches[0]
        elif len(matches) > 1:
            errors["contract"] = f"Several contracts have the reference “{contract}”: give the contract's id instead."
        elif not (contract.isascii() and contract.isdigit()):
            errors["contract"] = f"No contract with the reference “{contract}”."
    bulk = {
        "contract": contract,
        "kpi": cells["kpi"],
        "period_start": cells["period_start"],
        "period_end": cells["period_end"],
        "value": cells["value"],
        "numerator": cells["numerator"],
        "denominator": cells["denominator"],
        "note": cells["note"],
    }
    return bulk, errors


def measurement_import_check(rows: Sequence[Mapping[str, Any]], *, actor: Any = None) -> CheckedRows:
    """Check every row of a file without writing: its cells, then the measurement rules of the bulk
    upsert (a constant number of queries). A later row repeating an earlier row's contract, KPI and
    period is an error that names the earlier row."""
    references = _contracts_by_reference({_unescape(str(row.get("contract") or "")).strip() for row in rows} - {""})
    bulk_rows: list[dict[str, Any]] = []
    cell_errors: dict[int, dict[str, str]] = {}
    for position, row in enumerate(rows):
        bulk, errors = _bulk_row(row, references)
        bulk_rows.append(bulk)
        if errors:
            cell_errors[position] = errors
    checked = measurement_bulk_check(bulk_rows, label=lambda position: f"row {rows[position]['row']}", actor=actor)
    result = CheckedRows(bulk_rows=bulk_rows)
    for checked_row in checked:
        merged = {**checked_row.errors, **cell_errors.get(checked_row.index, {})}
        if merged:
            result.errors[checked_row.index] = {name: [message] for name, message in merged.items()}
    return result


def _error_entries(rows: Sequence[Mapping[str, Any]], errors: Mapping[int, dict[str, list[str]]]) -> list[dict]:
    return [{"row": rows[position]["row"], "errors": errors[position]} for position in sorted(errors)]


# -- the import record: upload (preview), start, run ------------------------------------------------------
@dataclass(frozen=True)
class ImportPreview:
    """What the command's --dry-run (and the upload page) tells before anything is written."""

    total_rows: int
    valid_rows: int
    errors: list[dict[str, Any]]


def measurement_import_preview(content: bytes, *, actor: Any = None) -> tuple[list[dict[str, Any]], ImportPreview]:
    """Read and check a file as ``actor`` would import it (an engineering manager: only the engagements
    they own)."""
    rows = measurement_csv_read(content)
    checked = measurement_import_check(rows, actor=actor)
    preview = ImportPreview(
        total_rows=len(rows), valid_rows=checked.valid_count, errors=_error_entries(rows, checked.errors)
    )
    return rows, preview


def measurement_import_create(*, actor: Any | None, file_name: str, content: bytes) -> MeasurementImport:
    """Read and check an uploaded file and keep it, with its preview, as a ``pending`` import: nothing
    is written to the measurements until it is started. ``ImportFileError`` for an unreadable file."""
    rows, preview = measurement_import_preview(content, actor=actor)
    return model_create(
        MeasurementImport,
        actor=actor,
        data={
            "created_by": actor if getattr(actor, "pk", None) else None,
            "file_name": file_name[:255],
            "rows": rows,
            "total_rows": preview.total_rows,
            "valid_rows": preview.valid_rows,
            "error_count": len(preview.errors),
            "errors": preview.errors[:MAX_STORED_ERRORS],
        },
        action="measurement_import_create",
    )


def measurement_import_start(*, instance: MeasurementImport, actor: Any | None, enqueue: bool = True) -> None:
    """Confirm a previewed import: it is queued, and a worker writes it (``kpis.import_measurements``,
    enqueued after the commit). Starting one that is already queued sends it to the workers again (the
    task is idempotent); one that ran is a 409. A broker that is down costs the start nothing: the
    import stays queued and the watchdog (``measurement_imports_watch``) sends it again."""
    with audited(actor=actor, action="measurement_import_start"):
        job = _locked(instance.pk)
        if job.status not in (ImportStatus.PENDING, ImportStatus.QUEUED):
            raise ConflictError(f"This import is already {_status_label(job.status)}.")
        if not job.valid_rows:
            raise ApplicationError("No row of this file can be imported: correct the file and upload it again.")
        if job.status == ImportStatus.PENDING:
            now = timezone.now()
            _import_move(job, ImportStatus.QUEUED, queued_at=now, heartbeat_at=now, attempts=1)
        if enqueue:
            _send_to_workers(job)
    instance.refresh_from_db()


# -- the lifecycle: every move through IMPORT_TRANSITIONS -------------------------------------------------
def _status_label(status: str) -> str:
    return str(ImportStatus(status).label).lower()


def _locked(import_id: int) -> MeasurementImport:
    """The import row, locked for the caller's transaction (without the file's rows)."""
    return MeasurementImport.objects.select_for_update(of=("self",)).defer("rows").get(pk=import_id)


def _import_move(job: MeasurementImport, to_status: str, **fields: Any) -> None:
    """Move a locked import to ``to_status`` as ``IMPORT_TRANSITIONS`` allows, setting ``fields``, in
    the caller's (audited) transaction. ``queued → queued`` sends a silent one to the workers again."""
    transition_require(IMPORT_TRANSITIONS, job.status, to_status, subject="An import", label=_status_label)
    job.status = to_status
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *fields, "updated_at"])
    if to_status in (ImportStatus.DONE, ImportStatus.FAILED):
        _publish_finished(job)


def _publish_finished(job: MeasurementImport) -> None:
    """``import.finished`` for the webhook endpoints that subscribe (in the move's transaction)."""
    written, refused = job.created_count + job.updated_count, job.error_count
    if job.status == ImportStatus.DONE:
        summary = (
            f"The import of {job.file_name} is done: {written} row{'s' if written != 1 else ''} written, "
            f"{job.unchanged_count} unchanged, {refused} refused of {job.total_rows}."
        )
    else:
        summary = f"The import of {job.file_name} failed: {job.failure}"
    uploader = job.created_by
    webhook_event_publish(
        event_type=WebhookEventType.IMPORT_FINISHED,
        data={
            "title": f"Import {_status_label(job.status)}: {job.file_name}",
            "summary": summary,
            "url": job.get_absolute_url(),
            "subject": subject_ref("measurement_import", job.pk),
            "import": {
                "id": job.pk,
                "status": job.status,
                "rows_total": job.total_rows,
                "rows_written": written,
                "rows_unchanged": job.unchanged_count,
                "rows_refused": refused,
                "file_name": job.file_name,
            },
            "actor": uploader.get_username() if uploader is not None else None,
        },
        dedupe_key=f"import.finished:{job.pk}:{job.finished_at.isoformat() if job.finished_at else job.status}",
    )


def _send_to_workers(job: MeasurementImport) -> None:
    # tasks → imports: the task module is read when an import is sent, not when this one loads.
    from apps.performance.tasks import import_measurements

    enqueue_after_commit(import_measurements, job.pk)


def _stale_after() -> timedelta:
    return timedelta(minutes=_limit("MEASUREMENT_IMPORT_STALE_MINUTES"))


def _max_attempts() -> int:
    return max(1, _limit("MEASUREMENT_IMPORT_MAX_ATTEMPTS"))


def measurement_import_is_stale(job: MeasurementImport, *, now: datetime | None = None) -> bool:
    """Queued or running without a sign of life (sent to the workers, picked up, a chunk written) for
    ``MEASUREMENT_IMPORT_STALE_MINUTES``: its message was lost (the broker was down when it was sent),
    or the worker writing it died, or lost the database for longer than its retries."""
    last_sign = job.heartbeat_at or job.updated_at
    return job.is_active and last_sign is not None and last_sign < (now or timezone.now()) - _stale_after()


def measurement_import_owned_by(user: Any, job: MeasurementImport) -> bool:
    """Who starts and retries an import: whoever may add measurements, for their own uploads; an admin
    for anyone's."""
    return bool(user is not None and user.has_perm(LOG_MEASUREMENTS_PERMISSION)) and (
        job.created_by_id in (None, user.pk) or user.has_role(Role.ADMIN)
    )


def measurement_import_retryable(job: MeasurementImport, *, now: datetime | None = None) -> bool:
    """A failed import, or a queued one no worker has started within the stale time, may be retried."""
    return job.status == ImportStatus.FAILED or (
        job.status == ImportStatus.QUEUED and measurement_import_is_stale(job, now=now)
    )


def measurement_import_retry(*, instance: MeasurementImport, actor: Any, now: datetime | None = None) -> None:
    """Send a failed import (or a queued one no worker has started) to the workers again, with a fresh
    budget of attempts. It resumes after the last chunk that was written: nothing is written twice, and
    the counts go on from where they stopped. Its uploader or an admin only (403); anything else is a
    409 saying why."""
    now = now or timezone.now()
    with audited(actor=actor, action="measurement_import_retry"):
        job = _locked(instance.pk)
        if not measurement_import_owned_by(actor, job):
            raise PermissionDeniedError("Only the person who uploaded this file (or an admin) can retry its import.")
        if not measurement_import_retryable(job, now=now):
            if job.is_active:
                raise ConflictError(
                    f"This import is {_status_label(job.status)}: it can be retried once it has failed, or "
                    f"when no worker has started it for {_limit('MEASUREMENT_IMPORT_STALE_MINUTES')} minutes."
                )
            raise ConflictError(f"This import is {_status_label(job.status)}: only a failed import can be retried.")
        _import_move(
            job, ImportStatus.QUEUED, queued_at=now, heartbeat_at=now, attempts=1, failure="", finished_at=None
        )
        _send_to_workers(job)
    instance.refresh_from_db()


def _chunk_rows() -> int:
    return max(1, _limit("MEASUREMENT_IMPORT_CHUNK_ROWS"))


def measurement_import_run(*, import_id: int, redelivered: bool = False) -> str:
    """Write a queued import: every file row is checked again (the data may have changed since the
    preview), then the valid ones are upserted ``MEASUREMENT_IMPORT_CHUNK_ROWS`` at a time, each chunk
    in one transaction with the import's counts, ``processed_rows`` and heartbeat, so the page shows
    progress and a worker that dies resumes after the last committed chunk (as does a retry). Two
    workers on one import take turns (the import row is locked per chunk) and never write a chunk
    twice. An import that is not queued or running (pending, done, failed, deleted) is left alone.

    ``redelivered``: the broker handed the message out again because the worker that had it died. That
    counts as an attempt: an import that kills its worker every time is failed after
    ``MEASUREMENT_IMPORT_MAX_ATTEMPTS``, never retried for ever. Returns the import's final status."""
    with transaction.atomic():
        job = MeasurementImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None:
            return "missing"
        if not job.is_active:
            return str(job.status)
        with audited(actor=job.created_by, action=IMPORT_ACTION):
            now = timezone.now()
            if redelivered and job.attempts >= _max_attempts():
                failure = WORKER_LOST_REASON.format(attempts=job.attempts)
                _import_move(job, ImportStatus.FAILED, failure=failure, finished_at=now, heartbeat_at=None)
                return str(job.status)
            attempts = job.attempts + 1 if redelivered else job.attempts
            if job.status == ImportStatus.QUEUED:
                if not job.processed_rows:  # a first run: its counts replace the preview's
                    job.created_count = job.updated_count = job.unchanged_count = job.error_count = 0
                    job.errors = []
                _import_move(
                    job,
                    ImportStatus.RUNNING,
                    started_at=job.started_at or now,
                    heartbeat_at=now,
                    attempts=attempts,
                    failure="",
                    **{name: getattr(job, name) for name in COUNT_FIELDS},
                )
            else:  # running: a worker resumes it after the last committed chunk
                job.heartbeat_at, job.attempts = now, attempts
                job.save(update_fields=["heartbeat_at", "attempts"])
        rows = job.rows
    checked = measurement_import_check(rows, actor=job.created_by)
    chunk = _chunk_rows()
    while True:
        with transaction.atomic():
            job = (
                MeasurementImport.objects.select_for_update(of=("self",))
                .select_related("created_by")
                .defer("rows")
                .get(pk=import_id)
            )
            if job.status != ImportStatus.RUNNING:
                return str(job.status)
            start = job.processed_rows
            if start >= job.total_rows:
                with audited(actor=job.created_by, action=IMPORT_ACTION):
                    _import_move(job, ImportStatus.DONE, finished_at=timezone.now(), heartbeat_at=None)
                return str(job.status)
            end = min(start + chunk, job.total_rows)
            with audited(actor=job.created_by, action=IMPORT_ACTION):
                _run_chunk(job, checked, rows, start, end)
                job.heartbeat_at = timezone.now()
                job.save(update_fields=PROGRESS_FIELDS)


def _run_chunk(
    job: MeasurementImport, checked: CheckedRows, rows: Sequence[Mapping[str, Any]], start: int, end: int
) -> None:
    positions = [position for position in range(start, end) if position not in checked.errors]
    errors = {position: checked.errors[position] for position in range(start, end) if position in checked.errors}
    if positions:
        results = measurement_bulk_upsert(
            actor=job.created_by,
            rows=[checked.bulk_rows[position] for position in positions],
            source=MeasurementSource.IMPORT,
            action=IMPORT_ACTION,
        )
        for result in results:
            position = positions[result.index]
            if result.status == CREATED:
                job.created_count += 1
            elif result.status == UPDATED:
                job.updated_count += 1
            elif result.status == UNCHANGED:
                job.unchanged_count += 1
            elif result.status == ERROR:
                errors[position] = result.errors or {}
    job.error_count += len(errors)
    room = MAX_STORED_ERRORS - len(job.errors)
    if room > 0 and errors:
        job.errors = [*job.errors, *_error_entries(rows, errors)[:room]]
    job.processed_rows = end


def measurement_import_fail(*, import_id: int, reason: str) -> None:
    """Mark an import that cannot finish as ``failed`` with ``reason`` (shown to its owner, who may
    retry it; what was written so far stays written). A finished or missing one is left alone."""
    with transaction.atomic():
        job = MeasurementImport.objects.select_for_update().defer("rows", "errors").filter(pk=import_id).first()
        if job is None or not job.is_active:
            return
        with audited(actor=job.created_by, action=IMPORT_ACTION):
            _import_move(job, ImportStatus.FAILED, failure=reason[:2000], finished_at=timezone.now(), heartbeat_at=None)


# -- the watchdog: every queued or running import ends ----------------------------------------------------
# What its owner reads on the import's page when it failed (plain words: it is shown as it is).
NEVER_STARTED_REASON = (
    "No worker started it: it was sent to the workers {attempts} times, {minutes} minutes apart, without an "
    "answer. The task queue (Redis) or the workers may be down; retry it once they are back."
)
WORKER_SILENT_REASON = (
    "The worker writing it stopped: no progress for {minutes} minutes, {attempts} times. The rows processed "
    "so far are saved; retry it to write the rest."
)
WORKER_LOST_REASON = (
    "The worker writing it stopped {attempts} times (it may have run out of memory or been restarted). "
    "The rows processed so far are saved; retry it to write the rest."
)
WATCH_BATCH = 500
WATCHDOG_TASK = "performance.watch_imports"  # its beat entry: config/celery.py


def measurement_imports_watch(*, now: datetime | None = None) -> dict[str, int]:
    """The watchdog (beat, every minute): every import queued or running without a sign of life for
    ``MEASUREMENT_IMPORT_STALE_MINUTES`` is sent to the workers again (its message was lost while the
    broker was down, or its worker died, or lost the database for longer than its retries) — it resumes
    after its last written chunk —, until it has been sent ``MEASUREMENT_IMPORT_MAX_ATTEMPTS`` times;
    then it is failed with the reason, and its owner may retry it. An import a worker is writing right
    now (its row locked by a chunk) is skipped. Idempotent: a second run at the same ``now`` does
    nothing. Returns ``{"requeued": n, "failed": n}``."""
    now = now or timezone.now()
    cutoff = now - _stale_after()
    stale_ids = list(
        MeasurementImport.objects.filter(status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
        .annotate(last_sign=Coalesce("heartbeat_at", "updated_at"))
        .filter(last_sign__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:WATCH_BATCH]
    )
    outcome = {"requeued": 0, "failed": 0}
    minutes = _limit("MEASUREMENT_IMPORT_STALE_MINUTES")
    for import_id in stale_ids:
        with transaction.atomic():
            job = (
                MeasurementImport.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("created_by")
                .defer("rows", "errors")
                .filter(pk=import_id)
                .first()
            )
            if job is None or not measurement_import_is_stale(job, now=now):
                continue  # being written right now, or moved on since it was read
            with audited(actor=None, action="measurement_import_watchdog"):
                if job.attempts >= _max_attempts():
                    template = NEVER_STARTED_REASON if job.status == ImportStatus.QUEUED else WORKER_SILENT_REASON
                    _import_move(
                        job,
                        ImportStatus.FAILED,
                        failure=template.format(attempts=job.attempts, minutes=minutes),
                        finished_at=now,
                        heartbeat_at=None,
                    )
                    outcome["failed"] += 1
                else:
                    _import_move(job, ImportStatus.QUEUED, heartbeat_at=now, attempts=job.attempts + 1)
                    _send_to_workers(job)
                    outcome["requeued"] += 1
    if outcome["failed"] or outcome["requeued"]:
        logger.warning("Import watchdog: %s", outcome)
    return outcome


def measurement_imports_summary(*, now: datetime | None = None) -> JobSummary:
    """For the admins' status page: imports queued and running now; stale ones (no sign of life for
    ``MEASUREMENT_IMPORT_STALE_MINUTES``: the watchdog is not getting to them) and those failed in the
    last week need a look."""
    now = now or timezone.now()
    active = (ImportStatus.QUEUED, ImportStatus.RUNNING)
    counts = MeasurementImport.objects.annotate(last_sign=Coalesce("heartbeat_at", "updated_at")).aggregate(
        queued=Count("pk", filter=Q(status=ImportStatus.QUEUED)),
        running=Count("pk", filter=Q(status=ImportStatus.RUNNING)),
        stale=Count("pk", filter=Q(status__in=active, last_sign__lt=now - _stale_after())),
        failed=Count("pk", filter=Q(status=ImportStatus.FAILED, finished_at__gte=now - timedelta(days=7))),
    )
    return JobSummary(
        label="Measurement imports",
        url=reverse("performance:import-list"),
        counts={"queued": counts["queued"], "running": counts["running"]},
        attention={"stale": counts["stale"], "failed in the last 7 days": counts["failed"]},
    )


register_job_summary(measurement_imports_summary)
register_scheduled_task(
    WATCHDOG_TASK, every=timedelta(minutes=1), what="the import watchdog: every CSV import ends, done or failed"
)


# -- the template -----------------------------------------------------------------------------------------
TEMPLATE_HEADER = COLUMNS


def measurement_import_template_rows(*, contract: str, period_start: str, period_end: str) -> list[list[str]]:
    """Two example rows: a plain KPI given as a value, and a ratio KPI given as its two counts."""
    return [
        [contract, "lead_time_for_changes", period_start, period_end, "18.5", "", "", "Median over the month"],
        [contract, "defect_rate", period_start, period_end, "", "3", "240", "Escaped defects / delivered items"],
    ]
