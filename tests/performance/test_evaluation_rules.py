"""The SLA rules, table-driven: windows, aggregations, statuses, credits (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.performance.evaluation import (
    Aggregates,
    Window,
    aggregate_value,
    breach_magnitude,
    service_credit,
    window_containing,
    window_status,
    windows_between,
)

D = Decimal


@pytest.mark.parametrize(
    ("kind", "day", "window_days", "anchor", "expected"),
    [
        ("month", date(2026, 1, 31), None, None, Window(date(2026, 1, 1), date(2026, 1, 31))),
        ("month", date(2024, 2, 29), None, None, Window(date(2024, 2, 1), date(2024, 2, 29))),
        ("month", date(2026, 12, 1), None, None, Window(date(2026, 12, 1), date(2026, 12, 31))),
        ("quarter", date(2026, 3, 31), None, None, Window(date(2026, 1, 1), date(2026, 3, 31))),
        ("quarter", date(2026, 4, 1), None, None, Window(date(2026, 4, 1), date(2026, 6, 30))),
        ("quarter", date(2026, 11, 23), None, None, Window(date(2026, 10, 1), date(2026, 12, 31))),
        ("rolling", date(2026, 1, 1), 30, date(2026, 1, 1), Window(date(2026, 1, 1), date(2026, 1, 30))),
        ("rolling", date(2026, 1, 31), 30, date(2026, 1, 1), Window(date(2026, 1, 31), date(2026, 3, 1))),
        ("rolling", date(2026, 3, 2), 30, date(2026, 1, 1), Window(date(2026, 3, 2), date(2026, 3, 31))),
        ("rolling", date(2026, 1, 7), 7, date(2026, 1, 5), Window(date(2026, 1, 5), date(2026, 1, 11))),
    ],
)
def test_window_containing(
    kind: str, day: date, window_days: int | None, anchor: date | None, expected: Window
) -> None:
    window = window_containing(kind=kind, day=day, window_days=window_days, anchor=anchor)
    assert window == expected
    assert window.contains(day)


def test_windows_between_are_contiguous_and_cover_the_range() -> None:
    windows = list(windows_between(kind="month", first_day=date(2025, 11, 15), last_day=date(2026, 2, 3)))
    assert [w.start for w in windows] == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    rolling = list(
        windows_between(
            kind="rolling",
            first_day=date(2026, 1, 1),
            last_day=date(2026, 3, 31),
            window_days=45,
            anchor=date(2026, 1, 1),
        )
    )
    assert [(w.start, w.end) for w in rolling] == [
        (date(2026, 1, 1), date(2026, 2, 14)),
        (date(2026, 2, 15), date(2026, 3, 31)),
    ]
    assert list(windows_between(kind="month", first_day=date(2026, 2, 1), last_day=date(2026, 1, 1))) == []


def test_a_rolling_window_needs_its_days_and_anchor() -> None:
    with pytest.raises(ValueError, match="rolling window"):
        window_containing(kind="rolling", day=date(2026, 1, 1))


SAMPLE = Aggregates(
    samples=3,
    mean=D("2.0"),
    total=D("6.0"),
    minimum=D("1.0"),
    maximum=D("3.0"),
    latest=D("1.5"),
    numerator_sum=D("3"),
    denominator_sum=D("200"),
    ratio_samples=3,
)


@pytest.mark.parametrize(
    ("aggregation", "multiplier", "expected"),
    [
        ("mean", D(1), D("2.0000")),
        ("sum", D(1), D("6.0000")),
        ("min", D(1), D("1.0000")),
        ("max", D(1), D("3.0000")),
        ("latest", D(1), D("1.5000")),
        ("ratio", D(100), D("1.5000")),  # 3 ÷ 200 × 100 %
    ],
)
def test_every_aggregation(aggregation: str, multiplier: Decimal, expected: Decimal) -> None:
    assert aggregate_value(SAMPLE, aggregation=aggregation, multiplier=multiplier) == (expected, 3)


def test_mean_of_ratios_and_ratio_of_sums_disagree_about_a_breach() -> None:
    """Defect rate ≤ 2 %: week 1 has 1 escaped defect in 10 items (10 %), week 2 none in 190 (0 %).
    The mean of the weekly rates says 5 % — breached; the truth is 1 in 200 = 0.5 % — met."""
    weekly_rates = [D("10"), D("0")]
    aggregates = Aggregates(
        samples=2,
        mean=sum(weekly_rates) / 2,
        total=sum(weekly_rates),
        minimum=D("0"),
        maximum=D("10"),
        latest=D("0"),
        numerator_sum=D("1"),
        denominator_sum=D("200"),
        ratio_samples=2,
    )
    mean, _ = aggregate_value(aggregates, aggregation="mean")
    ratio, _ = aggregate_value(aggregates, aggregation="ratio", multiplier=D(100))
    rule = {
        "samples": 2,
        "closed": True,
        "comparator": "lte",
        "target": D("2"),
        "warning_target": None,
        "min_samples": 1,
    }
    assert window_status(value=mean, **rule) == "breached"
    assert window_status(value=ratio, **rule) == "met"


def test_no_data_and_unknown_aggregation() -> None:
    assert aggregate_value(Aggregates(), aggregation="mean") == (None, 0)
    assert aggregate_value(Aggregates(samples=2, mean=D(1)), aggregation="ratio") == (None, 0)
    with pytest.raises(ValueError, match="Unknown aggregation"):
        aggregate_value(SAMPLE, aggregation="median")


@pytest.mark.parametrize(
    ("value", "samples", "closed", "comparator", "target", "warning", "min_samples", "expected"),
    [
        (None, 0, True, "gte", D("95"), None, 1, "no_data"),
        (D("99"), 2, True, "gte", D("95"), None, 3, "insufficient_data"),
        (D("95"), 3, True, "gte", D("95"), None, 3, "met"),  # exactly on target meets it
        (D("94.99"), 3, True, "gte", D("95"), None, 1, "breached"),
        (D("2"), 1, True, "lte", D("2"), None, 1, "met"),
        (D("2.01"), 1, True, "lte", D("2"), None, 1, "breached"),
        (None, 0, False, "gte", D("95"), D("97"), 1, "on_track"),
        (D("98"), 1, False, "gte", D("95"), D("97"), 1, "on_track"),
        (D("96"), 1, False, "gte", D("95"), D("97"), 1, "at_risk"),  # inside the warning band
        (D("90"), 1, False, "gte", D("95"), None, 1, "at_risk"),  # already misses the target
        (D("1.5"), 1, False, "lte", D("2"), D("1"), 1, "at_risk"),
        (D("0.5"), 1, False, "lte", D("2"), D("1"), 1, "on_track"),
        (D("3"), 1, False, "lte", D("2"), None, 5, "at_risk"),  # an open window is never a breach
    ],
)
def test_every_status(
    value: Decimal | None,
    samples: int,
    closed: bool,
    comparator: str,
    target: Decimal,
    warning: Decimal | None,
    min_samples: int,
    expected: str,
) -> None:
    status = window_status(
        value=value,
        samples=samples,
        closed=closed,
        comparator=comparator,
        target=target,
        warning_target=warning,
        min_samples=min_samples,
    )
    assert status == expected


@pytest.mark.parametrize(
    ("percent", "value", "start", "end", "window", "expected"),
    [
        # 365 000 over a 365-day year, 30 days in the window: 30 000; 5 % of it.
        (
            D("5"),
            D("365000"),
            date(2026, 1, 1),
            date(2026, 12, 31),
            Window(date(2026, 4, 1), date(2026, 4, 30)),
            D("1500.00"),
        ),
        # The contract starts mid-window: only its days count.
        (
            D("10"),
            D("365000"),
            date(2026, 1, 16),
            date(2027, 1, 15),
            Window(date(2026, 1, 1), date(2026, 1, 31)),
            D("1600.00"),
        ),
        # Open-ended: the value is yearly.
        (D("10"), D("36500"), date(2026, 1, 1), None, Window(date(2026, 1, 1), date(2026, 1, 10)), D("100.00")),
        (
            D("0"),
            D("100000"),
            date(2026, 1, 1),
            date(2026, 12, 31),
            Window(date(2026, 1, 1), date(2026, 1, 31)),
            D("0.00"),
        ),
        (D("5"), None, date(2026, 1, 1), date(2026, 12, 31), Window(date(2026, 1, 1), date(2026, 1, 31)), D("0.00")),
    ],
)
def test_service_credit(
    percent: Decimal, value: Decimal | None, start: date, end: date | None, window: Window, expected: Decimal
) -> None:
    credit = service_credit(
        credit_percent=percent, contract_value=value, contract_start=start, contract_end=end, window=window
    )
    assert credit == expected


def test_breach_magnitude() -> None:
    assert breach_magnitude(value=D("90"), target=D("95")) == (D("5"), D("5.3"))
    assert breach_magnitude(value=D("3"), target=D("0")) == (D("3"), None)
