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
dropped. Pages show every cell escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.contracts.models import Contract
from apps.core.errors import ApplicationError, ConflictError
from apps.core.services import audited, model_create
from apps.core.tables import FORMULA_PREFIXES
from apps.core.tasks import enqueue as enqueue_after_commit
from apps.performance.choices import ImportStatus, MeasurementSource
from apps.performance.models import MeasurementImport
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
    "updated_at",
]


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


def measurement_csv_read(content: bytes) -> list[dict[str, Any]]:
    """The data rows of a CSV file: ``[{"row": 2, "contract": "...", "kpi": "...", ...}, ...]`` with
    every column of ``COLUMNS`` (missing optional columns are empty). Raises ``ImportFileError`` for a
    file that cannot be read as ours: too big, not UTF-8, no or a wrong header, too many rows."""
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader)
        columns = [_header_name(cell) for cell in header]
        _check_header(columns)
        rows: list[dict[str, Any]] = []
        for number, cells in enumerate(reader, start=HEADER_ROWS + 1):
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
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(f"Row {reader.line_num}: the file is not valid CSV ({exc}).") from exc
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
        cell = _unescape(cells[name]) if name in TEXT_COLUMNS else cells[name]
        if name != "note":
            cell = cell.strip()
            if cell.startswith(("=", "@")):
                errors[name] = "This cell is a spreadsheet formula: put its value in the file instead."
                cell = ""
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
    enqueued after the commit). Starting one that is already queued queues it again (the task is
    idempotent); one that ran is a 409."""
    # tasks → imports: the task module is read when an import starts, not when this one loads.
    from apps.performance.tasks import import_measurements

    with audited(actor=actor, action="measurement_import_start"):
        job = MeasurementImport.objects.select_for_update().defer("rows", "errors").get(pk=instance.pk)
        if job.status not in (ImportStatus.PENDING, ImportStatus.QUEUED):
            raise ConflictError(f"This import is already {job.get_status_display().lower()}.")
        if not job.valid_rows:
            raise ApplicationError("No row of this file can be imported: correct the file and upload it again.")
        if job.status == ImportStatus.PENDING:
            job.status = ImportStatus.QUEUED
            job.queued_at = timezone.now()
            job.save(update_fields=["status", "queued_at", "updated_at"])
        if enqueue:
            enqueue_after_commit(import_measurements, job.pk)
    instance.refresh_from_db()


def _chunk_rows() -> int:
    return max(1, _limit("MEASUREMENT_IMPORT_CHUNK_ROWS"))


def measurement_import_run(*, import_id: int) -> str:
    """Write a queued import: every file row is checked again (the data may have changed since the
    preview), then the valid ones are upserted ``MEASUREMENT_IMPORT_CHUNK_ROWS`` at a time, each chunk
    in one transaction with the import's counts and ``processed_rows``, so the page shows progress and
    a worker that dies resumes after the last committed chunk. Two workers on one import take turns
    (the import row is locked per chunk) and never write a chunk twice. An import that is not queued
    or running (pending, done, failed, deleted) is left alone. Returns the import's final status."""
    with transaction.atomic():
        job = MeasurementImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None:
            return "missing"
        if job.status == ImportStatus.QUEUED:
            with audited(actor=job.created_by, action=IMPORT_ACTION):
                job.status = ImportStatus.RUNNING
                job.started_at = timezone.now()
                job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = 0
                job.error_count = 0
                job.errors = []
                job.failure = ""
                job.save(update_fields=["status", "started_at", *PROGRESS_FIELDS, "failure"])
        if job.status != ImportStatus.RUNNING:
            return str(job.status)
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
                    job.status = ImportStatus.DONE
                    job.finished_at = timezone.now()
                    job.save(update_fields=["status", "finished_at", "updated_at"])
                return str(job.status)
            end = min(start + chunk, job.total_rows)
            with audited(actor=job.created_by, action=IMPORT_ACTION):
                _run_chunk(job, checked, rows, start, end)
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
    """Mark an import that cannot finish as ``failed`` (what was written so far stays written)."""
    with transaction.atomic():
        job = MeasurementImport.objects.select_for_update().defer("rows", "errors").filter(pk=import_id).first()
        if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return
        with audited(actor=job.created_by, action=IMPORT_ACTION):
            job.status = ImportStatus.FAILED
            job.failure = reason[:2000]
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "failure", "finished_at", "updated_at"])


# -- the template -----------------------------------------------------------------------------------------
TEMPLATE_HEADER = COLUMNS


def measurement_import_template_rows(*, contract: str, period_start: str, period_end: str) -> list[list[str]]:
    """Two example rows: a plain KPI given as a value, and a ratio KPI given as its two counts."""
    return [
        [contract, "lead_time_for_changes", period_start, period_end, "18.5", "", "", "Median over the month"],
        [contract, "defect_rate", period_start, period_end, "", "3", "240", "Escaped defects / delivered items"],
    ]
