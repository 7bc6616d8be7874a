"""The contract import registers (apps.contracts.imports): contracts with their MSA/SOW links, and
clause checklists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.contracts.choices import ClauseKind
from apps.contracts.models import Contract, ContractClause
from apps.core.importing import ImportContext, import_register
from tests.factories import ContractFactory, FunctionFactory, VendorFactory

pytestmark = pytest.mark.django_db


def rows(key: str, *given: dict[str, str]) -> list[dict[str, Any]]:
    register = import_register(key)
    assert register is not None
    return [{"row": n, **dict.fromkeys(register.column_names, ""), **row} for n, row in enumerate(given, start=2)]


def check(key: str, *given: dict[str, str], actor: Any = None, planned: Any = None) -> list[Any]:
    register = import_register(key)
    assert register is not None
    return register.check(rows(key, *given), context=ImportContext(actor=actor, planned=planned or {}))


def import_rows(key: str, *given: dict[str, str], actor: Any = None) -> list[str | None]:
    """Check then write the valid rows, in order, as the engine does."""
    register = import_register(key)
    assert register is not None
    checks = register.check(rows(key, *given), context=ImportContext(actor=actor))
    assert all(row.valid for row in checks), [row.errors for row in checks]
    outcomes = register.write_chunk([row.data for row in checks], actor=actor)
    assert all(outcome.outcome for outcome in outcomes), [outcome.errors for outcome in outcomes]
    return [outcome.outcome for outcome in outcomes]


MSA = {
    "vendor": "Acme",
    "title": "Master services agreement",
    "reference": "MSA-1",
    "engagement_model": "Managed services",
    "start_date": "2026-01-01",
    "end_date": "2027-12-31",
    "value": "500000",
    "currency": "eur",
}
SOW = {
    **MSA,
    "title": "SOW 1 — QA",
    "reference": "SOW-1",
    "parent": "msa-1",
    "functions": "QA automation; Payroll",
    "start_date": "2026-02-01",
    "end_date": "2026-12-31",
    "value": "120000.50",
}


@pytest.fixture
def acme() -> Any:
    FunctionFactory(name="QA automation", strategic=2, sensitive=2, repeatable=4, scarce=3)
    FunctionFactory(name="Payroll", category="payroll_hr", strategic=1, sensitive=3, repeatable=4, scarce=2)
    return VendorFactory(name="Acme", status="active")


def test_a_master_agreement_and_its_statement_of_work_in_one_file(acme: Any) -> None:
    assert import_rows("contracts", MSA, SOW) == ["created", "created"]
    sow = Contract.objects.get(reference="SOW-1")
    assert (sow.parent.reference, sow.vendor, sow.currency, str(sow.value)) == ("MSA-1", acme, "EUR", "120000.50")
    assert sorted(f.name for f in sow.functions.all()) == ["Payroll", "QA automation"]
    assert sow.clauses.count() == len(ClauseKind.values)  # born with its checklist, through contract_create
    assert import_rows("contracts", MSA, SOW) == ["unchanged", "unchanged"]
    assert import_rows("contracts", {**SOW, "title": "SOW 1 — QA and tooling", "functions": "payroll"}) == ["updated"]
    sow.refresh_from_db()
    assert sow.title == "SOW 1 — QA and tooling"
    assert [f.name for f in sow.functions.all()] == ["Payroll"]
    assert Contract.objects.count() == 2


def test_the_parent_may_be_named_by_title_within_the_vendor(acme: Any) -> None:
    ContractFactory(vendor=acme, title="Frame agreement", reference="", status="draft")
    [checked] = check("contracts", {**SOW, "parent": "frame AGREEMENT"})
    assert checked.valid, checked.errors


def test_without_a_reference_a_contract_is_known_by_vendor_and_title(acme: Any) -> None:
    ContractFactory(vendor=acme, title="Support", reference="", status="draft", value=1)
    row = {**MSA, "title": "support", "reference": "", "value": "2"}
    [checked] = check("contracts", row)
    assert checked.key == ("acme", "support")
    assert import_rows("contracts", row) == ["updated"]
    # …and gets its reference when a later file gives it.
    assert import_rows("contracts", {**row, "reference": "SUP-9"}) == ["updated"]
    assert Contract.objects.get().reference == "SUP-9"


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("vendor", "Nobody Ltd", "No vendor named “Nobody Ltd”."),
        ("engagement_model", "freelance", "is not one of"),
        ("end_date", "2025-01-01", "cannot end before it starts"),
        ("value", "1,5", "Use a decimal point"),
        ("value", "-1", "greater than or equal to 0"),
        ("functions", "QA automation; Gardening", "No function named “Gardening”."),
        ("parent", "MSA-404", "No master agreement “MSA-404”"),
        ("status", "expired", "Only a contract whose end date has passed can be expired."),
        ("renewal", "automatic", ""),
    ],
)
def test_each_bad_contract_cell_is_reported_on_its_column(acme: Any, column: str, cell: str, message: str) -> None:
    row = {**SOW, "parent": "", column: cell}
    if column == "renewal":  # an automatic renewal needs an end date
        row["end_date"], message = "", "A renewing contract needs an end date"
        column = "end_date"
    [checked] = check("contracts", row)
    assert message in " ".join(checked.errors.get(column, [])), checked.errors


def test_a_statement_of_work_under_another_vendors_agreement_is_refused(acme: Any) -> None:
    ContractFactory(reference="OTHER-MSA", status="draft")
    [checked] = check("contracts", {**SOW, "parent": "OTHER-MSA"})
    assert "same vendor" in checked.errors["parent"][0]


def test_the_status_of_a_known_contract_changes_only_through_a_transition(acme: Any) -> None:
    import_rows("contracts", MSA)
    [checked] = check("contracts", {**MSA, "status": "terminated"})
    assert "through a transition" in checked.errors["status"][0]


def test_a_contract_may_name_a_vendor_and_functions_the_same_workbook_creates() -> None:
    FunctionFactory(name="QA automation")
    planned = {"vendors": {("acme",)}, "functions": {("payroll",)}}
    msa, sow = check("contracts", MSA, SOW, planned=planned)
    assert msa.valid and sow.valid, (msa.errors, sow.errors)


def test_a_repeated_reference_refers_to_the_earlier_row(acme: Any) -> None:
    _, second = check("contracts", MSA, {**MSA, "reference": "msa-1", "title": "Other"})
    assert "as row 2" in second.errors["detail"][0]


def test_an_ambiguous_reference_is_refused(acme: Any) -> None:
    ContractFactory(vendor=acme, reference="DUP", status="draft")
    ContractFactory(vendor=acme, reference="dup", status="draft")
    [checked] = check("contracts", {**MSA, "reference": "DUP"})
    assert "Several contracts have the reference “DUP”" in checked.errors["reference"][0]


def test_contract_permissions(acme: Any, user_with_role: Callable[[str], Any]) -> None:
    register = import_register("contracts")
    assert register is not None
    assert register.may_import(user_with_role("procurement"))
    assert not register.may_import(user_with_role("engineering_manager"))
    [checked] = check("contracts", MSA, actor=user_with_role("security"))
    assert checked.errors["detail"] == ["You may not create a new contract."]


def test_contract_check_queries_do_not_grow_with_rows(acme: Any, django_assert_max_num_queries: Any) -> None:
    many = [MSA] + [{**SOW, "reference": f"SOW-{n}", "title": f"SOW {n}"} for n in range(40)]
    with django_assert_max_num_queries(3):  # vendors, contracts, functions
        checks = check("contracts", *many)
    assert all(row.valid for row in checks), [row.errors for row in checks if not row.valid]


# -- clause checklists ---------------------------------------------------------------------------------------
def test_a_clause_row_assesses_the_clause_of_the_contract(acme: Any) -> None:
    import_rows("contracts", MSA)
    row = {"contract": "msa-1", "kind": "IP ownership", "assessment": "weak", "note": "§12: vague."}
    assert import_rows("clauses", row) == ["updated"]
    clause = ContractClause.objects.get(contract__reference="MSA-1", kind="ip_ownership")
    assert (clause.assessment, clause.note) == ("weak", "§12: vague.")
    assert import_rows("clauses", row) == ["unchanged"]
    assert ContractClause.objects.filter(contract__reference="MSA-1").count() == len(ClauseKind.values)


def test_a_clause_row_for_a_contract_without_its_checklist_creates_it(acme: Any) -> None:
    ContractFactory(vendor=acme, reference="OLD", status="draft")  # the factory makes no checklist
    assert import_rows("clauses", {"contract": "OLD", "kind": "security", "assessment": "present"}) == ["created"]
    assert ContractClause.objects.filter(contract__reference="OLD").count() == len(ClauseKind.values)


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("contract", "NOPE", "No contract with the reference “NOPE”."),
        ("kind", "warranty", "is not one of"),
        ("assessment", "great", "is not one of"),
    ],
)
def test_each_bad_clause_cell_is_reported_on_its_column(acme: Any, column: str, cell: str, message: str) -> None:
    import_rows("contracts", MSA)
    row = {"contract": "MSA-1", "kind": "security", "assessment": "present", column: cell}
    [checked] = check("clauses", row)
    assert message in " ".join(checked.errors[column]), checked.errors


def test_clauses_of_a_contract_the_same_workbook_creates(user_with_role: Callable[[str], Any]) -> None:
    row = {"contract": "MSA-1", "kind": "security", "assessment": "present"}
    [checked] = check("clauses", row, planned={"contracts": {("msa-1",)}})
    assert checked.valid
    [refused] = check("clauses", row, actor=user_with_role("security"), planned={"contracts": {("msa-1",)}})
    assert refused.errors["detail"] == ["You may not assess the clauses of a contract."]


def test_clause_check_queries_do_not_grow_with_rows(acme: Any, django_assert_max_num_queries: Any) -> None:
    import_rows("contracts", MSA)
    kinds = ["ip_ownership", "confidentiality", "security", "change_management", "dispute_resolution"]
    many = [{"contract": "MSA-1", "kind": kind, "assessment": "present"} for kind in kinds]
    with django_assert_max_num_queries(2):  # contracts, clauses
        checks = check("clauses", *many)
    assert all(row.valid for row in checks)
