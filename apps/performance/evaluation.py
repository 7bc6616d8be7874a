"""The SLA rules, as pure functions: windows, aggregations, statuses and service credits.

The product's exact semantics of SLAs are the specification:

- A measurement belongs to the window that contains its **period end** (a date in the organisation's
  time zone, ``settings.TIME_ZONE``).
- Windows: the calendar month, the calendar quarter, or rolling N days. Rolling windows are consecutive
  N-day windows counted from the contract's start date (so each has one evaluation and at most one
  breach; a sliding window would move every day and breach every day).
- A window is **closed** once its last day is over (``window_end < as_of``); the window containing
  ``as_of`` is the **open** one.
- Aggregations: mean, sum, min, max, latest (the measurement with the latest period end) and ratio of
  sums (Σ numerators ÷ Σ denominators × the KPI's multiplier), the default for ratio KPIs because the
  mean of ratios misstates them.
- A closed window is ``no_data`` (no measurement), ``insufficient_data`` (fewer than the minimum
  samples), ``met`` or ``breached``. The open window is ``on_track`` or ``at_risk`` — at risk when its
  partial value already misses the target or sits inside the warning band — and never a breach.

Nothing here touches the database. ``apps.performance.sla`` applies the same rules to all terms at once in
SQL; ``tests/performance/test_sweep_matches_rules.py`` proves the two agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from apps.kpis.choices import Aggregation
from apps.performance.choices import Comparator, EvaluationStatus, WindowKind

VALUE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")
# An open-ended contract has no term to spread its value over: its value is taken as a yearly value.
OPEN_ENDED_CONTRACT_DAYS = 365


@dataclass(frozen=True, order=True)
class Window:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


# -- windows ------------------------------------------------------------------------------------------
def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_containing(*, kind: str, day: date, window_days: int | None = None, anchor: date | None = None) -> Window:
    """The window of ``kind`` that contains ``day``; rolling windows count from ``anchor`` (the
    contract's start date)."""
    if kind == WindowKind.MONTH:
        start = _month_start(day)
        return Window(start, _add_months(start, 1) - timedelta(days=1))
    if kind == WindowKind.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Window(start, _add_months(start, 3) - timedelta(days=1))
    if kind == WindowKind.ROLLING:
        if not window_days or anchor is None:
            raise ValueError("A rolling window needs its number of days and the contract's start date.")
        index = (day - anchor).days // window_days
        start = anchor + timedelta(days=index * window_days)
        return Window(start, start + timedelta(days=window_days - 1))
    raise ValueError(f"Unknown window kind {kind!r}.")


def windows_between(
    *, kind: str, first_day: date, last_day: date, window_days: int | None = None, anchor: date | None = None
) -> Iterator[Window]:
    """Every window of ``kind`` that overlaps ``first_day``…``last_day``, oldest first."""
    if last_day < first_day:
        return
    window = window_containing(kind=kind, day=first_day, window_days=window_days, anchor=anchor)
    while window.start <= last_day:
        yield window
        window = window_containing(
            kind=kind, day=window.end + timedelta(days=1), window_days=window_days, anchor=anchor
        )


# -- aggregation ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Aggregates:
    """What one SQL pass computes for a window: every aggregation at once, so the rule can pick."""

    samples: int = 0
    mean: Decimal | None = None
    total: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    latest: Decimal | None = None
    numerator_sum: Decimal | None = None
    denominator_sum: Decimal | None = None
    ratio_samples: int = 0


def aggregate_value(
    aggregates: Aggregates, *, aggregation: str, multiplier: Decimal = Decimal(1)
) -> tuple[Decimal | None, int]:
    """The window's value under ``aggregation`` and the number of samples it rests on."""
    if aggregation == Aggregation.RATIO:
        if not aggregates.ratio_samples or not aggregates.denominator_sum:
            return None, aggregates.ratio_samples
        value = (aggregates.numerator_sum or Decimal(0)) * multiplier / aggregates.denominator_sum
        return value.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP), aggregates.ratio_samples
    picked: dict[str, Decimal | None] = {
        Aggregation.MEAN: aggregates.mean,
        Aggregation.SUM: aggregates.total,
        Aggregation.MIN: aggregates.minimum,
        Aggregation.MAX: aggregates.maximum,
        Aggregation.LATEST: aggregates.latest,
    }
    if aggregation not in picked:
        raise ValueError(f"Unknown aggregation {aggregation!r}.")
    picked_value = picked[aggregation]
    if picked_value is None or not aggregates.samples:
        return None, aggregates.samples
    return Decimal(picked_value).quantize(VALUE_PLACES, rounding=ROUND_HALF_UP), aggregates.samples


# -- status -----------------------------------------------------------------------------------------------
def meets(value: Decimal, *, comparator: str, target: Decimal) -> bool:
    if comparator == Comparator.GTE:
        return value >= target
    if comparator == Comparator.LTE:
        return value <= target
    raise ValueError(f"Unknown comparator {comparator!r}.")


def window_status(
    *,
    value: Decimal | None,
    samples: int,
    closed: bool,
    comparator: str,
    target: Decimal,
    warning_target: Decimal | None,
    min_samples: int,
) -> str:
    """The status of a window (see the module docstring)."""
    if closed:
        if samples == 0 or value is None:
            return EvaluationStatus.NO_DATA
        if samples < min_samples:
            return EvaluationStatus.INSUFFICIENT_DATA
        return EvaluationStatus.MET if meets(value, comparator=comparator, target=target) else EvaluationStatus.BREACHED
    if value is None:
        return EvaluationStatus.ON_TRACK  # nothing measured yet: no sign of trouble
    if not meets(value, comparator=comparator, target=target):
        return EvaluationStatus.AT_RISK
    if warning_target is not None and not meets(value, comparator=comparator, target=warning_target):
        return EvaluationStatus.AT_RISK  # inside the warning band
    return EvaluationStatus.ON_TRACK


# -- service credits --------------------------------------------------------------------------------------
def _contract_days_in(*, contract_start: date, contract_end: date | None, window: Window) -> tuple[int, int]:
    """The contract's days inside ``window`` and the days its value is spread over (an open-ended
    contract's value counts as yearly)."""
    total_days = (contract_end - contract_start).days + 1 if contract_end else OPEN_ENDED_CONTRACT_DAYS
    overlap_start = max(window.start, contract_start)
    overlap_end = min(window.end, contract_end) if contract_end else window.end
    return max(0, (overlap_end - overlap_start).days + 1), total_days


def window_contract_value(
    *, contract_value: Decimal | None, contract_start: date, contract_end: date | None, window: Window
) -> Decimal:
    """The part of the contract's value that falls in ``window``: the value spread evenly over the
    contract's days, times the window's days inside the contract."""
    overlap, total_days = _contract_days_in(contract_start=contract_start, contract_end=contract_end, window=window)
    if not contract_value or total_days <= 0:
        return Decimal(0)
    return contract_value * overlap / total_days


def service_credit(
    *,
    credit_percent: Decimal,
    contract_value: Decimal | None,
    contract_start: date,
    contract_end: date | None,
    window: Window,
) -> Decimal:
    """The credit owed for a breached window: the credit percentage of the window's contract value,
    divided once at the end (as the sweep's SQL does, so both round a half-way case alike)."""
    overlap, total_days = _contract_days_in(contract_start=contract_start, contract_end=contract_end, window=window)
    if not contract_value or total_days <= 0:
        return Decimal(0)
    credit = contract_value * overlap * credit_percent / (100 * total_days)
    return credit.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def breach_magnitude(*, value: Decimal, target: Decimal) -> tuple[Decimal, Decimal | None]:
    """How far the value missed the target: the absolute difference and, when the target is not zero,
    that difference as a percentage of the target."""
    gap = abs(value - target)
    percent = (gap / abs(target) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if target else None
    return gap, percent
