"""The invoices' register a spreadsheet can be imported into (``apps.core.importing``), written through
``apps.costs.services``.

An invoice is known by its contract (reference) and its number (any case): importing the file again
updates those invoices, and a row that matches its invoice writes nothing. Its status is set only when it
is created; a known invoice with another status is refused (it moves by approving, disputing or paying it).
The billed hours (``"Developer (senior): 120; QA: 40"``, a role's seniority band in brackets) replace the
invoice's when given; a seniority alone may change on an approved invoice too. docs/architecture/costs.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.db.models.functions import Lower

from apps.contracts.imports import contracts_by_reference, resolve_contract
from apps.core.errors import ApplicationError
from apps.core.importing import (
    DETAIL,
    CellError,
    ImportColumn,
    ImportContext,
    Outcome,
    ParsedRow,
    RecordRegister,
    read_choice,
    read_currency,
    read_date,
    read_decimal,
    register_import,
)
from apps.costs import services
from apps.costs.choices import INVOICE_EDITABLE_STATUSES, InvoiceStatus
from apps.costs.models import Invoice


def read_hours(cell: str, decimal_comma: bool) -> str:
    """``"Developer (senior): 120; QA: 40.5"``, checked (``services.hours_lines_parse``; a decimal comma
    where the file has one) and kept as its normalised text: a checked row travels to its writer as text
    cells."""
    text = cell.replace(",", ".") if decimal_comma else cell
    try:
        return services.hours_text(*services.hours_lines_parse(text))
    except ApplicationError as exc:
        raise CellError(exc.message) from exc


def _hours_of(row: ParsedRow) -> dict[str, Decimal] | None:
    """The row's billed hours by role, or None when its cell is empty (not given)."""
    return services.hours_parse(row.values["hours"]) if row.given("hours") else None


def _seniority_of(row: ParsedRow) -> dict[str, str] | None:
    """The row's seniority band by role (empty where none is written), or None when no hours are given."""
    return services.hours_lines_parse(row.values["hours"])[1] if row.given("hours") else None


class InvoiceRegister(RecordRegister):
    key = "invoices"
    label = "Invoices"
    order = 48  # after contracts (40), which its rows name
    model = Invoice
    permission = "costs.add_invoice"
    description = (
        "One row per vendor invoice on a contract: known by the contract's reference and the invoice number, "
        "so importing the file again updates it (or, unchanged, writes nothing). The status is set only when "
        "the invoice is created; later moves are its approve, dispute and pay buttons."
    )
    natural_key = ("contract", "number")
    natural_key_help = "contract and number"
    columns = (
        ImportColumn("contract", required=True, help="The contract's reference.", example="SOW-2026-004"),
        ImportColumn(
            "number", required=True, help="The vendor's invoice number.", example="INV-1042", aliases=("invoice",)
        ),
        ImportColumn("period_start", help="YYYY-MM-DD.", example="2026-03-01", aliases=("start",)),
        ImportColumn("period_end", help="YYYY-MM-DD.", example="2026-03-31", aliases=("end",)),
        ImportColumn("amount", help="The invoiced amount.", example="18500.00"),
        ImportColumn("currency", help="ISO-4217 code, any case.", example="EUR"),
        ImportColumn(
            "status",
            help="New invoices only: received (default), approved, disputed or paid.",
            example="received",
        ),
        ImportColumn("received_on", help="YYYY-MM-DD.", example="2026-04-02", aliases=("received",)),
        ImportColumn("note", example=""),
        ImportColumn(
            "hours",
            help="Optional billed hours by role: “role: hours; role: hours”, a role's seniority in brackets "
            "if known (junior, mid, senior or principal; none: counted as mid).",
            example="Developer (senior): 120; QA: 40",
            aliases=("billed_hours",),
        ),
    )
    free_text_columns = ("note",)
    readers = {
        "period_start": read_date,
        "period_end": read_date,
        "amount": read_decimal,
        "currency": read_currency,
        "status": read_choice(InvoiceStatus),
        "received_on": read_date,
        "hours": read_hours,
    }
    required_for_new = ("period_start", "period_end", "amount", "currency")

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        """The contracts by reference and their invoices by number: two queries."""
        contracts = contracts_by_reference(
            (row.values["contract"] for row in rows if row.given("contract")), lock=False
        )
        found = [contract for listed in contracts.values() for contract in listed]
        numbers = {str(row.values["number"]).strip().lower() for row in rows if row.given("number")}
        invoices: dict[tuple[int, str], Invoice] = {}
        if found and numbers:
            stored = (
                Invoice.objects.annotate(number_lower=Lower("number"))
                .filter(contract__in=found, number_lower__in=numbers)
                .prefetch_related("hours")
            )
            if writing:
                stored = stored.select_for_update(of=("self",))
            invoices = {(invoice.contract_id, invoice.number.strip().lower()): invoice for invoice in stored}
        for row in rows:
            if not row.given("contract"):
                continue
            contract = resolve_contract(row, contracts, context=context)
            row.fields["contract"] = contract
            if contract is None or not row.given("number"):
                continue
            row.existing = invoices.get((contract.pk, str(row.values["number"]).strip().lower()))

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        if row.existing is not None:
            fields.pop("status", None)
            fields.pop("contract", None)
        return fields

    def check_row(self, row: ParsedRow, instance: Model, *, context: ImportContext) -> None:
        existing = row.existing
        if existing is None:
            return
        status = row.values.get("status")
        if status and status != existing.status:
            row.error(
                "status",
                f"Invoice {existing.number} is {existing.get_status_display().lower()}: its status changes by "
                "approving, disputing or paying it on the contract's page, not by an import.",
            )
        if existing.status not in INVOICE_EDITABLE_STATUSES and self._content_changes(row):
            row.error(
                DETAIL,
                f"Invoice {existing.number} is {existing.get_status_display().lower()}: its number, period, "
                "amount, currency and hours are what was approved. Dispute it to correct them.",
            )

    def _content_changes(self, row: ParsedRow) -> bool:
        existing = row.existing
        for name in services.INVOICE_CONTENT_FIELDS:
            if name in row.fields and _differs(row.fields[name], getattr(existing, name)):
                return True
        hours = _hours_of(row)
        return hours is not None and not _same_hours(hours, services.invoice_hours_of(existing))

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.invoice_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.invoice_update(instance=instance, actor=actor, data=fields)

    def write_row(self, data: Mapping[str, Any], *, actor: Any) -> Outcome:
        """As every record register, with the billed hours compared and written beside the fields."""
        row = self.read_row(data)
        row.key = self.key_of(row)
        if not row.errors:
            self._prepare([row], context=ImportContext(actor=actor), writing=True)
        if row.errors:
            raise ValidationError(row.errors)
        hours, seniority = _hours_of(row), _seniority_of(row)
        if row.existing is None:
            self.create({**row.fields, "hours": hours or {}, "seniority": seniority or {}}, actor=actor)
            return "created"
        changed = {
            name: value for name, value in row.fields.items() if _differs(value, self._current(row.existing, name))
        }
        hours_changed = hours is not None and not _same_hours(hours, services.invoice_hours_of(row.existing))
        seniority_changed = seniority is not None and seniority != services.invoice_seniority_of(row.existing)
        if not changed and not hours_changed and not seniority_changed:
            return "unchanged"
        lines: dict[str, Any] = {"hours": hours} if hours_changed else {}
        if seniority_changed:
            lines["seniority"] = seniority
        self.update(row.existing, {**changed, **lines}, actor=actor)
        return "updated"


def _differs(given: Any, stored: Any) -> bool:
    """A cell's value against the stored one (a related record by its id)."""
    return getattr(given, "pk", given) != getattr(stored, "pk", stored)


def _same_hours(given: Mapping[str, Decimal], stored: Mapping[str, Decimal]) -> bool:
    """The same roles (exactly as written) with the same hours."""
    return dict(given) == dict(stored)


def register_imports() -> None:
    """Called from ``CostsConfig.ready()``."""
    register_import(InvoiceRegister())
