"""The import engine: every register declared through ``apps.core.importing`` (functions, vendors,
contracts, …, measurements) is imported from a file the same way — read, preview every row's errors
without writing anything, then write the valid rows in chunks on a worker, counting progress as it goes.

The file: a CSV (UTF-8 with or without the byte-order mark spreadsheets write, comma- or
semicolon-separated) or an XLSX workbook. A CSV, or a workbook with one sheet, feeds the register chosen
for it; a workbook uploaded as a ``workbook`` has one sheet per register, each named after the
register's label or key (the template's ``Notes`` sheet, and empty sheets, are skipped), imported in the
registers' ``order`` (functions before vendors before contracts …), so a contract row may name a vendor
the vendors sheet of the same workbook creates (``ImportContext.planned``).

A header row names the columns: a register's column names or aliases, in any case, spaces and hyphens
read as underscores. Row numbers are the file's (or the sheet's), as a spreadsheet shows them: the
header is row 1.

Cells reach a register's ``check`` as text: stripped, a spreadsheet's escaping apostrophe before a
formula character dropped (``'=x`` is the text ``=x``), XLSX dates as ``YYYY-MM-DD``, XLSX numbers as
plain decimals, booleans as ``yes``/``no``. A cell that is a formula — an XLSX formula cell, or text
starting with ``=`` or ``@`` — is refused on its column and handed over empty (a register's
``free_text_columns``, like a measurement's note, keep such text as given: pages escape it; an XLSX
formula cell is refused there too).

Semantics (said on the page before anything is written): valid rows are written; refused rows are not —
nothing of a refused row is kept; rows whose natural key is already known update that record. Each
register's ``write_row`` runs in its own transaction (or its ``write_chunk`` set-based, for
measurements); every chunk commits with the import's counts, so the page shows progress and a worker
that dies resumes after the last committed chunk.

The CSV is read strictly: a quote that opens a cell and never closes (which would read the rest of the
file into that cell) or a character after a closing quote refuses the file, naming the row and the line
it starts on.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, transition_require
from apps.core.health import JobSummary, register_job_summary, register_scheduled_task
from apps.core.importing import (
    ImportContext,
    ImportRegister,
    RowCheck,
    import_register,
    import_register_for_sheet,
    import_registers,
)
from apps.core.services import audited, model_create
from apps.core.tables import FORMULA_PREFIXES
from apps.core.tasks import enqueue as enqueue_after_commit
from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks.events import subject_ref, webhook_event_publish
from apps.performance.choices import IMPORT_TRANSITIONS, ImportStatus
from apps.performance.models import ImportJob

WORKBOOK = "workbook"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_LABEL = "Workbook (several registers, one sheet each)"
NOTES_SHEET = "Notes"
NON_FIELD_KEY = "non_field_errors"
FORMULA_MESSAGE = "This cell is a spreadsheet formula: put its value in the file instead."
EXTRA_CELLS_MESSAGE = "This row has more cells than the header has columns."
HEADER_ROWS = 1  # the first data row is row 2 of the file
# The errors kept on the import (and shown) are the first ones; the count covers them all.
MAX_STORED_ERRORS = 500
# An XLSX is a ZIP: what it may unpack to, as a multiple of the upload limit (a "zip bomb" is refused).
XLSX_MAX_EXPANSION = 20
ENGINE_ACTION = "import"
# What a chunk changes on the import (never the rows: rewriting the file's JSON per chunk is waste).
PROGRESS_FIELDS = [
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "error_count",
    "errors",
    "sheets",
    "heartbeat_at",
    "updated_at",
]
COUNT_FIELDS = ("created_count", "updated_count", "unchanged_count", "error_count", "errors", "sheets")
SHEET_COUNTS = ("created", "updated", "unchanged", "errors")
logger = logging.getLogger(__name__)


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (too big, not UTF-8 text, a header that is not ours)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file", code="invalid_file")


def semantics_sentence(registers: ImportRegister | Sequence[ImportRegister] | None) -> str:
    """What the page says before anything is written: which rows are written, and which update."""
    found = [registers] if isinstance(registers, ImportRegister) else list(registers or ())
    keys = [(register.natural_key_help or ", ".join(register.natural_key)) for register in found]
    if len(keys) == 1:
        updates = f"Rows whose {keys[0]} is already known update that record."
    elif keys:
        named = "; ".join(f"{register.label.lower()}: {key}" for register, key in zip(found, keys, strict=True))
        updates = f"Rows whose natural key ({named}) is already known update that record."
    else:
        updates = "Rows whose natural key is already known update that record."
    return f"Valid rows are written; refused rows are not — nothing of a refused row is kept. {updates}"


# -- registers and who may import them ------------------------------------------------------------------
def importable_registers(user: Any) -> list[ImportRegister]:
    """The registers ``user`` may import, in workbook order."""
    return [register for register in import_registers() if register.may_import(user)]


def register_label(key: str) -> str:
    if key == WORKBOOK:
        return "Workbook"
    register = import_register(key)
    return register.label if register else key


def job_register_keys(job: ImportJob) -> list[str]:
    """The registers an import writes: its sheets' (a workbook), or its one register."""
    keys = [str(sheet["register"]) for sheet in job.sheets or () if sheet.get("register")]
    return keys or ([job.register] if job.register != WORKBOOK else [])


def _may_view_register(user: Any, key: str) -> bool:
    register = import_register(key)
    if register is None:
        return False
    return register.may_view(user)


def import_jobs_visible(user: Any, jobs: QuerySet[ImportJob]) -> QuerySet[ImportJob]:
    """The imports ``user`` may see: their own uploads, and those of the registers they may see (a
    register's ``may_view``, by default who may import it); a workbook when they may see every
    register; an admin every import."""
    if user is None or not user.is_authenticated:
        return jobs.none()
    if user.has_role(Role.ADMIN):
        return jobs
    keys = [register.key for register in import_registers() if _may_view_register(user, register.key)]
    if len(keys) == len(import_registers()):
        keys.append(WORKBOOK)
    return jobs.filter(Q(created_by=user) | Q(register__in=keys))


def import_job_owned_by(user: Any, job: ImportJob) -> bool:
    """Who starts and retries an import: whoever may import its registers, for their own uploads; an
    admin for anyone's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    keys = job_register_keys(job)
    allowed = bool(keys) and all((register := import_register(key)) and register.may_import(user) for key in keys)
    return allowed and (job.created_by_id in (None, user.pk) or user.has_role(Role.ADMIN))


# -- reading the file -------------------------------------------------------------------------------------
def _limit(name: str) -> int:
    return int(getattr(settings, name))


def _normalise(name: str) -> str:
    return name.strip().lstrip("\ufeff'").strip().lower().replace(" ", "_").replace("-", "_")


def _column_names(register: ImportRegister) -> dict[str, str]:
    """Header spellings → column name: the columns' names and aliases, normalised."""
    names: dict[str, str] = {}
    for column in register.columns:
        for alias in column.aliases:
            names[_normalise(alias)] = column.name
        names[_normalise(column.name)] = column.name
    return names


def _header_columns(register: ImportRegister, header: Sequence[str], *, where: str = "") -> list[str]:
    """The header's cells as the register's column names ("" for a blank header cell); refuses an
    unknown, repeated or missing column, naming the expected ones."""
    names = _column_names(register)
    columns = [names.get(_normalise(cell), _normalise(cell)) for cell in header]
    expected = ", ".join(register.column_names)
    prefix = f"{where}: " if where else ""
    unknown = [name for name in columns if name and name not in register.column_names]
    if unknown:
        raise ImportFileError(
            f"{prefix}Unknown column(s) in the header: {', '.join(unknown)}. The columns of "
            f"{register.label.lower()} are: {expected} (download the template)."
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise ImportFileError(f"{prefix}The header names {', '.join(repeated)} more than once.")
    missing = [name for name in register.required_columns if name not in columns]
    if missing:
        raise ImportFileError(
            f"{prefix}The header lacks {', '.join(missing)}. The columns of {register.label.lower()} are: "
            f"{expected} (download the template)."
        )
    return columns


def cell_unescape(cell: str) -> str:
    """A spreadsheet's apostrophe before a formula character marks text: drop it, keep the text."""
    if cell.startswith("'") and cell[1:2] and cell[1:2] in FORMULA_PREFIXES:
        return cell[1:]
    return cell


def _delimiter(first_line: str) -> str:
    """Comma, unless the header is plainly semicolon-separated (spreadsheets in many locales)."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


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


def _check_size(content: bytes) -> None:
    max_bytes = _limit("IMPORT_MAX_BYTES")
    if len(content) > max_bytes:
        raise ImportFileError(
            f"The file is {len(content) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB. "
            "Split it into smaller files."
        )


def _row(register: ImportRegister, number: int, sheet: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(register.column_names, "")
    row.update({"row": number, "register": register.key, "sheet": sheet})
    return row


def _too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(f"The file has more than {max_rows:,} rows. Split it into smaller files.")


def csv_rows_read(register: ImportRegister, content: bytes) -> list[dict[str, Any]]:
    """The data rows of a CSV file for ``register``: ``[{"row": 2, "register": key, "sheet": "",
    <column>: cell, ...}, ...]`` with every column (missing optional columns are empty); the rows of a
    semicolon-separated file also carry ``"decimal_comma": True``. ``ImportFileError`` for a file that
    cannot be read as ours: too big, not UTF-8, malformed CSV, no or a wrong header, too many rows."""
    _check_size(content)
    max_rows = _limit("IMPORT_MAX_ROWS")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {exc.start + 1}). Save it as “CSV UTF-8” and upload it again."
        ) from exc
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file (nor an XLSX workbook).")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    delimiter = _delimiter(text.split("\n", 1)[0])
    records = _csv_records(text, delimiter=delimiter)
    header = next(records, (HEADER_ROWS, []))[1]
    columns = _header_columns(register, header)
    rows: list[dict[str, Any]] = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (spreadsheets add them at the end)
        if len(rows) == max_rows:
            raise _too_many_rows(max_rows)
        row = _row(register, number, "")
        for column, cell in zip(columns, cells, strict=False):
            if column:
                row[column] = cell
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            row["extra_cells"] = True
        if delimiter == ";":
            row["decimal_comma"] = True  # kept with the row: the import re-reads it when it runs
        rows.append(row)
    if not rows:
        raise ImportFileError(f"The file has a header but no rows of {register.label.lower()}.")
    return rows


def _xlsx_text(value: Any, data_type: str | None) -> tuple[str, bool]:
    """An XLSX cell as text, and whether it is a formula: dates ISO, numbers plain (no float
    artefacts), booleans yes/no."""
    if value is None:
        return "", False
    if data_type == "f" or (isinstance(value, str) and data_type == "f"):
        return str(value), True
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, datetime):
        return (value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")), False
    if isinstance(value, date):
        return value.isoformat(), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        try:
            number = Decimal(f"{value:.15g}")
        except InvalidOperation:
            return str(value), False
        text = format(number.normalize(), "f")
        return (text[:-2] if text.endswith(".0") else text), False
    if isinstance(value, time):
        return value.isoformat(), False
    return str(value), False


def _open_workbook(content: bytes) -> Any:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("The file is not an XLSX workbook (nor a CSV text file).") from exc
    if unpacked > _limit("IMPORT_MAX_BYTES") * XLSX_MAX_EXPANSION:
        raise ImportFileError("The workbook unpacks to far more than its size: it cannot be read. Save it again.")
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign ZIP
        raise ImportFileError(
            "The file is not an XLSX workbook that can be read (an .xls or .ods? Save it as .xlsx)."
        ) from exc


def _sheet_rows(register: ImportRegister, sheet: Any, *, budget: int) -> list[dict[str, Any]]:
    """One sheet's data rows for ``register`` (see ``csv_rows_read``); formula cells listed by column
    in ``"formulas"``."""
    sheet.reset_dimensions()  # a workbook's stated dimensions may be wrong: read every row there is
    header: list[str] | None = None
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        texts = [_xlsx_text(getattr(cell, "value", None), getattr(cell, "data_type", None)) for cell in cells]
        if not any(text.strip() for text, _formula in texts):
            continue
        if header is None:
            header = [text for text, _formula in texts]
            columns = _header_columns(register, header, where=f"Sheet “{sheet.title}”")
            continue
        if len(rows) == budget:
            raise _too_many_rows(_limit("IMPORT_MAX_ROWS"))
        row = _row(register, number, sheet.title)
        formulas: list[str] = []
        for column, (text, formula) in zip(columns, texts, strict=False):
            if column:
                row[column] = text
                if formula:
                    formulas.append(column)
        if formulas:
            row["formulas"] = formulas
        if len(texts) > len(columns) and any(text.strip() for text, _formula in texts[len(columns) :]):
            row["extra_cells"] = True
        rows.append(row)
    return rows


def _is_skipped(sheet: Any) -> bool:
    return str(sheet.title).strip().casefold() in {NOTES_SHEET.casefold(), "read me", "readme"}


def xlsx_rows_read(register_key: str, content: bytes) -> list[dict[str, Any]]:
    """The data rows of an XLSX workbook: for one register (its sheet: the only one, or the one named
    after it), or for a ``workbook`` (every sheet named after a register, in the registers' order)."""
    _check_size(content)
    book = _open_workbook(content)
    try:
        sheets = [sheet for sheet in book.worksheets if not _is_skipped(sheet)]
        plan: list[tuple[ImportRegister, Any]] = []
        if register_key == WORKBOOK:
            names = ", ".join(register.label for register in import_registers())
            seen: dict[str, str] = {}
            for sheet in sheets:
                register = import_register_for_sheet(sheet.title)
                if register is None:
                    sheet.reset_dimensions()
                    if not any(
                        getattr(cell, "value", None) not in (None, "")
                        for row in sheet.iter_rows(max_row=5)
                        for cell in row
                    ):
                        continue  # an empty sheet ("Sheet1")
                    raise ImportFileError(
                        f"The sheet “{sheet.title}” is not a register: name each sheet after one of: {names} "
                        "(download the workbook template)."
                    )
                if register.key in seen:
                    raise ImportFileError(
                        f"The sheets “{seen[register.key]}” and “{sheet.title}” are both {register.label.lower()}."
                    )
                seen[register.key] = sheet.title
                plan.append((register, sheet))
            plan.sort(key=lambda entry: (entry[0].order, entry[0].key))
        else:
            register = _register(register_key)
            named = [sheet for sheet in sheets if import_register_for_sheet(sheet.title) is register]
            if len(sheets) == 1:
                plan = [(register, sheets[0])]
            elif len(named) == 1:
                plan = [(register, named[0])]
            else:
                raise ImportFileError(
                    f"The workbook has {len(sheets)} sheets: keep one, or name the one to import "
                    f"“{register.label}” (or import it as a workbook)."
                )
        if not plan:
            raise ImportFileError("The workbook has no sheet named after a register (download the template).")
        max_rows = _limit("IMPORT_MAX_ROWS")
        rows: list[dict[str, Any]] = []
        for register, sheet in plan:
            rows.extend(_sheet_rows(register, sheet, budget=max_rows - len(rows)))
        if not rows:
            raise ImportFileError("The workbook has headers but no rows.")
        return rows
    finally:
        book.close()


def _register(key: str) -> ImportRegister:
    register = import_register(key)
    if register is None:
        known = ", ".join([*(register.key for register in import_registers()), WORKBOOK])
        raise ImportFileError(f"No register “{key}”: one of {known}.")
    return register


def is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def import_file_read(register_key: str, content: bytes) -> list[dict[str, Any]]:
    """The file's data rows for ``register_key`` (a register's key, or ``workbook``): an XLSX workbook
    (told by its content, not its name) or a CSV file. ``ImportFileError`` for a file that is not ours."""
    if is_xlsx(content):
        return xlsx_rows_read(register_key, content)
    if register_key == WORKBOOK:
        raise ImportFileError("A workbook is an XLSX file with one sheet per register; this file is not one.")
    return csv_rows_read(_register(register_key), content)


# -- checking the rows ------------------------------------------------------------------------------------
def _prepared(register: ImportRegister, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A file row's cells as ``check`` gets them (see the module's docstring) and the cells the engine
    refuses itself (formulas, cells beyond the header)."""
    free_text = set(register.free_text_columns)
    formulas = set(row.get("formulas") or ())
    errors: dict[str, str] = {}
    cells: dict[str, Any] = {"row": row["row"], "sheet": row.get("sheet", "")}
    if row.get("decimal_comma"):
        cells["decimal_comma"] = True
    for name in register.column_names:
        raw = str(row.get(name) or "")
        if name in formulas:
            errors[name], cell = FORMULA_MESSAGE, ""
        elif name in free_text:
            cell = cell_unescape(raw)
        else:
            cell = cell_unescape(raw.strip()).strip()
            if cell.startswith(("=", "@")):
                errors[name], cell = FORMULA_MESSAGE, ""
        cells[name] = cell
    if row.get("extra_cells"):
        errors[NON_FIELD_KEY] = EXTRA_CELLS_MESSAGE
    return cells, errors


def _groups(rows: Sequence[Mapping[str, Any]], start: int = 0, end: int | None = None) -> Iterator[tuple[str, range]]:
    """Consecutive positions of the same register (a workbook's rows are in register order)."""
    end = len(rows) if end is None else end
    position = start
    while position < end:
        key = str(rows[position].get("register") or "measurements")
        last = position
        while last + 1 < end and str(rows[last + 1].get("register") or "measurements") == key:
            last += 1
        yield key, range(position, last + 1)
        position = last + 1


def import_rows_check(rows: Sequence[Mapping[str, Any]], *, actor: Any = None) -> list[RowCheck]:
    """Every row checked by its register, in order, without writing: one ``RowCheck`` per row. The
    registers run in the order of the rows (a workbook's: the registers' order), each seeing the
    natural keys of the valid rows of those before it (``ImportContext.planned``)."""
    context = ImportContext(actor=actor)
    checks: list[RowCheck] = []
    for key, positions in _groups(rows):
        register = import_register(key)
        if register is None:
            message = f"The register “{key}” is not available any more."
            checks.extend(RowCheck(data={}, errors={NON_FIELD_KEY: [message]}) for _ in positions)
            continue
        prepared = [_prepared(register, rows[position]) for position in positions]
        found = register.check([cells for cells, _errors in prepared], context=context)
        if len(found) != len(prepared):
            raise RuntimeError(f"{type(register).__name__}.check returned {len(found)} rows for {len(prepared)}.")
        for check, (_cells, engine_errors) in zip(found, prepared, strict=True):
            errors = {name: list(messages) for name, messages in check.errors.items() if messages}
            errors.update({name: [message] for name, message in engine_errors.items()})
            checks.append(RowCheck(data=check.data, errors=errors, key=check.key))
        planned = context.planned.setdefault(register.key, set())
        planned.update(check.key for check in checks[positions.start :] if check.valid and check.key is not None)
    return checks


def _error_entry(row: Mapping[str, Any], errors: Mapping[str, list[str]]) -> dict[str, Any]:
    return {
        "row": row["row"],
        "register": row.get("register", ""),
        "sheet": row.get("sheet", ""),
        "errors": dict(errors),
    }


def _sheet_summaries(rows: Sequence[Mapping[str, Any]], checks: Sequence[RowCheck]) -> list[dict[str, Any]]:
    summaries: dict[tuple[str, str], dict[str, Any]] = {}
    for row, check in zip(rows, checks, strict=True):
        key = (str(row.get("register") or ""), str(row.get("sheet") or ""))
        if key not in summaries:
            summaries[key] = {
                "register": key[0],
                "sheet": key[1],
                "label": register_label(key[0]),
                "rows": 0,
                "valid": 0,
                **dict.fromkeys(SHEET_COUNTS, 0),
            }
        summaries[key]["rows"] += 1
        summaries[key]["valid"] += int(check.valid)
    return list(summaries.values())


# -- the import record: upload (preview), start, run ------------------------------------------------------
@dataclass(frozen=True)
class ImportPreview:
    """What the command's --dry-run (and the upload page) tells before anything is written."""

    total_rows: int
    valid_rows: int
    errors: list[dict[str, Any]]
    sheets: list[dict[str, Any]] = field(default_factory=list)


def import_preview(
    register_key: str, content: bytes, *, actor: Any = None
) -> tuple[list[dict[str, Any]], ImportPreview]:
    """Read and check a file as ``actor`` would import it (an engineering manager: only the engagements
    they own)."""
    rows = import_file_read(register_key, content)
    checks = import_rows_check(rows, actor=actor)
    errors = [_error_entry(row, check.errors) for row, check in zip(rows, checks, strict=True) if not check.valid]
    preview = ImportPreview(
        total_rows=len(rows),
        valid_rows=sum(1 for check in checks if check.valid),
        errors=errors,
        sheets=_sheet_summaries(rows, checks),
    )
    return rows, preview


def import_job_create(*, actor: Any | None, file_name: str, content: bytes, register: str) -> ImportJob:
    """Read and check an uploaded file and keep it, with its preview, as a ``pending`` import: nothing
    is written until it is started. ``ImportFileError`` for an unreadable file; ``PermissionDeniedError``
    when ``actor`` may not import one of its registers (a workbook needs every sheet's)."""
    rows, preview = import_preview(register, content, actor=actor)
    if actor is not None and getattr(actor, "pk", None):
        refused = [
            register_label(sheet["register"])
            for sheet in preview.sheets
            if not ((found := import_register(sheet["register"])) and found.may_import(actor))
        ]
        if refused:
            raise PermissionDeniedError(f"You may not import {', '.join(refused).lower()}.")
    return model_create(
        ImportJob,
        actor=actor,
        data={
            "created_by": actor if getattr(actor, "pk", None) else None,
            "register": register,
            "file_name": file_name[:255],
            "rows": rows,
            "sheets": preview.sheets,
            "total_rows": preview.total_rows,
            "valid_rows": preview.valid_rows,
            "error_count": len(preview.errors),
            "errors": preview.errors[:MAX_STORED_ERRORS],
        },
        action="import_create",
    )


def import_job_start(*, instance: ImportJob, actor: Any | None, enqueue: bool = True) -> None:
    """Confirm a previewed import: it is queued, and a worker writes it (``imports.run``, enqueued after
    the commit). Starting one that is already queued sends it to the workers again (the task is
    idempotent); one that ran is a 409. A broker that is down costs the start nothing: the import stays
    queued and the watchdog (``import_jobs_watch``) sends it again."""
    with audited(actor=actor, action="import_start"):
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


def _locked(import_id: int) -> ImportJob:
    """The import row, locked for the caller's transaction (without the file's rows)."""
    return ImportJob.objects.select_for_update(of=("self",)).defer("rows").get(pk=import_id)


def _import_move(job: ImportJob, to_status: str, **fields: Any) -> None:
    """Move a locked import to ``to_status`` as ``IMPORT_TRANSITIONS`` allows, setting ``fields``, in
    the caller's (audited) transaction. ``queued → queued`` sends a silent one to the workers again."""
    transition_require(IMPORT_TRANSITIONS, job.status, to_status, subject="An import", label=_status_label)
    job.status = to_status
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *fields, "updated_at"])
    if to_status in (ImportStatus.DONE, ImportStatus.FAILED):
        _publish_finished(job)


def _publish_finished(job: ImportJob) -> None:
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
            # The subject's type is the one it was born with (integrations match on it).
            "subject": subject_ref("measurement_import", job.pk),
            "import": {
                "id": job.pk,
                "register": job.register,
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


def _send_to_workers(job: ImportJob) -> None:
    # tasks → imports: the task module is read when an import is sent, not when this one loads.
    from apps.performance.tasks import run_import

    enqueue_after_commit(run_import, job.pk)


def _stale_after() -> timedelta:
    return timedelta(minutes=_limit("IMPORT_STALE_MINUTES"))


def _max_attempts() -> int:
    return max(1, _limit("IMPORT_MAX_ATTEMPTS"))


def import_job_is_stale(job: ImportJob, *, now: datetime | None = None) -> bool:
    """Queued or running without a sign of life (sent to the workers, picked up, a chunk written) for
    ``IMPORT_STALE_MINUTES``: its message was lost (the broker was down when it was sent), or the
    worker writing it died, or lost the database for longer than its retries."""
    last_sign = job.heartbeat_at or job.updated_at
    return job.is_active and last_sign is not None and last_sign < (now or timezone.now()) - _stale_after()


def import_job_retryable(job: ImportJob, *, now: datetime | None = None) -> bool:
    """A failed import, or a queued one no worker has started within the stale time, may be retried."""
    return job.status == ImportStatus.FAILED or (
        job.status == ImportStatus.QUEUED and import_job_is_stale(job, now=now)
    )


def import_job_retry(*, instance: ImportJob, actor: Any, now: datetime | None = None) -> None:
    """Send a failed import (or a queued one no worker has started) to the workers again, with a fresh
    budget of attempts. It resumes after the last chunk that was written: nothing is written twice, and
    the counts go on from where they stopped. Its uploader or an admin only (403); anything else is a
    409 saying why."""
    now = now or timezone.now()
    with audited(actor=actor, action="import_retry"):
        job = _locked(instance.pk)
        if not import_job_owned_by(actor, job):
            raise PermissionDeniedError("Only the person who uploaded this file (or an admin) can retry its import.")
        if not import_job_retryable(job, now=now):
            if job.is_active:
                raise ConflictError(
                    f"This import is {_status_label(job.status)}: it can be retried once it has failed, or "
                    f"when no worker has started it for {_limit('IMPORT_STALE_MINUTES')} minutes."
                )
            raise ConflictError(f"This import is {_status_label(job.status)}: only a failed import can be retried.")
        _import_move(
            job, ImportStatus.QUEUED, queued_at=now, heartbeat_at=now, attempts=1, failure="", finished_at=None
        )
        _send_to_workers(job)
    instance.refresh_from_db()


def _chunk_end(rows: Sequence[Mapping[str, Any]], start: int, total: int) -> int:
    """Where the chunk that starts at ``start`` ends: ``IMPORT_CHUNK_ROWS`` rows at most, fewer when its
    register writes fewer per batch (``chunk_rows``), never across two registers."""
    key, positions = next(_groups(rows, start, min(total, len(rows))), ("", range(start, total)))
    register = import_register(key)
    size = max(1, min(_limit("IMPORT_CHUNK_ROWS"), register.chunk_rows if register else total))
    return min(start + size, positions.stop, total)


def import_job_run(*, import_id: int, redelivered: bool = False) -> str:
    """Write a queued import: every file row is checked again (the data may have changed since the
    preview), then the valid ones are written a chunk at a time, each chunk in one transaction with the
    import's counts, ``processed_rows`` and heartbeat, so the page shows progress and a worker that dies
    resumes after the last committed chunk (as does a retry). Two workers on one import take turns (the
    import row is locked per chunk) and never write a chunk twice. An import that is not queued or
    running (pending, done, failed, deleted) is left alone.

    ``redelivered``: the broker handed the message out again because the worker that had it died. That
    counts as an attempt: an import that kills its worker every time is failed after
    ``IMPORT_MAX_ATTEMPTS``, never retried for ever. Returns the import's final status."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=import_id).first()
        if job is None:
            return "missing"
        if not job.is_active:
            return str(job.status)
        with audited(actor=job.created_by, action=ENGINE_ACTION):
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
                    job.sheets = [sheet | dict.fromkeys(SHEET_COUNTS, 0) for sheet in job.sheets or ()]
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
    checks = import_rows_check(rows, actor=job.created_by)
    while True:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("created_by")
                .defer("rows")
                .get(pk=import_id)
            )
            if job.status != ImportStatus.RUNNING:
                return str(job.status)
            start = job.processed_rows
            if start >= job.total_rows:
                with audited(actor=job.created_by, action=ENGINE_ACTION):
                    _import_move(job, ImportStatus.DONE, finished_at=timezone.now(), heartbeat_at=None)
                return str(job.status)
            end = _chunk_end(rows, start, job.total_rows)
            with audited(actor=job.created_by, action=ENGINE_ACTION):
                _run_chunk(job, checks, rows, start, end)
                job.heartbeat_at = timezone.now()
                job.save(update_fields=PROGRESS_FIELDS)


def _run_chunk(
    job: ImportJob, checks: Sequence[RowCheck], rows: Sequence[Mapping[str, Any]], start: int, end: int
) -> None:
    """Write the valid rows of ``[start, end)`` (one register) and count every row's outcome."""
    errors: dict[int, dict[str, list[str]]] = {}
    outcomes: dict[int, str] = {}
    for key, positions in _groups(rows, start, end):
        valid = [position for position in positions if checks[position].valid]
        errors.update({position: checks[position].errors for position in positions if not checks[position].valid})
        register = import_register(key)
        if not valid or register is None:
            continue
        written = register.write_chunk([checks[position].data for position in valid], actor=job.created_by)
        for position, result in zip(valid, written, strict=True):
            if result.outcome is None:
                errors[position] = result.errors or {NON_FIELD_KEY: ["This row could not be written."]}
            else:
                outcomes[position] = result.outcome
    sheets = [dict(sheet) for sheet in job.sheets or ()]
    by_sheet = {(sheet["register"], sheet["sheet"]): sheet for sheet in sheets}
    for position in range(start, end):
        sheet = by_sheet.get((rows[position].get("register", ""), rows[position].get("sheet", "")))
        outcome = outcomes.get(position)
        if outcome is not None:
            setattr(job, f"{outcome}_count", getattr(job, f"{outcome}_count") + 1)
        if sheet is not None and (outcome is not None or position in errors):
            name = outcome or "errors"
            sheet[name] = int(sheet.get(name, 0)) + 1
    job.sheets = sheets
    job.error_count += len(errors)
    room = MAX_STORED_ERRORS - len(job.errors)
    if room > 0 and errors:
        entries = [_error_entry(rows[position], errors[position]) for position in sorted(errors)]
        job.errors = [*job.errors, *entries[:room]]
    job.processed_rows = end


def import_job_fail(*, import_id: int, reason: str) -> None:
    """Mark an import that cannot finish as ``failed`` with ``reason`` (shown to its owner, who may
    retry it; what was written so far stays written). A finished or missing one is left alone."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("rows", "errors").filter(pk=import_id).first()
        if job is None or not job.is_active:
            return
        with audited(actor=job.created_by, action=ENGINE_ACTION):
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


def import_jobs_watch(*, now: datetime | None = None) -> dict[str, int]:
    """The watchdog (beat, every minute): every import queued or running without a sign of life for
    ``IMPORT_STALE_MINUTES`` is sent to the workers again (its message was lost while the broker was
    down, or its worker died, or lost the database for longer than its retries) — it resumes after its
    last written chunk —, until it has been sent ``IMPORT_MAX_ATTEMPTS`` times; then it is failed with
    the reason, and its owner may retry it. An import a worker is writing right now (its row locked by a
    chunk) is skipped. Idempotent: a second run at the same ``now`` does nothing. Returns
    ``{"requeued": n, "failed": n}``."""
    now = now or timezone.now()
    cutoff = now - _stale_after()
    stale_ids = list(
        ImportJob.objects.filter(status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
        .annotate(last_sign=Coalesce("heartbeat_at", "updated_at"))
        .filter(last_sign__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:WATCH_BATCH]
    )
    outcome = {"requeued": 0, "failed": 0}
    minutes = _limit("IMPORT_STALE_MINUTES")
    for import_id in stale_ids:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("created_by")
                .defer("rows", "errors")
                .filter(pk=import_id)
                .first()
            )
            if job is None or not import_job_is_stale(job, now=now):
                continue  # being written right now, or moved on since it was read
            with audited(actor=None, action="import_watchdog"):
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


def import_jobs_summary(*, now: datetime | None = None) -> JobSummary:
    """For the admins' status page: imports queued and running now; stale ones (no sign of life for
    ``IMPORT_STALE_MINUTES``: the watchdog is not getting to them) and those failed in the last week
    need a look."""
    now = now or timezone.now()
    active = (ImportStatus.QUEUED, ImportStatus.RUNNING)
    counts = ImportJob.objects.annotate(last_sign=Coalesce("heartbeat_at", "updated_at")).aggregate(
        queued=Count("pk", filter=Q(status=ImportStatus.QUEUED)),
        running=Count("pk", filter=Q(status=ImportStatus.RUNNING)),
        stale=Count("pk", filter=Q(status__in=active, last_sign__lt=now - _stale_after())),
        failed=Count("pk", filter=Q(status=ImportStatus.FAILED, finished_at__gte=now - timedelta(days=7))),
    )
    return JobSummary(
        label="Imports",
        url=reverse("imports:list"),
        counts={"queued": counts["queued"], "running": counts["running"]},
        attention={"stale": counts["stale"], "failed in the last 7 days": counts["failed"]},
    )


register_job_summary(import_jobs_summary)
register_scheduled_task(
    WATCHDOG_TASK, every=timedelta(minutes=1), what="the import watchdog: every import ends, done or failed"
)


# -- the templates ----------------------------------------------------------------------------------------
def _template_cell(text: str) -> str:
    """An example cell as a spreadsheet must read it: text, never a formula."""
    return f"'{text}" if text.startswith(("=", "@")) else text


def template_csv(register: ImportRegister) -> bytes:
    """A register's CSV template: the header and its example row(s), UTF-8 with the byte-order mark
    spreadsheets need to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(register.column_names)
    for example in register.template_rows():
        writer.writerow([_template_cell(str(example.get(name, ""))) for name in register.column_names])
    return ("\ufeff" + buffer.getvalue()).encode()


def template_xlsx(registers: Iterable[ImportRegister]) -> bytes:
    """An XLSX template: a sheet per register (named after its label: the header and its example
    rows, as text) and a ``Notes`` sheet with every column's help."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    notes: list[list[str]] = [["Sheet", "Column", "Required", "Help", "Example"]]
    for register in registers:
        sheet = book.create_sheet(register.label[:31])
        header = []
        for name in register.column_names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for example in register.template_rows():
            cells = []
            for name in register.column_names:
                cell = WriteOnlyCell(sheet, value=str(example.get(name, "")))
                cell.data_type = "s"  # text, even one starting with "=": never a formula
                cells.append(cell)
            sheet.append(cells)
        for column in register.columns:
            notes.append([register.label, column.name, "yes" if column.required else "no", column.help, column.example])
        notes.append([register.label, "(natural key)", "", semantics_sentence(register), ""])
    sheet = book.create_sheet(NOTES_SHEET)
    for values in notes:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
