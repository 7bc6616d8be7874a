"""The contract registers a spreadsheet can be imported into (``apps.core.importing``): contracts with
their master agreement / statement of work links, and their clause checklists. Each writes through
``apps.contracts.services``.

A contract is known by its reference (our contract number) when it has one, else by its vendor and
title; a clause checklist row by its contract's reference and the clause kind.
docs/operations/import-registers.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.db.models.functions import Lower

from apps.contracts import services
from apps.contracts.choices import ClauseAssessment, ClauseKind, ContractStatus, EngagementModel, Renewal
from apps.contracts.gates import functions_kept_in_house
from apps.contracts.models import Contract, ContractClause
from apps.core.errors import ApplicationError, error_messages
from apps.core.importing import (
    DETAIL,
    ImportColumn,
    ImportContext,
    ParsedRow,
    RecordRegister,
    normalise_key_part,
    read_choice,
    read_currency,
    read_date,
    read_decimal,
    read_int,
    read_list,
    register_import,
)
from apps.functions.imports import functions_by_name
from apps.vendors.imports import vendor_missing, vendors_by_name


def contracts_by_reference(references: Iterable[str], *, lock: bool = False) -> dict[str, list[Contract]]:
    """The contracts with these references (any case), by the reference casefolded: one query. A
    reference is our contract number, unique in practice but not enforced, hence the lists."""
    wanted = {reference.strip().lower() for reference in references if reference and reference.strip()}
    if not wanted:
        return {}
    rows = (
        Contract.objects.annotate(reference_lower=Lower("reference"))
        .filter(reference_lower__in=wanted)
        .select_related("vendor", "parent")
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    found: dict[str, list[Contract]] = {}
    for contract in rows:
        found.setdefault(normalise_key_part(contract.reference), []).append(contract)
    return found


def ambiguous_reference(reference: str) -> str:
    return f"Several contracts have the reference “{reference}”: give each its own on its page first."


def contract_missing(reference: str) -> str:
    return f"No contract with the reference “{reference}”."


def resolve_contract(
    row: ParsedRow, contracts: dict[str, list[Contract]], *, context: ImportContext, column: str = "contract"
) -> Contract | None:
    """The contract a row's ``column`` names by reference (an error on the column when none or several;
    a contract the same workbook's contracts sheet creates is None without an error)."""
    reference = row.values[column]
    found = contracts.get(normalise_key_part(reference), [])
    if len(found) > 1:
        row.error(column, ambiguous_reference(reference))
    elif not found and not context.will_exist("contracts", (normalise_key_part(reference),)):
        row.error(column, contract_missing(reference))
    return found[0] if len(found) == 1 else None


class ContractRegister(RecordRegister):
    key = "contracts"
    label = "Contracts"
    order = 40
    model = Contract
    permission = "contracts.add_contract"
    description = (
        "One row per contract: master agreements and the statements of work under them (parent). A contract "
        "is known by its reference, or — without one — by its vendor and title; its status is set only when "
        "it is created (later moves go through its lifecycle). Each new contract gets its clause checklist "
        "and exit plan."
    )
    natural_key = ("reference",)
    natural_key_help = "reference (or, without one, vendor and title)"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("title", required=True, example="Master services agreement"),
        ImportColumn("reference", help="Our contract number; the contract's key when given.", example="MSA-2026-001"),
        ImportColumn(
            "parent",
            help="A statement of work's master agreement: its reference, or its title with the same vendor.",
            example="",
            aliases=("master_agreement", "msa"),
        ),
        ImportColumn(
            "engagement_model",
            required=True,
            help="staff_augmentation, managed_services or project_based.",
            example="managed_services",
        ),
        ImportColumn("functions", help="Function names, separated by semicolons.", example="QA automation"),
        ImportColumn("start_date", required=True, help="YYYY-MM-DD.", example="2026-01-01"),
        ImportColumn("end_date", help="YYYY-MM-DD; empty: open-ended.", example="2026-12-31"),
        ImportColumn("renewal", help="none (default), automatic or explicit.", example="automatic"),
        ImportColumn("notice_days", help="Days of notice before the end date (default 0).", example="60"),
        ImportColumn("renewal_term_months", help="Months each automatic renewal adds.", example="12"),
        ImportColumn("value", required=True, help="Total contract value over its term.", example="240000"),
        ImportColumn("currency", help="ISO-4217 code, any case (default USD).", example="EUR"),
        ImportColumn(
            "cost_of_delay_per_week",
            help="What a week's delay of one milestone costs us, in the reporting currency; empty: its function's.",
            example="5000",
            aliases=("cost_of_delay",),
        ),
        ImportColumn(
            "status", help="New contracts only: draft (default), active, expired or terminated.", example="draft"
        ),
        ImportColumn("governing_law", example="Polish law"),
    )
    readers = {
        "engagement_model": read_choice(EngagementModel),
        "functions": read_list,
        "start_date": read_date,
        "end_date": read_date,
        "renewal": read_choice(Renewal),
        "notice_days": read_int,
        "renewal_term_months": read_int,
        "value": read_decimal,
        "cost_of_delay_per_week": read_decimal,
        "currency": read_currency,
        "status": read_choice(ContractStatus),
    }
    required_for_new = ("engagement_model", "start_date", "value")

    def key_of(self, row: ParsedRow) -> tuple[str, ...] | None:
        if row.given("reference"):
            return (normalise_key_part(row.values["reference"]),)
        if row.given("vendor") and row.given("title"):
            return (normalise_key_part(row.values["vendor"]), normalise_key_part(row.values["title"]))
        return None

    def read_row(self, row: Any) -> ParsedRow:
        parsed = super().read_row(row)
        for name in ("vendor", "title"):  # needed by every row (the rest only by a new contract)
            if not parsed.given(name) and name not in parsed.errors:
                parsed.error(name, "Required.")
        return parsed

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        vendors = vendors_by_name([row.values.get("vendor", "") for row in rows])
        references = {row.values[name] for row in rows for name in ("reference", "parent") if row.given(name)}
        wanted = {reference.lower() for reference in references}
        candidates = Contract.objects.annotate(reference_lower=Lower("reference")).filter(
            Q(vendor__in=list(vendors.values())) | Q(reference_lower__in=wanted)
        )
        candidates = candidates.select_related("vendor", "parent")
        if writing:
            candidates = candidates.select_for_update(of=("self",))
        by_reference: dict[str, list[Contract]] = {}
        by_title: dict[tuple[int, str], list[Contract]] = {}
        for contract in candidates if vendors or wanted else []:
            if contract.reference:
                by_reference.setdefault(normalise_key_part(contract.reference), []).append(contract)
            by_title.setdefault((contract.vendor_id, normalise_key_part(contract.title)), []).append(contract)
        functions = functions_by_name([name for row in rows for name in row.values.get("functions") or []])
        # The master agreements rows earlier in this file create: (vendor, reference or title).
        planned_parents: set[tuple[str, str]] = set()
        for row in rows:
            vendor_key = normalise_key_part(row.values.get("vendor"))
            vendor = vendors.get(vendor_key)
            if row.given("vendor") and vendor is None and not context.will_exist("vendors", (vendor_key,)):
                row.error("vendor", vendor_missing(row.values["vendor"]))
            row.fields["vendor"] = vendor
            self._find_existing(row, vendor, by_reference, by_title)
            if row.given("parent"):
                self._find_parent(row, vendor, by_reference, by_title, planned_parents)
            if row.given("functions"):
                chosen = []
                for name in row.values["functions"]:
                    function = functions.get(normalise_key_part(name))
                    if function is None and not context.will_exist("functions", (normalise_key_part(name),)):
                        row.error("functions", f"No function named “{name}”.")
                    if function is not None:
                        chosen.append(function)
                row.fields["functions"] = chosen
            if not row.errors and row.existing is None:
                for name in ("reference", "title"):
                    if row.given(name):
                        planned_parents.add((vendor_key, normalise_key_part(row.values[name])))

    def _find_existing(
        self,
        row: ParsedRow,
        vendor: Any,
        by_reference: dict[str, list[Contract]],
        by_title: dict[tuple[int, str], list[Contract]],
    ) -> None:
        if row.given("reference"):
            found = by_reference.get(normalise_key_part(row.values["reference"]), [])
            if len(found) > 1:
                row.error("reference", ambiguous_reference(row.values["reference"]))
                return
            if found:
                row.existing = found[0]
                row.notes["match"] = "reference"
                return
        if vendor is None or not row.given("title"):
            return
        same_title = by_title.get((vendor.pk, normalise_key_part(row.values["title"])), [])
        if row.given("reference"):  # a contract first imported without its reference gets it now
            same_title = [contract for contract in same_title if not contract.reference]
        if len(same_title) > 1:
            row.error("title", f"{vendor} has several contracts titled “{row.values['title']}”: give the reference.")
        elif same_title:
            row.existing = same_title[0]
            row.notes["match"] = "title"

    def _find_parent(
        self,
        row: ParsedRow,
        vendor: Any,
        by_reference: dict[str, list[Contract]],
        by_title: dict[tuple[int, str], list[Contract]],
        planned: set[tuple[str, str]],
    ) -> None:
        name = row.values["parent"]
        wanted = normalise_key_part(name)
        found = by_reference.get(wanted, [])
        if not found and vendor is not None:
            found = by_title.get((vendor.pk, wanted), [])
        if len(found) > 1:
            row.error("parent", f"Several contracts match “{name}”: name the master agreement by its reference.")
        elif found:
            row.fields["parent"] = found[0]
        elif (normalise_key_part(row.values.get("vendor")), wanted) in planned:
            row.fields["parent"] = None  # created by an earlier row of this file
            row.notes["parent_planned"] = True
        else:
            row.error(
                "parent",
                f"No master agreement “{name}” with this vendor (by reference, or by title); "
                "a new one must come in an earlier row.",
            )

    def key_fields(self, row: ParsedRow) -> tuple[str, ...]:
        # Found by its title, a contract first imported without its reference gets the one now given.
        return ("vendor", "title") if row.notes.get("match") == "title" else ("reference",)

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        if row.existing is not None:
            fields.pop("status", None)
            if fields.get("vendor") is None or fields["vendor"].pk == row.existing.vendor_id:
                fields.pop("vendor", None)
        if row.notes.get("parent_planned"):
            fields.pop("parent", None)
        return fields

    def check_row(self, row: ParsedRow, instance: Model, *, context: ImportContext) -> None:
        status = row.values.get("status")
        if row.existing is not None:
            if status and status != row.existing.status:
                row.error(
                    "status",
                    f"“{row.existing}” is {row.existing.get_status_display().lower()}: a contract's status changes "
                    "through a transition on its page, not an import.",
                )
            return
        contract: Any = instance
        try:
            services.contract_check_status_fits_dates(
                status=contract.status, start_date=contract.start_date, end_date=contract.end_date
            )
            if contract.status == ContractStatus.ACTIVE:
                vendor = row.fields.get("vendor")
                parent = row.fields.get("parent")
                services.contract_check_in_force(
                    vendor=vendor,
                    parent=parent,
                    start_date=contract.start_date,
                    end_date=contract.end_date,
                )
                kept = functions_kept_in_house(row.fields.get("functions") or [])
                if kept:
                    names = ", ".join(f"{function} ({why})" for function, why in kept)
                    row.error(
                        "functions",
                        f"This contract covers {names}: an active one needs a policy exception. Import it as a "
                        "draft and activate it on its page.",
                    )
        except (ApplicationError, ValidationError) as exc:
            for name, messages in error_messages(exc).items():
                for message in messages:
                    row.error(name if name in self.column_names else DETAIL, message)

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.contract_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.contract_update(instance=instance, actor=actor, data=fields)


class ClauseRegister(RecordRegister):
    key = "clauses"
    label = "Clauses"
    order = 42
    model = ContractClause
    permission = "contracts.change_contractclause"
    description = (
        "One row per clause of a contract's checklist: present, weak or missing, with a note. Every contract "
        "has the full checklist, so a row assesses a clause rather than adding one."
    )
    natural_key = ("contract", "kind")
    natural_key_help = "contract reference and clause kind"
    columns = (
        ImportColumn("contract", required=True, help="The contract's reference.", example="MSA-2026-001"),
        ImportColumn(
            "kind",
            required=True,
            help="ip_ownership, confidentiality, security, change_management, dispute_resolution, "
            "exit_transition, subcontracting, data_processing or key_personnel (or its label).",
            example="ip_ownership",
            aliases=("clause",),
        ),
        ImportColumn("assessment", required=True, help="present, weak or missing.", example="present"),
        ImportColumn("note", help="Where the clause is and what is weak.", example="§12.3"),
    )
    readers = {"kind": read_choice(ClauseKind), "assessment": read_choice(ClauseAssessment)}

    def may_write(self, actor: Any, existing: Any) -> str | None:
        # A checklist row is never added on its own (the contract is born with all of them): assessing
        # one is a change, whether or not the row exists yet.
        if actor is None or actor.has_perm(self._perm("change")):
            return None
        return "You may not assess the clauses of a contract."

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        references = [row.values["contract"] for row in rows if row.given("contract")]
        contracts = contracts_by_reference(references, lock=writing)
        found = {contract.pk for listed in contracts.values() for contract in listed}
        clauses = {
            (clause.contract_id, clause.kind): clause
            for clause in ContractClause.objects.filter(contract__in=found).select_related("contract")
        }
        for row in rows:
            if not row.given("contract"):
                continue
            contract = resolve_contract(row, contracts, context=context)
            row.fields["contract"] = contract
            if contract is not None and row.given("kind"):
                row.existing = clauses.get((contract.pk, row.values["kind"]))

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        return {**super().fields_of(row), **row.fields}

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        """A contract without its checklist row (created before checklists existed) gets its checklist first."""
        contract = fields["contract"]
        services.contract_checklists_create(contract=contract)
        clause = ContractClause.objects.get(contract=contract, kind=fields["kind"])
        return services.clause_update(instance=clause, actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.clause_update(instance=instance, actor=actor, data=fields)


def register_imports() -> None:
    """Called from ``ContractsConfig.ready()``."""
    register_import(ContractRegister())
    register_import(ClauseRegister())
