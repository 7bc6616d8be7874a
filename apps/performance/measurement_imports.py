"""The register ``measurements`` (``apps.core.importing``): KPI measurements, one per row, imported
through the import engine (``apps.performance.imports``) and written set-based by the bulk upsert
(``measurement_bulk_upsert``), as the API's bulk endpoint writes them.

A contract is named by its reference (``Contract.reference``, our contract number) or its id; a KPI by
its code or id. The natural key is the contract, the KPI and the period: a period logged before is
updated; the same figures again change nothing.

Cells that look like spreadsheet formulas are never evaluated: a note is text, stored as given; a number
cell starting with ``=`` or ``@`` is refused as a formula; ``-5`` is the number −5 and meets the KPI's
rules like any other value. A leading apostrophe before such a character is how spreadsheets (and our
own CSV exports) escape it, and is dropped from every cell: ``'-3`` is the number −3, ``'=x`` the text
``=x``. Pages show every cell escaped.

Numbers: a decimal point always; a decimal comma (``5,5``) only in a semicolon-separated file, as
spreadsheets in comma-decimal locales write it. Thousands separators are never read: a number cell
that could mean two numbers is refused with the rule (a quoted ``"5,5"`` in a comma-separated file; in a
semicolon-separated one ``1.234,5``, or ``1.234``, which may be 1234).

``measurement_import_check`` reads the cells itself (the apostrophe, the formula, the decimal comma), so
it gives the same answer for rows straight from a file as for the rows the engine prepared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from django.utils import timezone

from apps.contracts.models import Contract
from apps.core.importing import ImportColumn, ImportContext, ImportRegister, RowCheck, RowOutcome
from apps.performance import selectors
from apps.performance.choices import MeasurementSource
from apps.performance.imports import FORMULA_MESSAGE, cell_unescape
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
NUMBER_COLUMNS = ("value", "numerator", "denominator")
# The audit trail's action of the measurements an import writes.
IMPORT_ACTION = "measurement_import"


@dataclass
class CheckedRows:
    """Every file row as a row for the bulk upsert, and the errors of those that cannot be written."""

    bulk_rows: list[dict[str, Any]]
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # by position in the file's rows

    @property
    def valid_count(self) -> int:
        return len(self.bulk_rows) - len(self.errors)


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
            cell = cell_unescape(cells[name])
        else:
            cell = cell_unescape(cells[name].strip()).strip()
            if cell.startswith(("=", "@")):
                errors[name] = FORMULA_MESSAGE
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
    bulk = {name: cells[name] for name in COLUMNS} | {"contract": contract}
    return bulk, errors


def measurement_import_check(rows: Sequence[Mapping[str, Any]], *, actor: Any = None) -> CheckedRows:
    """Check every row of a file without writing: its cells, then the measurement rules of the bulk
    upsert (a constant number of queries). A later row repeating an earlier row's contract, KPI and
    period is an error that names the earlier row."""
    references = _contracts_by_reference({cell_unescape(str(row.get("contract") or "")).strip() for row in rows} - {""})
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


class MeasurementRegister(ImportRegister):
    """KPI measurements: checked by ``measurement_import_check``, written by the set-based bulk upsert."""

    key = "measurements"
    label = "Measurements"
    order = 60
    permission = selectors.LOG_MEASUREMENTS_PERMISSION
    description = "One measurement per row: a KPI's value (or its two counts) for a contract and a period."
    natural_key = ("contract", "kpi", "period_start", "period_end")
    natural_key_help = "contract, KPI and period"
    chunk_rows = 1_000
    # A note is text: one that starts like a formula is stored as given (pages escape it).
    free_text_columns: ClassVar[tuple[str, ...]] = ("note",)
    columns = (
        ImportColumn(
            "contract",
            required=True,
            help="The contract's reference (our contract number) or its id.",
            example="C-2026-001",
            aliases=("contract_id", "contract_reference", "reference"),
        ),
        ImportColumn(
            "kpi",
            required=True,
            help="The KPI's code (see the catalogue) or its id.",
            example="lead_time_for_changes",
            aliases=("kpi_code", "kpi_id"),
        ),
        ImportColumn("period_start", required=True, help="The period's first day, YYYY-MM-DD.", example="2026-10-01"),
        ImportColumn("period_end", required=True, help="The period's last day, YYYY-MM-DD.", example="2026-10-31"),
        ImportColumn("value", help="The value, for a KPI that is not a ratio (a decimal point).", example="18.5"),
        ImportColumn("numerator", help="A ratio KPI's numerator (with the denominator, instead of a value)."),
        ImportColumn("denominator", help="A ratio KPI's denominator (above zero)."),
        ImportColumn("note", help="Free text, kept as given.", example="Median over the month"),
    )

    def may_view(self, user: Any) -> bool:
        # Everyone signed in reads the measurement imports, as they read the measurements.
        return bool(user and user.is_authenticated)

    def check(self, rows: Sequence[Mapping[str, str]], *, context: ImportContext) -> list[RowCheck]:
        checked = measurement_import_check(rows, actor=context.actor)
        return [
            RowCheck(
                data=bulk,
                errors=checked.errors.get(position, {}),
                key=tuple(str(bulk[name]).casefold() for name in self.natural_key),
            )
            for position, bulk in enumerate(checked.bulk_rows)
        ]

    def write_chunk(self, rows: Sequence[Mapping[str, Any]], *, actor: Any) -> list[RowOutcome]:
        results = measurement_bulk_upsert(
            actor=actor, rows=list(rows), source=MeasurementSource.IMPORT, action=IMPORT_ACTION
        )
        outcomes: list[RowOutcome] = [RowOutcome(None, {NON_FIELD_KEY: ["Not written."]})] * len(rows)
        statuses = {CREATED: "created", UPDATED: "updated", UNCHANGED: "unchanged"}
        for result in results:
            if result.status == ERROR or result.status not in statuses:
                outcomes[result.index] = RowOutcome(None, dict(result.errors or {}))
            else:
                outcomes[result.index] = RowOutcome(statuses[result.status])  # type: ignore[arg-type]  # the three outcomes' names
        return outcomes

    def template_rows(self) -> list[dict[str, str]]:
        """Two example rows — a plain KPI given as a value, a ratio KPI given as its two counts — for a
        contract the workspace has and last month, so the file imports as it is."""
        contract = selectors.measurement_import_example_contract()
        last_month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
        common = {
            "contract": (contract.reference or str(contract.pk)) if contract else "C-2026-001",
            "period_start": last_month_end.replace(day=1).isoformat(),
            "period_end": last_month_end.isoformat(),
        }
        return [
            common
            | {"kpi": "lead_time_for_changes", "value": "18.5", "numerator": "", "denominator": ""}
            | {"note": "Median over the month"},
            common
            | {"kpi": "defect_rate", "value": "", "numerator": "3", "denominator": "240"}
            | {"note": "Escaped defects / delivered items"},
        ]
