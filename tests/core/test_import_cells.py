"""The cell readers every import register shares (apps.core.importing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import models

from apps.core.importing import (
    DECIMAL_COMMA_ADVICE,
    CellError,
    _q_holds,
    check_constraint_errors,
    parse_bool,
    parse_choice,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_int,
    parse_list,
)
from apps.vendors.choices import Tier
from apps.vendors.models import AccessGrant, Certification


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "expected"),
    [
        ("1234.5", False, Decimal("1234.5")),
        ("-3", False, Decimal("-3")),
        (".5", False, Decimal("0.5")),
        ("5,5", True, Decimal("5.5")),
        ("", False, None),
    ],
)
def test_parse_decimal_reads_numbers(cell: str, decimal_comma: bool, expected: Decimal | None) -> None:
    assert parse_decimal(cell, decimal_comma=decimal_comma) == expected


def test_a_decimal_comma_in_a_comma_separated_file_gets_the_helpful_message() -> None:
    with pytest.raises(CellError) as caught:
        parse_decimal("1234,5")
    assert DECIMAL_COMMA_ADVICE in caught.value.message
    assert DECIMAL_COMMA_ADVICE == "Use a decimal point (1234.5), or save the file with semicolons as separators."


@pytest.mark.parametrize("cell", ["1.234", "1.234.567"])
def test_a_dotted_thousands_number_is_ambiguous_with_decimal_commas(cell: str) -> None:
    with pytest.raises(CellError, match="ambiguous"):
        parse_decimal(cell, decimal_comma=True)


@pytest.mark.parametrize("cell", ["abc", "1 234", "NaN", "1e5", "1.234,5"])
def test_parse_decimal_refuses_what_is_not_a_plain_number(cell: str) -> None:
    with pytest.raises(CellError):
        parse_decimal(cell)


def test_parse_int() -> None:
    assert parse_int("3") == 3
    assert parse_int("3.0") == 3
    with pytest.raises(CellError, match="whole number"):
        parse_int("3.5")
    with pytest.raises(CellError, match="whole number"):
        parse_int("three")


def test_parse_date() -> None:
    assert parse_date("2026-03-31") == date(2026, 3, 31)
    assert parse_date("2026-03-31 00:00:00") == date(2026, 3, 31)
    for cell in ("31/03/2026", "2026-02-30", "2026-03-31 10:00:00"):
        with pytest.raises(CellError, match="YYYY-MM-DD"):
            parse_date(cell)


def test_parse_bool() -> None:
    assert [parse_bool(cell) for cell in ("yes", "TRUE", "1", "y", "No", "false", "0", "N")] == [True] * 4 + [False] * 4
    with pytest.raises(CellError, match="yes or no"):
        parse_bool("maybe")


def test_parse_choice_takes_a_value_or_a_label_in_any_case() -> None:
    assert parse_choice("tier_1", Tier) == "tier_1"
    assert parse_choice("TIER 1", Tier) == "tier_1"
    assert parse_choice("tier 1 — critical", Tier) == "tier_1"
    with pytest.raises(CellError, match="tier_1 \\(Tier 1 — critical\\)"):
        parse_choice("gold", Tier)


def test_parse_currency_is_case_insensitive() -> None:
    assert parse_currency("eur") == "EUR"
    with pytest.raises(CellError, match="ISO-4217"):
        parse_currency("EU")


def test_parse_list() -> None:
    assert parse_list("a; b ;;c") == ["a", "b", "c"]
    assert parse_list("a, b") == ["a", "b"]
    assert parse_list("Tom, Ann; Bob") == ["Tom, Ann", "Bob"]


def test_check_constraints_are_evaluated_without_the_database() -> None:
    # No database access: the pytest-django guard would fail this test if a query ran.
    cert = Certification(kind="other", name="", issued_on=date(2026, 1, 1), expires_on=date(2025, 1, 1))
    errors = check_constraint_errors(cert)
    assert errors["expires_on"] == ["A certification must expire after it was issued."]
    assert errors["kind"] == ["Name the certification when its kind is “Other”."]
    grant = AccessGrant(privilege="production", named_account=False, granted_on=date(2026, 1, 1))
    assert "named_account" in check_constraint_errors(grant)
    # NULL passes a check constraint, as in SQL.
    assert check_constraint_errors(AccessGrant(privilege="read", named_account=True, granted_on=None)) == {}


def test_an_unknown_lookup_is_never_a_refusal() -> None:
    assert _q_holds(models.Q(name__in=["x"]), Certification(name="y")) is None
    assert _q_holds(models.Q(name__in=["x"]) | models.Q(kind="other"), Certification(kind="iso9001")) is None
    assert _q_holds(~models.Q(kind="other"), Certification(kind="iso9001")) is True
