"""The roster's register a spreadsheet can be imported into (``apps.core.importing``): assignments of the
vendors' engineers to contracts, written through ``apps.roster.services``.

An assignment is known by its contract (reference), its engineer (work e-mail, on the contract's vendor's
roster) and its start date: importing the file again updates those rows. Procurement and administrators
import every vendor's assignments, a delivery owner those of their own vendor's contracts
(``apps.vendors.roster_access``). docs/architecture/roster.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.db.models.functions import Lower

from apps.contracts.imports import contracts_by_reference, resolve_contract
from apps.core.formatting import format_date
from apps.core.importing import (
    DETAIL,
    ImportColumn,
    ImportContext,
    ParsedRow,
    RecordRegister,
    normalise_key_part,
    read_bool,
    read_currency,
    read_date,
    read_decimal,
    read_int,
    register_import,
)
from apps.roster import services
from apps.roster.models import Assignment
from apps.vendors import roster_access
from apps.vendors.models import Engineer


class AssignmentRegister(RecordRegister):
    key = "assignments"
    label = "Assignments"
    order = 46  # after contracts (40) and engineers (35), which its rows name
    model = Assignment
    permission = "roster.add_assignment"
    description = (
        "One row per engineer on a contract for a time: the engineer must be on the roster of the contract's "
        "vendor (by work e-mail). An assignment is known by its contract, engineer and start date; importing "
        "again updates it. Procurement imports every vendor's assignments, a delivery owner their own vendor's."
    )
    natural_key = ("contract", "engineer", "start_date")
    natural_key_help = "contract, engineer and start date"
    columns = (
        ImportColumn("contract", required=True, help="The contract's reference.", example="SOW-2026-004"),
        ImportColumn(
            "engineer",
            required=True,
            help="The engineer's work e-mail, on the contract's vendor's roster.",
            example="anna.nowak@acme.example",
            aliases=("engineer_email", "email", "work_email"),
        ),
        ImportColumn("role", help="The role on this contract (needed for a new assignment).", example="Tech lead"),
        ImportColumn("allocation_percent", help="1 to 100 (default 100).", example="100", aliases=("allocation",)),
        ImportColumn("start_date", required=True, help="YYYY-MM-DD.", example="2026-01-05", aliases=("start",)),
        ImportColumn("end_date", help="The last day, YYYY-MM-DD; empty: ongoing.", example="", aliases=("end",)),
        ImportColumn("key_person", help="yes or no (default no).", example="yes", aliases=("key",)),
        ImportColumn("billed_rate", help="The rate billed for the engineer.", example="95", aliases=("rate",)),
        ImportColumn(
            "rate_currency", help="ISO-4217 code of the rate, any case.", example="EUR", aliases=("currency",)
        ),
    )
    readers = {
        "allocation_percent": read_int,
        "start_date": read_date,
        "end_date": read_date,
        "key_person": read_bool,
        "billed_rate": read_decimal,
        "rate_currency": read_currency,
    }
    required_for_new = ("role",)

    def may_import(self, user: Any) -> bool:
        return bool(user) and (roster_access.manages_every_roster(user) or roster_access.delivers_any_vendor(user))

    def may_write(self, actor: Any, existing: Any) -> str | None:
        return None  # per contract's vendor, in ``check_row`` (``apps.vendors.roster_access``)

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        """Contracts by reference, the engineers of their vendors by work e-mail, and the assignments of
        those engineers on those contracts: three queries."""
        contracts = contracts_by_reference(
            (row.values["contract"] for row in rows if row.given("contract")), lock=writing
        )
        found = [contract for listed in contracts.values() for contract in listed]
        emails = {str(row.values["engineer"]).strip().lower() for row in rows if row.given("engineer")}
        engineers: dict[tuple[int, str], Engineer] = {}
        if found and emails:
            candidates = Engineer.objects.annotate(email_lower=Lower("email")).filter(
                vendor__in={contract.vendor_id for contract in found}, email_lower__in=emails
            )
            engineers = {(candidate.vendor_id, candidate.email.lower()): candidate for candidate in candidates}
        assignments: dict[tuple[int, int], list[Assignment]] = {}
        if engineers:
            rows_of = Assignment.objects.filter(
                contract__in=found, engineer__in=list(engineers.values())
            ).select_related("engineer", "contract__vendor")
            if writing:
                rows_of = rows_of.select_for_update(of=("self",))
            for assignment in rows_of:
                assignments.setdefault((assignment.contract_id, assignment.engineer_id), []).append(assignment)
        for row in rows:
            if not row.given("contract"):
                continue
            contract = resolve_contract(row, contracts, context=context)
            row.fields["contract"] = contract
            if contract is None or not row.given("engineer"):
                continue
            email = str(row.values["engineer"]).strip()
            engineer = engineers.get((contract.vendor_id, email.lower()))
            if engineer is None:
                planned = (normalise_key_part(contract.vendor.name), "email", normalise_key_part(email))
                if not context.will_exist("engineers", planned):
                    row.error(
                        "engineer", f"No engineer with the work e-mail “{email}” on the roster of {contract.vendor}."
                    )
                continue
            row.fields["engineer"] = engineer
            others = assignments.get((contract.pk, engineer.pk), [])
            row.notes["others"] = others
            start = row.values.get("start_date")
            row.existing = next((item for item in others if item.start_date == start), None)

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        if row.existing is None:
            fields.setdefault("allocation_percent", 100)
        return fields

    def check_row(self, row: ParsedRow, instance: Model, *, context: ImportContext) -> None:
        contract = row.fields.get("contract")
        if contract is None or "engineer" not in row.fields:
            return  # created by an earlier sheet of the same workbook: checked when written
        if not roster_access.may_manage_roster(context.actor, contract.vendor):
            row.error(DETAIL, roster_access.roster_refusal(contract.vendor))
            return
        engineer = row.fields["engineer"]
        if row.existing is None and engineer.anonymised_on is not None:
            row.error("engineer", f"{engineer.name} is anonymised: an anonymised engineer cannot be assigned.")
        assignment: Any = instance
        if assignment.start_date is None:
            return
        for other in row.notes.get("others", []):
            if row.existing is not None and other.pk == row.existing.pk:
                continue
            meets_end = assignment.end_date is None or other.start_date <= assignment.end_date
            meets_start = other.end_date is None or other.end_date >= assignment.start_date
            if meets_end and meets_start:
                until = f" to {format_date(other.end_date)}" if other.end_date else " with no end"
                row.error(
                    "start_date",
                    f"{engineer.name} is already assigned to this contract from {format_date(other.start_date)}{until}.",
                )
                break

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.assignment_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.assignment_update(instance=instance, actor=actor, data=fields)


def register_imports() -> None:
    """Called from ``RosterConfig.ready()``."""
    register_import(AssignmentRegister())
