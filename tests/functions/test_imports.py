"""The functions import register (apps.functions.imports): checked rows, writes, natural key, permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from apps.core.importing import ImportContext, import_register
from apps.functions.models import Function
from tests.factories import FunctionFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "QA automation",
    "category": "QA & testing",
    "description": "Regression suites.",
    "strategic": "2",
    "sensitive": "2",
    "repeatable": "4",
    "scarce": "3",
    "velocity_critical": "",
}


def rows(*given: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as the engine hands them: every column (missing ones ""), and the file's row number."""
    register = import_register("functions")
    assert register is not None
    return [{"row": n, **dict.fromkeys(register.column_names, ""), **row} for n, row in enumerate(given, start=2)]


def check(*given: dict[str, str], actor: Any = None) -> list[Any]:
    register = import_register("functions")
    assert register is not None
    return register.check(rows(*given), context=ImportContext(actor=actor))


def write(row: dict[str, str], actor: Any = None) -> str:
    register = import_register("functions")
    assert register is not None
    [checked] = register.check(rows(row), context=ImportContext(actor=actor))
    assert checked.valid, checked.errors
    [outcome] = register.write_chunk([checked.data], actor=actor)
    assert outcome.outcome, outcome.errors
    return outcome.outcome


def test_a_good_row_is_valid_with_its_key() -> None:
    [checked] = check(GOOD)
    assert checked.valid
    assert checked.key == ("qa automation",)
    assert checked.data["category"] == "qa_testing"


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("category", "gardening", "is not one of"),
        ("strategic", "6", "less than or equal to 5"),
        ("sensitive", "high", "whole number"),
        ("velocity_critical", "perhaps", "yes or no"),
        ("scarce", "", "Required for a new function."),
        ("name", "", "Required."),
    ],
)
def test_each_bad_cell_is_reported_on_its_column(column: str, cell: str, message: str) -> None:
    [checked] = check({**GOOD, column: cell})
    assert not checked.valid
    assert message in " ".join(checked.errors[column])


def test_a_repeated_name_refers_to_the_earlier_row() -> None:
    first, second = check(GOOD, {**GOOD, "name": "qa AUTOMATION"})
    assert first.valid
    assert "Same function name as row 2" in second.errors["detail"][0]


def test_write_creates_then_leaves_unchanged_then_updates() -> None:
    assert write(GOOD) == "created"
    function = Function.objects.get(name="QA automation")
    assert (function.category, function.scarce, function.velocity_critical) == ("qa_testing", 3, False)
    assert write(GOOD) == "unchanged"
    assert write({**GOOD, "name": "qa automation", "scarce": "5"}) == "updated"
    function.refresh_from_db()
    assert (function.name, function.scarce) == ("QA automation", 5)  # the name keeps its case
    assert Function.objects.count() == 1


def test_an_empty_cell_keeps_the_existing_value() -> None:
    FunctionFactory(name="Payroll", category="payroll_hr", description="Kept.")
    assert write({"name": "Payroll", "strategic": "1"}) == "updated"
    function = Function.objects.get(name="Payroll")
    assert (function.description, function.strategic) == ("Kept.", 1)


def test_permissions(user_with_role: Callable[[str], Any]) -> None:
    register = import_register("functions")
    assert register is not None
    assert register.may_import(user_with_role("executive"))
    assert not register.may_import(user_with_role("procurement"))
    [checked] = check(GOOD, actor=user_with_role("procurement"))
    assert "You may not create a new function." in checked.errors["detail"]


def test_a_row_refused_at_write_time_leaves_nothing() -> None:
    register = import_register("functions")
    assert register is not None
    [outcome] = register.write_chunk([{**GOOD, "strategic": "9"}], actor=None)
    assert outcome.outcome is None and "strategic" in outcome.errors
    assert not Function.objects.exists()
    with pytest.raises(ValidationError):
        register.write_row({**GOOD, "category": "x"}, actor=None)


def test_check_queries_do_not_grow_with_rows(django_assert_max_num_queries: Any) -> None:
    FunctionFactory.create_batch(3)
    many = [{**GOOD, "name": f"Function {n}"} for n in range(60)]
    with django_assert_max_num_queries(1):
        checks = check(*many)
    assert all(row.valid for row in checks)
