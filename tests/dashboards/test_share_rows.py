"""A concentration table's rows (``ShareRows``): every row's figures worked out and ordered, a row built
only when it is read — the overview reads the first few of thousands, the CSV all of them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.dashboards.scope import Drill
from apps.dashboards.tiles.concentration import ConcentrationRow, Share, ShareRows, _share_rows


def _rows(n: int, built: list[str]) -> ShareRows:
    values = {(str(i), "EUR"): Decimal(i) for i in range(1, n + 1)}
    labels = {str(i): f"Vendor {i:03d}" for i in range(1, n + 1)}

    def url_for(key: str, currency: str) -> str:
        built.append(key)
        return f"/contracts/?vendor={key}"

    return _share_rows(values, {"EUR": sum(values.values())}, labels, url_for, Decimal(30), counts_rows=False)


def test_rows_are_ordered_by_share_and_built_when_read() -> None:
    built: list[str] = []
    rows = _rows(200, built)
    assert len(rows) == 200 and built == []
    first = rows[:3]
    # 191 … 200 of 20,100 all round to a 1.0 % share: equal shares go by label.
    assert [row.key for row in first] == ["191", "192", "193"] and built == ["191", "192", "193"]
    assert [row.share for row in first] == [Decimal("1.0")] * 3
    assert rows[0] is first[0]  # built once
    assert rows[-1].key == "10" and rows[-1].share == Decimal("0.0") and len(built) == 4  # 1 … 10 round to 0.0
    with pytest.raises(IndexError):
        rows[200]
    assert all(isinstance(row, ConcentrationRow) for row in rows) and len(built) == 200


def test_flagged_rows_and_one_rows_figures_without_building_the_rest() -> None:
    built: list[str] = []

    def url_for(key: str, currency: str) -> str:
        built.append(key)
        return "/"

    values = {("a", "EUR"): Decimal(70), ("b", "EUR"): Decimal(20), ("c", "EUR"): Decimal(10)}
    rows = _share_rows(
        values, {"EUR": Decimal(100)}, {"a": "A", "b": "B", "c": "C"}, url_for, Decimal(30), counts_rows=False
    )
    assert rows.share_of("b") == Share("b", "EUR", Decimal(20), Decimal("20.0"), False)
    assert rows.share_of("z") is None and built == []
    assert [(row.label, row.share, row.drill) for row in rows.flagged()] == [
        ("A", Decimal("70.0"), Drill(Decimal(70), "/", "A", counts_rows=False))
    ]
    assert built == ["a"]
