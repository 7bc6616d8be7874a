"""Reading a CSV import's cells as spreadsheets write them: the escaping apostrophe before a number, the
decimal comma of a semicolon-separated file (and the commas and separators refused as ambiguous), and a
quote that opens and never closes, refused with the row and line it opens on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.performance import measurement_imports
from apps.performance.imports import ImportFileError, import_file_read

pytestmark = pytest.mark.django_db
COLUMNS = ("contract", "kpi", "period_start", "period_end", "value", "numerator", "denominator", "note")


@pytest.fixture(autouse=True)
def contract() -> Any:
    from tests.factories import ContractFactory

    return ContractFactory(reference="MSA-7")


def csv_bytes(*lines: str, delimiter: str = ",") -> bytes:
    return (delimiter.join(COLUMNS) + "\n" + "".join(f"{line}\n" for line in lines)).encode()


def checked(content: bytes) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, list[str]]]]:
    """The rows as the bulk upsert receives them, and the errors, both by the file's row number."""
    rows = import_file_read("measurements", content)
    result = measurement_imports.measurement_import_check(rows)
    bulk = {row["row"]: result.bulk_rows[position] for position, row in enumerate(rows)}
    errors = {rows[position]["row"]: messages for position, messages in result.errors.items()}
    return bulk, errors


# -- the escaping apostrophe -----------------------------------------------------------------------------------
def test_an_apostrophe_escaped_number_is_read_as_the_number() -> None:
    bulk, errors = checked(
        csv_bytes(
            "MSA-7,sprint_velocity,2026-10-01,2026-10-01,'-3,,,",  # row 2: −3, then the KPI's rules
            "MSA-7,sprint_velocity,2026-10-01,2026-10-02,'+4,,,",  # row 3: 4
            "MSA-7,defect_rate,2026-10-01,2026-10-31,,'+3,'+240,'-- a note",  # row 4: ratio; a text note
            "MSA-7,sprint_velocity,2026-10-01,2026-10-04,'=1+2,,,",  # row 5: still a formula
            "MSA-7,sprint_velocity,2026-10-01,2026-10-05,'7,,,",  # row 6: an apostrophe before a digit stays
        )
    )
    # Read as the number −3: refused by the KPI's minimum, not as "not a number".
    assert errors[2] == {"value": ["Sprint velocity cannot be below 0 points; the value is -3."]}
    assert 3 not in errors and Decimal(bulk[3]["value"]) == 4
    assert 4 not in errors and (bulk[4]["numerator"], bulk[4]["denominator"]) == ("+3", "+240")
    assert bulk[4]["note"] == "-- a note"  # a text column keeps its text, without the apostrophe
    assert errors[5] == {"value": ["This cell is a spreadsheet formula: put its value in the file instead."]}
    assert list(errors[6]) == ["value"]


# -- decimal commas --------------------------------------------------------------------------------------------
def test_a_semicolon_separated_file_takes_decimal_commas() -> None:
    bulk, errors = checked(
        csv_bytes(
            "MSA-7;lead_time_for_changes;2026-10-01;2026-10-31;18,5;;;5,5 stays text",
            "MSA-7;defect_rate;2026-10-01;2026-10-31;;2,5;240;",
            "MSA-7;sprint_velocity;2026-10-01;2026-10-14;40.25;;;",  # a decimal point is one too
            "MSA-7;sprint_velocity;2026-10-15;2026-10-28;0.125;;;",
            "MSA-7;sprint_velocity;2026-10-01;2026-10-02;'-0,5;;;",
            delimiter=";",
        )
    )
    assert bulk[2]["value"] == "18.5" and bulk[2]["note"] == "5,5 stays text"
    assert bulk[3]["numerator"] == "2.5"
    assert (bulk[4]["value"], bulk[5]["value"]) == ("40.25", "0.125")
    assert set(errors) == {6} and "-0.5" in errors[6]["value"][0]


@pytest.mark.parametrize(
    ("line", "delimiter", "message"),
    [
        # A comma-separated file has no decimal comma: quoted, "5,5" could be 5.5 or 55.
        ('MSA-7,sprint_velocity,2026-10-01,2026-10-14,"5,5",,,', ",", "decimal comma"),
        ('MSA-7,sprint_velocity,2026-10-01,2026-10-14,"1,234",,,', ",", "decimal comma"),
        # Thousands separators are never read.
        ("MSA-7;sprint_velocity;2026-10-01;2026-10-14;1.234,5;;;", ";", "thousands separators"),
        ("MSA-7;sprint_velocity;2026-10-01;2026-10-14;1 234,5;;;", ";", "thousands separators"),
        ("MSA-7;sprint_velocity;2026-10-01;2026-10-14;1,2,3;;;", ";", "thousands separators"),
        # In a comma-decimal file a dot before three digits may be a thousands separator.
        ("MSA-7;sprint_velocity;2026-10-01;2026-10-14;1.234;;;", ";", "ambiguous"),
        ("MSA-7;sprint_velocity;2026-10-01;2026-10-14;12.345.678;;;", ";", "ambiguous"),
    ],
)
def test_ambiguous_numbers_are_refused_with_the_rule(line: str, delimiter: str, message: str) -> None:
    header = delimiter.join(COLUMNS)
    _bulk, errors = checked(f"{header}\n{line}\n".encode())
    assert list(errors) == [2] and list(errors[2]) == ["value"]
    assert message in errors[2]["value"][0]


# -- quotes that never close ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lines", "row", "line"),
    [
        # The last row's note opens a quote: the file ends inside it.
        (['MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"unclosed note'], 2, 2),
        # A quote opens mid-file and would swallow the rows after it.
        (
            [
                "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,fine",
                'MSA-7,sprint_velocity,2026-10-15,2026-10-28,40,,,"unclosed',
                "MSA-7,sprint_velocity,2026-10-29,2026-10-31,40,,,",
                "MSA-7,sprint_velocity,2026-11-01,2026-11-14,40,,,",
            ],
            3,
            3,
        ),
        # After a note on two lines (a legitimate quoted line break) row and line numbers differ.
        (
            [
                'MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"two\nlines"',
                'MSA-7,sprint_velocity,2026-10-15,2026-10-28,"40,,,',
                "MSA-7,sprint_velocity,2026-10-29,2026-10-31,40,,,",
            ],
            3,
            4,
        ),
        # ... and runs on until a later row's quoted note "closes" it.
        (
            [
                'MSA-7,sprint_velocity,2026-10-01,2026-10-14,"40,,,',
                "MSA-7,sprint_velocity,2026-10-15,2026-10-28,40,,,",
                'MSA-7,sprint_velocity,2026-10-29,2026-10-31,40,,,"a proper note"',
            ],
            2,
            2,
        ),
    ],
    ids=["at-the-end", "mid-file", "after-a-multi-line-cell", "closed-by-a-later-quote"],
)
def test_an_unterminated_quote_is_refused_with_its_row(lines: list[str], row: int, line: int) -> None:
    with pytest.raises(ImportFileError) as refused:
        import_file_read("measurements", csv_bytes(*lines))
    message = refused.value.message
    assert f"Row {row} (line {line})" in message and "never closed" in message, message


def test_a_stray_character_after_a_closing_quote_is_refused_with_its_row() -> None:
    with pytest.raises(ImportFileError) as refused:
        import_file_read(
            "measurements",
            csv_bytes(
                "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,fine",
                'MSA-7,sprint_velocity,2026-10-15,2026-10-28,40,,,"quoted"tail',
            ),
        )
    assert "Row 3 (line 3)" in refused.value.message


def test_quotes_used_properly_still_read() -> None:
    rows = import_file_read(
        "measurements",
        csv_bytes(
            'MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"a ""quoted"" word, and a comma"',
            'MSA-7,sprint_velocity,2026-10-15,2026-10-28,40,,,an inch mark: 5" screen',
        ),
    )
    assert [row["note"] for row in rows] == ['a "quoted" word, and a comma', 'an inch mark: 5" screen']
