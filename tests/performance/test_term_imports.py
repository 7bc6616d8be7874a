"""The SLA terms import register (apps.performance.term_imports)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from apps.core.importing import ImportContext, import_register
from apps.kpis.models import KpiDefinition
from apps.performance.models import SlaTerm
from tests.factories import ContractFactory, KpiDefinitionFactory, SlaTermFactory

pytestmark = pytest.mark.django_db


def rows(*given: dict[str, str]) -> list[dict[str, Any]]:
    register = import_register("sla_terms")
    assert register is not None
    return [{"row": n, **dict.fromkeys(register.column_names, ""), **row} for n, row in enumerate(given, start=2)]


def check(*given: dict[str, str], actor: Any = None, planned: Any = None) -> list[Any]:
    register = import_register("sla_terms")
    assert register is not None
    return register.check(rows(*given), context=ImportContext(actor=actor, planned=planned or {}))


def write(row: dict[str, str], actor: Any = None) -> str:
    register = import_register("sla_terms")
    assert register is not None
    [checked] = register.check(rows(row), context=ImportContext(actor=actor))
    assert checked.valid, checked.errors
    [outcome] = register.write_chunk([checked.data], actor=actor)
    assert outcome.outcome, outcome.errors
    return outcome.outcome


TERM = {
    "contract": "sow-7",
    "kpi": "ESCAPE",
    "window": "month",
    "area": "quality",
    "target": "5",
    "warning_target": "4",
}


@pytest.fixture
def contract() -> Any:
    KpiDefinitionFactory(code="escape", name="Defect escape rate", unit="%", direction="lower")
    KpiDefinitionFactory(code="uptime", name="Uptime", unit="%", direction="higher")
    return ContractFactory(reference="SOW-7", status="draft")


def test_a_term_is_created_with_the_comparator_its_kpi_calls_for(contract: Any) -> None:
    assert write(TERM) == "created"
    term = SlaTerm.objects.get()
    assert (term.contract, term.kpi.code, term.comparator, term.target) == (contract, "escape", "lte", Decimal("5"))
    assert write(TERM) == "unchanged"
    assert write({**TERM, "target": "3", "warning_target": "2", "severity": "Critical"}) == "updated"
    term.refresh_from_db()
    assert (term.target, term.severity) == (Decimal("3"), "critical")
    assert SlaTerm.objects.count() == 1


def test_another_window_is_another_term(contract: Any) -> None:
    write(TERM)
    assert write({**TERM, "window": "rolling", "window_days": "30"}) == "created"
    assert SlaTerm.objects.count() == 2


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("contract", "SOW-404", "No contract with the reference “SOW-404”."),
        ("kpi", "nope", "No KPI with the code “nope”."),
        ("window", "yearly", "is not one of"),
        ("comparator", ">=", "lower-is-better"),
        ("warning_target", "6", "sits below the target"),
        ("target", "5,0", "Use a decimal point"),
        ("credit_percent", "150", "less than or equal to 100"),
        ("window_days", "30", "rolling window"),
    ],
)
def test_each_bad_term_cell_is_reported(contract: Any, column: str, cell: str, message: str) -> None:
    [checked] = check({**TERM, column: cell})
    text = " ".join(message for messages in checked.errors.values() for message in messages)
    assert message in text, checked.errors


def test_a_term_of_a_contract_the_same_workbook_creates(contract: Any) -> None:
    [checked] = check({**TERM, "contract": "MSA-9"}, planned={"contracts": {("msa-9",)}})
    assert checked.valid, checked.errors


def test_several_terms_on_one_key_are_ambiguous(contract: Any) -> None:
    kpi = KpiDefinition.objects.get(code="escape")
    SlaTermFactory.create_batch(2, contract=contract, kpi=kpi, target=Decimal("5"))
    [checked] = check(TERM)
    assert "several escape terms" in checked.errors["window"][0]


def test_a_repeated_key_refers_to_the_earlier_row(contract: Any) -> None:
    _, second = check(TERM, {**TERM, "kpi": "escape", "target": "4", "warning_target": ""})
    assert "as row 2" in second.errors["detail"][0]


def test_term_permissions(contract: Any, user_with_role: Callable[[str], Any]) -> None:
    register = import_register("sla_terms")
    assert register is not None
    assert register.may_import(user_with_role("procurement"))
    assert not register.may_import(user_with_role("executive"))
    [checked] = check(TERM, actor=user_with_role("executive"))
    assert checked.errors["detail"] == ["You may not create a new SLA term."]


def test_term_check_queries_do_not_grow_with_rows(contract: Any, django_assert_max_num_queries: Any) -> None:
    many = [{**TERM, "window": "rolling", "window_days": str(n + 1)} for n in range(1)]
    many += [{**TERM, "contract": f"SOW-{n}"} for n in range(30)]
    with django_assert_max_num_queries(3):  # contracts, KPIs, terms
        check(*many)
