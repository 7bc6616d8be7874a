"""Scorecards and KPI trends: reads (selectors) over measurements, SLA terms, SLA evaluations and
performance bands, with every aggregation in the database and a bounded number of queries.

The rules (the product's scorecard, issue 5 parts 5 and 6):

**Periods.** Calendar months and quarters, cut in the organisation's time zone (``settings.TIME_ZONE``:
"today" is ``timezone.localdate()``). A measurement belongs to the period that contains its
``period_end``, as it belongs to the SLA window that contains it.

**Subjects.** A contract, or a vendor: a vendor's scorecard pools the measurements of all its contracts
(ratio KPIs as Σ numerators ÷ Σ denominators over every contract, means over every measurement, …).

**Value** of a KPI in a period: its measurements aggregated once, with the SLA term's aggregation where
the contract has a term for the KPI, else the KPI's default; where a vendor's contracts disagree, the
KPI's default. Ratio KPIs are the ratio of sums × the KPI's multiplier, never a mean of ratios.

**Target**: the contract's SLA term for the KPI (a term whose window is the period's kind first — a
monthly term on a monthly scorecard —, of several the strictest), else the KPI's default target
(``KpiDefinition.default_target``, "at least" for higher-is-better KPIs, "at most" for lower). A vendor
is held to the strictest target of its contracts that measured the KPI in the period.

**Score of a KPI**, 0–100: 100 when the value meets the target; past the target it falls linearly and
reaches 0 at the KPI's tolerance beyond it, a percentage of the target
(``KpiDefinition.score_tolerance_percent``, 100 when empty)::

    tolerance = |target| × tolerance % ÷ 100
    score     = 100 × max(0, 1 − shortfall ÷ tolerance)

At 100 % a lower-is-better KPI scores 0 at twice its target (restoring in 8 h against "at most 4 h"),
a higher-is-better one at nothing; on-time delivery's 20 % reaches 0 at 76 % against "at least 95 %".
Being relative, the tolerance scales with whatever target an SLA term sets. A target of 0 leaves no
room: 100 when met, else 0.

**Weight** of a KPI: its SLA term's severity (``SCORECARD_SEVERITY_WEIGHTS``: critical 3, major 2,
minor 1); held to the KPI's default target, ``SCORECARD_DEFAULT_WEIGHT`` (1). A vendor's KPI weighs as
its most severe source.

**Score of the scorecard**: the weighted mean Σ weight × score ÷ Σ weight over the KPIs measured in the
period that have a target. A KPI without a target (sprint velocity) is shown and does not count. A KPI
an SLA term asks for but nobody measured in the period is listed as *missing* and left out of the
weighting — it is **not** counted as 0 (missing data is the reminders' business; a score of 0 would
make a late upload look like a failure). A period without any measurement (or none with a target) is
**not scored**: no score, no standing.

**Standing**: the first of ``SCORECARD_STANDINGS`` (minimum score, label), best first, that the score
reaches. **Trend**: the score against the previous period of the same kind: the difference, and up /
down / flat (flat within ``TREND_FLAT_POINTS``); none when either period is not scored.

**Bands**: the four DORA KPIs show their DORA band of the report year ``SCORECARD_DORA_YEAR`` (2023);
other KPIs the organisation's own bands (latest year) where it defined some.

**Trends** (charts): a KPI's value per month over the last 12 months, its target each month, and the
months breached — an SLA evaluation of one of its terms breached for a window ending that month, or
the value missing the target.

Queries: ``vendor_scorecards`` and ``contract_scorecards`` take four for any number of subjects (the
aggregate, the SLA terms, the KPIs, the bands); ``vendor_performance`` / ``contract_performance``
(scorecard and trends of one page, from one monthly aggregate) five.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Avg, Count, DecimalField, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.formatting import format_count
from apps.core.rollups import Rollup, VendorSource
from apps.kpis.choices import BandSource, Direction
from apps.kpis.models import KpiDefinition, PerformanceBand
from apps.kpis.units import with_unit
from apps.performance.choices import Comparator, EvaluationStatus, WindowKind
from apps.performance.evaluation import Aggregates, aggregate_value, window_containing
from apps.performance.models import Measurement, SlaEvaluation, SlaTerm, VendorScorecardRollup
from apps.performance.telemetry.explain import scorecard_marks

MONTH = WindowKind.MONTH.value
QUARTER = WindowKind.QUARTER.value
PERIOD_KINDS = (MONTH, QUARTER)
VENDOR = "vendor"
CONTRACT = "contract"

DEFAULT_STANDINGS: tuple[tuple[int, str], ...] = (
    (90, "Excellent"),
    (75, "Good"),
    (50, "Needs attention"),
    (0, "Critical"),
)
DEFAULT_SEVERITY_WEIGHTS = {"critical": 3, "major": 2, "minor": 1}
DEFAULT_WEIGHT = 1
DEFAULT_DORA_YEAR = 2023
TREND_FLAT_POINTS = Decimal("1")
TREND_MONTHS = 12

SCORE_PLACES = Decimal("0.1")
# Contracts whose SLA terms a period expects measurements for: those being delivered (as for the SLA
# engine). A draft has not started; a terminated contract is no longer delivered.
LIVE_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)

BAND_TONES = {"elite": "good", "high": "info", "medium": "warn", "low": "bad"}
TARGET_FROM_TERM = "sla_term"
TARGET_FROM_DEFAULT = "kpi_default"


# -- periods ------------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Period:
    """A calendar month or quarter."""

    start: date
    kind: str = MONTH

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"A scorecard period is a month or a quarter, not {self.kind!r}.")

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        return cls(window_containing(kind=kind, day=day).start, kind)

    @classmethod
    def last_closed(cls, kind: str = MONTH, *, today: date | None = None) -> Period:
        """The latest period that is over (the default of every scorecard: its data is complete)."""
        return cls.containing(kind, today or timezone.localdate()).previous()

    @classmethod
    def parse(cls, text: str | None) -> Period | None:
        """``2026-10`` (a month) or ``2026-Q4`` (a quarter); None when it is neither."""
        text = (text or "").strip().upper()
        try:
            year_text, rest = text.split("-", 1)
            year = int(year_text)
            if rest.startswith("Q"):
                quarter = int(rest[1:])
                if len(rest) == 2 and 1 <= quarter <= 4 and 2000 <= year <= 2999:
                    return cls(date(year, 3 * quarter - 2, 1), QUARTER)
            elif len(rest) == 2 and 2000 <= year <= 2999:
                return cls(date(year, int(rest), 1), MONTH)
        except ValueError:
            return None
        return None

    @property
    def end(self) -> date:
        return window_containing(kind=self.kind, day=self.start).end

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + timedelta(days=1))

    def months(self) -> list[Period]:
        """The months of this period."""
        months, month = [], Period(self.start, MONTH)
        while month.start <= self.end:
            months.append(month)
            month = month.next()
        return months

    def is_open(self, today: date | None = None) -> bool:
        return self.end >= (today or timezone.localdate())

    def as_kind(self, kind: str) -> Period:
        """The period of ``kind`` containing this one's last day (a quarter → its last month)."""
        return Period.containing(kind, self.end)

    @property
    def key(self) -> str:
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"{calendar.month_name[self.start.month]} {self.start.year}"

    @property
    def short_label(self) -> str:
        if self.kind == QUARTER:
            return self.label
        return f"{calendar.month_abbr[self.start.month]} {self.start.year}"

    def __str__(self) -> str:
        return self.label


def months_ending(last: Period, count: int) -> list[Period]:
    """``count`` months, oldest first, ending with the month that ends ``last``."""
    month = last.as_kind(MONTH)
    months = [month]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


# -- settings ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Standing:
    label: str
    min_score: Decimal
    tone: str  # good / info / warn / bad: how the badge looks, best to worst


def standings() -> list[Standing]:
    """``SCORECARD_STANDINGS`` best first; the best looks good, the worst bad, the rest in between."""
    bands = sorted(getattr(settings, "SCORECARD_STANDINGS", DEFAULT_STANDINGS), key=lambda band: -band[0])
    middle = ["warn"] if len(bands) == 3 else ["info", *["warn"] * (len(bands) - 3)]
    tones = ["good"] if len(bands) == 1 else ["good", *middle[: len(bands) - 2], "bad"]
    return [
        Standing(label=str(label), min_score=Decimal(str(minimum)), tone=tone)
        for (minimum, label), tone in zip(bands, tones, strict=True)
    ]


def standing_for(score: Decimal | None, bands: Sequence[Standing] | None = None) -> Standing | None:
    """The standing a score reaches (``bands``: ``standings()``, when the caller read them already)."""
    if score is None:
        return None
    bands = standings() if bands is None else bands
    return next((band for band in bands if score >= band.min_score), bands[-1] if bands else None)


def severity_weight(severity: str | None) -> int:
    if severity is None:
        return int(getattr(settings, "SCORECARD_DEFAULT_WEIGHT", DEFAULT_WEIGHT))
    weights = getattr(settings, "SCORECARD_SEVERITY_WEIGHTS", DEFAULT_SEVERITY_WEIGHTS)
    return int(weights.get(severity, DEFAULT_WEIGHT))


def dora_year() -> int:
    return int(getattr(settings, "SCORECARD_DORA_YEAR", DEFAULT_DORA_YEAR))


# -- the arithmetic (pure) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """What a KPI is held to, and where that comes from."""

    value: Decimal
    comparator: str
    source: str  # TARGET_FROM_TERM or TARGET_FROM_DEFAULT
    weight: int
    severity: str | None = None

    @property
    def symbol(self) -> str:
        return "≥" if self.comparator == Comparator.GTE else "≤"

    @property
    def words(self) -> str:
        return "at least" if self.comparator == Comparator.GTE else "at most"


def meets_target(value: Decimal, target: Target) -> bool:
    return value >= target.value if target.comparator == Comparator.GTE else value <= target.value


def kpi_score(value: Decimal, target: Target, *, tolerance_percent: Decimal | None) -> Decimal:
    """100 at or past the target; then down linearly to 0 at the tolerance beyond it (see the module)."""
    shortfall = target.value - value if target.comparator == Comparator.GTE else value - target.value
    if shortfall <= 0:
        return Decimal(100)
    percent = tolerance_percent if tolerance_percent is not None and tolerance_percent > 0 else Decimal(100)
    tolerance = abs(target.value) * percent / 100
    if not tolerance:
        return Decimal(0)
    score = Decimal(100) * max(Decimal(0), 1 - shortfall / tolerance)
    return score.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def weighted_score(parts: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """Σ weight × score ÷ Σ weight over (score, weight) pairs; None when there is none."""
    total = weights = Decimal(0)
    for score, weight in parts:
        total += score * weight
        weights += weight
    if not weights:
        return None
    return (total / weights).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def trend_of(score: Decimal | None, previous: Decimal | None) -> tuple[Decimal | None, str | None]:
    """(difference, "up" / "down" / "flat"), or (None, None) when either period is not scored."""
    if score is None or previous is None:
        return None, None
    delta = score - previous
    if abs(delta) < TREND_FLAT_POINTS:
        return delta, "flat"
    return delta, "up" if delta > 0 else "down"


def _stricter(kpi: KpiDefinition, a: Target | None, b: Target | None) -> Target | None:
    if a is None or b is None:
        return a or b
    if a.value == b.value:
        return a if (a.weight, a.source == TARGET_FROM_TERM) >= (b.weight, b.source == TARGET_FROM_TERM) else b
    higher_is_better = kpi.direction == Direction.HIGHER
    return a if (a.value > b.value) == higher_is_better else b


def default_target(kpi: KpiDefinition) -> Target | None:
    if kpi.default_target is None:
        return None
    comparator = Comparator.GTE if kpi.direction == Direction.HIGHER else Comparator.LTE
    return Target(kpi.default_target, comparator, TARGET_FROM_DEFAULT, severity_weight(None))


# -- reads --------------------------------------------------------------------------------------------------
class _LatestValue(ArrayAgg):
    """The value of a group's latest measurement (latest period end, then start, then id): the
    ``latest`` aggregation, as the SLA engine computes it, without shipping the whole array."""

    template = "(%(function)s(%(distinct)s%(expressions)s %(order_by)s))[1]"

    @property
    def output_field(self) -> DecimalField:  # type: ignore[override]  # the array's first element, not the array
        return DecimalField(max_digits=16, decimal_places=4)


@dataclass(frozen=True)
class _Group:
    """One row of the aggregate: a subject's KPI in one bucket (month or quarter)."""

    subject_id: int
    kpi_id: int
    bucket: date
    aggregates: Aggregates
    contract_ids: tuple[int, ...]


def _aggregate(*, by: str, ids: Sequence[int] | None, first: date, last: date, bucket: str) -> list[_Group]:
    """Every aggregation of every (subject, KPI, bucket) from ``first`` to ``last`` (period ends): one query."""
    subject_field = "contract__vendor_id" if by == VENDOR else "contract_id"
    measurements = Measurement.objects.filter(period_end__gte=first, period_end__lte=last)
    if ids is not None:
        measurements = measurements.filter(**{f"{subject_field}__in": list(ids)})
    truncate = TruncMonth if bucket == MONTH else TruncQuarter
    rows = (
        measurements.order_by()
        .annotate(subject=F(subject_field), bucket=truncate("period_end"))
        .values("subject", "kpi_id", "bucket")
        .annotate(
            samples=Count("id"),
            mean=Avg("value"),
            total=Sum("value"),
            minimum=Min("value"),
            maximum=Max("value"),
            latest=_LatestValue("value", order_by=("-period_end", "-period_start", "-id")),
            numerator_sum=Sum("numerator", filter=Q(denominator__isnull=False)),
            denominator_sum=Sum("denominator"),
            ratio_samples=Count("denominator"),
            contracts=ArrayAgg("contract_id", distinct=True),
        )
    )
    return [
        _Group(
            subject_id=row["subject"],
            kpi_id=row["kpi_id"],
            bucket=row["bucket"],
            aggregates=Aggregates(
                samples=row["samples"],
                mean=row["mean"],
                total=row["total"],
                minimum=row["minimum"],
                maximum=row["maximum"],
                latest=row["latest"],
                numerator_sum=row["numerator_sum"],
                denominator_sum=row["denominator_sum"],
                ratio_samples=row["ratio_samples"],
            ),
            contract_ids=tuple(sorted(row["contracts"])),
        )
        for row in rows
    ]


def _merged(groups: Sequence[_Group], bucket: date) -> _Group:
    """Monthly groups of one subject and KPI as one group of ``bucket``: every aggregation merges
    exactly (the mean as Σ values ÷ count, the latest as the latest month's latest)."""
    if len(groups) == 1:
        return replace(groups[0], bucket=bucket)
    parts = [group.aggregates for group in groups]
    samples = sum(part.samples for part in parts)
    total = sum((part.total for part in parts if part.total is not None), Decimal(0))
    values = [part for part in parts if part.samples]
    numerators = [part.numerator_sum for part in parts if part.numerator_sum is not None]
    denominators = [part.denominator_sum for part in parts if part.denominator_sum is not None]
    latest_month = max((group for group in groups if group.aggregates.samples), key=lambda group: group.bucket)
    return _Group(
        subject_id=groups[0].subject_id,
        kpi_id=groups[0].kpi_id,
        bucket=bucket,
        aggregates=Aggregates(
            samples=samples,
            mean=total / samples if samples else None,
            total=total if values else None,
            minimum=min((part.minimum for part in values if part.minimum is not None), default=None),
            maximum=max((part.maximum for part in values if part.maximum is not None), default=None),
            latest=latest_month.aggregates.latest,
            numerator_sum=sum(numerators, Decimal(0)) if numerators else None,
            denominator_sum=sum(denominators, Decimal(0)) if denominators else None,
            ratio_samples=sum(part.ratio_samples for part in parts),
        ),
        contract_ids=tuple(sorted({contract for group in groups for contract in group.contract_ids})),
    )


def rolled_up(monthly: Iterable[_Group], period: Period) -> list[_Group]:
    """The monthly groups of ``period`` and of the period before it, as groups of those periods."""
    wanted = {period.start, period.previous().start}
    buckets: dict[tuple[int, int, date], list[_Group]] = defaultdict(list)
    for group in monthly:
        start = Period.containing(period.kind, group.bucket).start
        if start in wanted:
            buckets[(group.subject_id, group.kpi_id, start)].append(group)
    return [_merged(groups, start) for (_, _, start), groups in buckets.items()]


@dataclass(frozen=True)
class _Term:
    contract_id: int
    vendor_id: int
    kpi_id: int
    comparator: str
    target: Decimal
    aggregation: str
    severity: str
    window: str
    contract_live: bool
    contract_start: date
    contract_end: date | None

    def overlaps(self, period: Period) -> bool:
        return self.contract_start <= period.end and (self.contract_end is None or self.contract_end >= period.start)


@dataclass
class _Reference:
    """What turns aggregates into scores: the KPIs, their SLA terms per contract, the bands."""

    kpis: dict[int, KpiDefinition] = field(default_factory=dict)
    terms: dict[tuple[int, int], list[_Term]] = field(default_factory=dict)  # (contract, KPI) → terms
    terms_by_subject: dict[int, list[_Term]] = field(default_factory=dict)
    bands: dict[int, list[PerformanceBand]] = field(default_factory=dict)  # KPI → bands shown, best first
    # What ``_contract_source`` worked out, by (contract, KPI, period kind): a portfolio's scorecards ask
    # for each several times (the period, the one before, the missing rows).
    sources: dict[tuple[int, int, str], tuple[str, Target | None]] = field(default_factory=dict)
    # The severity weights (``SCORECARD_SEVERITY_WEIGHTS``), read once rather than once per term.
    weights: dict[str, int] = field(default_factory=dict)

    def weight(self, severity: str) -> int:
        if severity not in self.weights:
            self.weights[severity] = severity_weight(severity)
        return self.weights[severity]

    def contract_source(self, kpi: KpiDefinition, contract_id: int, period_kind: str) -> tuple[str, Target | None]:
        key = (contract_id, kpi.pk, period_kind)
        if key not in self.sources:
            self.sources[key] = _contract_source(
                kpi, self.terms.get((contract_id, kpi.pk), ()), period_kind, weight=self.weight
            )
        return self.sources[key]


def _load_terms(*, by: str, ids: Sequence[int] | None) -> list[_Term]:
    terms = SlaTerm.objects.order_by()
    if ids is not None:
        terms = terms.filter(**{"contract__vendor_id__in" if by == VENDOR else "contract_id__in": list(ids)})
    rows = terms.values_list(
        "contract_id",
        "contract__vendor_id",
        "kpi_id",
        "comparator",
        "target",
        "aggregation",
        "kpi__aggregation",
        "severity",
        "window",
        "contract__status",
        "contract__start_date",
        "contract__end_date",
    )
    return [
        _Term(
            contract_id=contract_id,
            vendor_id=vendor_id,
            kpi_id=kpi_id,
            comparator=comparator,
            target=target,
            aggregation=aggregation or kpi_aggregation,
            severity=severity,
            window=window,
            contract_live=status in LIVE_CONTRACT_STATUSES,
            contract_start=start,
            contract_end=end,
        )
        for (
            contract_id,
            vendor_id,
            kpi_id,
            comparator,
            target,
            aggregation,
            kpi_aggregation,
            severity,
            window,
            status,
            start,
            end,
        ) in rows
    ]


def _load_reference(*, by: str, kpi_ids: set[int], terms: list[_Term]) -> _Reference:
    """The KPIs and bands of ``kpi_ids`` and of the terms (two queries; none when there is nothing)."""
    reference = _Reference()
    for term in terms:
        reference.terms.setdefault((term.contract_id, term.kpi_id), []).append(term)
        subject = term.vendor_id if by == VENDOR else term.contract_id
        reference.terms_by_subject.setdefault(subject, []).append(term)
    wanted = kpi_ids | {term.kpi_id for term in terms}
    if not wanted:
        return reference
    reference.kpis = {kpi.pk: kpi for kpi in KpiDefinition.objects.filter(pk__in=wanted)}
    year = dora_year()
    bands = PerformanceBand.objects.filter(kpi_id__in=wanted).filter(
        Q(source=BandSource.DORA, year=year) | Q(source=BandSource.ORGANISATION)
    )
    by_kpi: dict[int, dict[tuple[str, int], list[PerformanceBand]]] = defaultdict(lambda: defaultdict(list))
    for band in bands.order_by("kpi_id", "rank"):
        by_kpi[band.kpi_id][(band.source, band.year)].append(band)
    for kpi_id, sets in by_kpi.items():
        dora = sets.get((BandSource.DORA, year))
        if dora:
            reference.bands[kpi_id] = dora
            continue
        own_years = sorted((y for source, y in sets if source == BandSource.ORGANISATION), reverse=True)
        if own_years:
            reference.bands[kpi_id] = sets[(BandSource.ORGANISATION, own_years[0])]
    return reference


def band_for(bands: Sequence[PerformanceBand], value: Decimal | None) -> PerformanceBand | None:
    """The best-ranked band holding ``value`` (lower ≤ value < upper; open bounds hold everything)."""
    if value is None:
        return None
    for band in bands:  # best first
        if (band.lower is None or band.lower <= value) and (band.upper is None or value < band.upper):
            return band
    return None


def _contract_source(
    kpi: KpiDefinition,
    terms: Sequence[_Term],
    period_kind: str,
    *,
    weight: Callable[[str], int] = severity_weight,
) -> tuple[str, Target | None]:
    """One contract's (aggregation, target) for ``kpi``: its terms of the period's kind first (else all
    of them), the strictest, weighing as the most severe; with no term, the KPI's default aggregation
    and target."""
    if not terms:
        return kpi.aggregation, default_target(kpi)
    chosen = [term for term in terms if term.window == period_kind] or list(terms)
    heaviest = max(chosen, key=lambda term: weight(term.severity))
    weight_of_heaviest = weight(heaviest.severity)
    best_term, best = chosen[0], None
    for term in chosen:
        candidate = Target(term.target, term.comparator, TARGET_FROM_TERM, weight_of_heaviest, heaviest.severity)
        if _stricter(kpi, best, candidate) is candidate:
            best_term, best = term, candidate
    return best_term.aggregation, best


def _subject_source(
    kpi: KpiDefinition, contract_ids: Iterable[int], reference: _Reference, period_kind: str
) -> tuple[str, Target | None]:
    """A subject's (aggregation, target) for ``kpi`` over the contracts that measured it: the one
    aggregation they agree on (else the KPI's default), the strictest target, the heaviest weight."""
    aggregations, target, weight = set(), None, 0
    severity = None
    for contract_id in contract_ids:
        aggregation, contract_target = reference.contract_source(kpi, contract_id, period_kind)
        aggregations.add(aggregation)
        if contract_target is not None:
            if contract_target.weight > weight:
                weight, severity = contract_target.weight, contract_target.severity
            target = _stricter(kpi, target, contract_target)
    aggregation = aggregations.pop() if len(aggregations) == 1 else kpi.aggregation
    if target is not None:
        target = Target(target.value, target.comparator, target.source, weight, severity)
    return aggregation, target


# -- scorecards -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiRow:
    """One KPI of a scorecard."""

    kpi: KpiDefinition
    value: Decimal | None
    samples: int
    aggregation: str
    target: Target | None
    meets: bool | None
    score: Decimal | None
    band: PerformanceBand | None
    previous_value: Decimal | None

    @property
    def weight(self) -> int | None:
        return self.target.weight if self.target is not None and self.score is not None else None

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def band_tone(self) -> str:
        return BAND_TONES.get(self.band.band, "quiet") if self.band is not None else "quiet"

    @property
    def change(self) -> str | None:
        """ "better" / "worse" / "same" against the previous period, in the KPI's direction."""
        if self.value is None or self.previous_value is None:
            return None
        if self.value == self.previous_value:
            return "same"
        return "better" if (self.value > self.previous_value) == (self.kpi.direction == Direction.HIGHER) else "worse"


@dataclass(frozen=True)
class Scorecard:
    """A subject's (vendor's or contract's) scorecard for one period."""

    subject: str
    subject_id: int
    period: Period
    rows: list[KpiRow]
    score: Decimal | None
    standing: Standing | None
    previous_score: Decimal | None
    delta: Decimal | None
    trend: str | None

    @property
    def scored(self) -> bool:
        return self.score is not None

    @property
    def delta_points(self) -> Decimal | None:
        """How far the score moved, without its sign (the trend says which way)."""
        return abs(self.delta) if self.delta is not None else None

    @property
    def measured_rows(self) -> list[KpiRow]:
        return [row for row in self.rows if not row.missing]

    @property
    def missing_rows(self) -> list[KpiRow]:
        return [row for row in self.rows if row.missing]

    @property
    def scored_rows(self) -> list[KpiRow]:
        return [row for row in self.rows if row.score is not None]


def _rows(
    kpi_groups: dict[int, _Group], reference: _Reference, period: Period, previous: dict[int, _Group]
) -> list[KpiRow]:
    rows = []
    for kpi_id, group in kpi_groups.items():
        kpi = reference.kpis[kpi_id]
        aggregation, target = _subject_source(kpi, group.contract_ids, reference, period.kind)
        value, samples = aggregate_value(group.aggregates, aggregation=aggregation, multiplier=kpi.multiplier)
        previous_value = None
        if kpi_id in previous:
            before = previous[kpi_id]
            previous_aggregation, _ = _subject_source(kpi, before.contract_ids, reference, period.kind)
            previous_value, _ = aggregate_value(
                before.aggregates, aggregation=previous_aggregation, multiplier=kpi.multiplier
            )
        meets = score = None
        if value is not None and target is not None:
            meets = meets_target(value, target)
            score = kpi_score(value, target, tolerance_percent=kpi.score_tolerance_percent)
        rows.append(
            KpiRow(
                kpi=kpi,
                value=value,
                samples=samples,
                aggregation=aggregation,
                target=target,
                meets=meets,
                score=score,
                band=band_for(reference.bands.get(kpi_id, ()), value),
                previous_value=previous_value,
            )
        )
    return rows


def _missing_rows(subject_id: int, measured: set[int], reference: _Reference, period: Period) -> list[KpiRow]:
    """The KPIs the subject's live contracts have SLA terms for, unmeasured in ``period``."""
    by_kpi: dict[int, set[int]] = defaultdict(set)
    for term in reference.terms_by_subject.get(subject_id, ()):
        if term.contract_live and term.overlaps(period) and term.kpi_id not in measured:
            by_kpi[term.kpi_id].add(term.contract_id)
    rows = []
    for kpi_id, contract_ids in by_kpi.items():
        kpi = reference.kpis[kpi_id]
        aggregation, target = _subject_source(kpi, sorted(contract_ids), reference, period.kind)
        rows.append(KpiRow(kpi, None, 0, aggregation, target, None, None, None, None))
    return rows


def _score_of(rows: Iterable[KpiRow]) -> Decimal | None:
    return weighted_score(
        (row.score, row.target.weight) for row in rows if row.score is not None and row.target is not None
    )


def _build_scorecards(
    *,
    by: str,
    ids: Sequence[int] | None,
    period: Period,
    groups: list[_Group],
    reference: _Reference,
) -> dict[int, Scorecard]:
    previous_period = period.previous()
    current: dict[int, dict[int, _Group]] = defaultdict(dict)
    before: dict[int, dict[int, _Group]] = defaultdict(dict)
    for group in groups:
        if group.bucket == period.start:
            current[group.subject_id][group.kpi_id] = group
        elif group.bucket == previous_period.start:
            before[group.subject_id][group.kpi_id] = group
    subjects = set(ids) if ids is not None else set(current) | set(before) | set(reference.terms_by_subject)
    scorecards = {}
    for subject_id in subjects:
        rows = _rows(current.get(subject_id, {}), reference, period, before.get(subject_id, {}))
        rows += _missing_rows(subject_id, {row.kpi.pk for row in rows}, reference, period)
        rows.sort(key=lambda row: (row.missing, row.kpi.name))
        score = _score_of(rows)
        previous_rows = _rows(before.get(subject_id, {}), reference, previous_period, {})
        previous_score = _score_of(previous_rows)
        delta, trend = trend_of(score, previous_score)
        scorecards[subject_id] = Scorecard(
            subject=by,
            subject_id=subject_id,
            period=period,
            rows=rows,
            score=score,
            standing=standing_for(score),
            previous_score=previous_score,
            delta=delta,
            trend=trend,
        )
    return scorecards


def _scorecards(*, by: str, ids: Sequence[int] | None, period: Period) -> dict[int, Scorecard]:
    groups = _aggregate(by=by, ids=ids, first=period.previous().start, last=period.end, bucket=period.kind)
    terms = _load_terms(by=by, ids=ids)
    reference = _load_reference(by=by, kpi_ids={group.kpi_id for group in groups}, terms=terms)
    return _build_scorecards(by=by, ids=ids, period=period, groups=groups, reference=reference)


def vendor_scorecards(*, period: Period, vendor_ids: Iterable[int] | None = None) -> dict[int, Scorecard]:
    """The scorecards of ``vendor_ids`` (each of them, scored or not), or of every vendor with
    measurements or SLA terms when None, for ``period``: four queries for any number of vendors."""
    return _scorecards(by=VENDOR, ids=None if vendor_ids is None else list(vendor_ids), period=period)


# -- the league table's scorecards, stored --------------------------------------------------------------------
# What scorecards are made of (``apps.core.rollups``): a vendor's measurements, SLA terms and contracts,
# and for every vendor the KPI catalogue, its bands and the ``SCORECARD_*`` settings.
SCORECARD_ROLLUP = Rollup(
    name="performance:vendor-scorecards",
    store=VendorScorecardRollup,
    per_vendor=(
        VendorSource(Measurement, "contract__vendor"),
        VendorSource(SlaTerm, "contract__vendor"),
        VendorSource(Contract, "vendor"),
    ),
    shared=(KpiDefinition, PerformanceBand),
)


def _scorecard_settings() -> str:
    return repr(
        sorted((name, repr(getattr(settings, name))) for name in dir(settings) if name.startswith("SCORECARD_"))
    )


def _stored_scorecard(row: Mapping[str, Any], period: Period, bands: Sequence[Standing]) -> Scorecard:
    delta, trend = trend_of(row["score"], row["previous_score"])
    return Scorecard(
        subject=VENDOR,
        subject_id=row["vendor_id"],
        period=period,
        rows=[],
        score=row["score"],
        standing=standing_for(row["score"], bands),
        previous_score=row["previous_score"],
        delta=delta,
        trend=trend,
    )


def _scorecard_rollup(period: Period) -> dict[str, Any]:
    """What ``SCORECARD_ROLLUP`` reads and stores for ``period``: its key, rows and how to work them out."""

    def compute(missing: list[int]) -> list[VendorScorecardRollup]:
        cards = vendor_scorecards(period=period, vendor_ids=missing)
        return [
            VendorScorecardRollup(
                vendor_id=pk,
                period_kind=period.kind,
                period_start=period.start,
                score=cards[pk].score,
                previous_score=cards[pk].previous_score,
            )
            for pk in missing
        ]

    return {
        "key": _scorecard_settings(),
        "where": {"period_kind": period.kind, "period_start": period.start},
        "compute": compute,
    }


def league_scorecards(*, period: Period, vendor_ids: Iterable[int]) -> dict[int, Scorecard]:
    """The scorecards of many vendors without their KPI rows (what a league table shows: score,
    standing, trend), read from the stored rollup (``SCORECARD_ROLLUP``): two queries when no vendor's
    measurements, terms or contracts changed since they were stored; the vendors that changed are worked
    out again (``vendor_scorecards``, four queries for all of them) and stored."""
    rows = SCORECARD_ROLLUP.rows(vendor_ids=vendor_ids, **_scorecard_rollup(period))
    bands = standings()
    return {pk: _stored_scorecard(row, period, bands) for pk, row in rows.items()}


def store_league_scorecards(*, period: Period, vendors: QuerySet[Any]) -> None:
    """``league_scorecards`` stored and current for the vendors of the query ``vendors``, not read: for a
    statement that reads ``VendorScorecardRollup`` itself (the league table's ranking). Two queries when
    nothing changed."""
    SCORECARD_ROLLUP.ensure(vendors=vendors, **_scorecard_rollup(period))


def stored_league_scorecards(*, period: Period, vendor_ids: Iterable[int]) -> dict[int, Scorecard]:
    """The stored scorecards of a few vendors (a page's) as they are, after ``store_league_scorecards``:
    one query."""
    rows = SCORECARD_ROLLUP.stored(
        vendor_ids=vendor_ids, where={"period_kind": period.kind, "period_start": period.start}
    )
    bands = standings()
    return {pk: _stored_scorecard(row, period, bands) for pk, row in rows.items()}


def contract_scorecards(*, period: Period, contract_ids: Iterable[int]) -> dict[int, Scorecard]:
    """The scorecards of ``contract_ids`` for ``period``: four queries for any number of contracts."""
    return _scorecards(by=CONTRACT, ids=list(contract_ids), period=period)


def vendor_scorecard(*, vendor_id: int, period: Period) -> Scorecard:
    return vendor_scorecards(period=period, vendor_ids=[vendor_id])[vendor_id]


def contract_scorecard(*, contract_id: int, period: Period) -> Scorecard:
    return contract_scorecards(period=period, contract_ids=[contract_id])[contract_id]


# -- trends (charts) --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendPoint:
    period: Period
    value: Decimal | None
    target: Target | None
    meets: bool | None
    evaluation_breached: bool  # an SLA evaluation of one of the KPI's terms breached, for a window ending here

    @property
    def breached(self) -> bool:
        return self.evaluation_breached or self.meets is False


def _with_unit(value: Decimal | None, unit: str) -> str:
    return with_unit(value, unit)  # printed the one way every page prints a KPI value


@dataclass(frozen=True)
class KpiTrend:
    """One KPI's last months, for a chart and its table."""

    kpi: KpiDefinition
    points: list[TrendPoint]

    @property
    def latest(self) -> TrendPoint | None:
        return next((point for point in reversed(self.points) if point.value is not None), None)

    @property
    def breached_count(self) -> int:
        return sum(1 for point in self.points if point.breached)

    @property
    def dom_id(self) -> str:
        return f"kpi-chart-{self.kpi.code}"

    @property
    def data_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def summary(self) -> str:
        """The chart's text alternative: the latest value against its target, and the breaches."""
        latest = self.latest
        months = len(self.points)
        if latest is None:
            return f"{self.kpi.name}: no measurement in the last {format_count(months, 'month')}."
        text = f"{self.kpi.name}: {_with_unit(latest.value, self.kpi.unit)} in {latest.period.short_label}"
        if latest.target is not None:
            verdict = "breached" if latest.breached else "met"
            text += f", against a target of {latest.target.words} {_with_unit(latest.target.value, self.kpi.unit)}: {verdict}"
        else:
            text += ", with no target"
        breached = self.breached_count
        return (
            f"{text}. {breached} of the {format_count(months, 'month')} shown breached."
            if breached
            else f"{text}. No month breached."
        )

    def chart_data(self) -> dict[str, Any]:
        """What ``static/js/charts.js`` draws (rendered with ``json_script``)."""

        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "kpi": self.kpi.name,
            "unit": self.kpi.unit,
            "direction": self.kpi.direction,
            "labels": [point.period.short_label for point in self.points],
            "values": [number(point.value) for point in self.points],
            "targets": [number(point.target.value if point.target else None) for point in self.points],
            "breached": [point.breached for point in self.points],
        }


def _breached_windows(*, by: str, ids: Sequence[int], first: date, last: date) -> set[tuple[int, int, date]]:
    """(subject, KPI, month) of every closed SLA window breached that ends from ``first`` to ``last``."""
    subject_field = "term__contract__vendor_id" if by == VENDOR else "term__contract_id"
    rows = (
        SlaEvaluation.objects.filter(
            status=EvaluationStatus.BREACHED, is_closed=True, window_end__gte=first, window_end__lte=last
        )
        .filter(**{f"{subject_field}__in": list(ids)})
        .order_by()
        .values_list(subject_field, "term__kpi_id", "window_end")
        .distinct()
    )
    return {(subject, kpi_id, end.replace(day=1)) for subject, kpi_id, end in rows}


def _build_trends(
    *,
    ids: Sequence[int],
    months: list[Period],
    groups: list[_Group],
    reference: _Reference,
    breached: set[tuple[int, int, date]],
) -> dict[int, list[KpiTrend]]:
    by_subject: dict[int, dict[int, dict[date, _Group]]] = defaultdict(lambda: defaultdict(dict))
    for group in groups:
        by_subject[group.subject_id][group.kpi_id][group.bucket] = group
    trends: dict[int, list[KpiTrend]] = {}
    for subject_id in ids:
        subject_trends = []
        for kpi_id, all_buckets in by_subject.get(subject_id, {}).items():
            buckets = {month.start: all_buckets[month.start] for month in months if month.start in all_buckets}
            if not buckets:
                continue
            kpi = reference.kpis[kpi_id]
            measuring = sorted({contract for found in buckets.values() for contract in found.contract_ids})
            _, gap_target = _subject_source(kpi, measuring, reference, MONTH)
            points = []
            for month in months:
                measured = buckets.get(month.start)
                value = target = meets = None
                if measured is not None:
                    aggregation, target = _subject_source(kpi, measured.contract_ids, reference, MONTH)
                    value, _ = aggregate_value(measured.aggregates, aggregation=aggregation, multiplier=kpi.multiplier)
                else:  # no data this month: the target the contracts measuring it in the range are held to
                    target = gap_target
                if value is not None and target is not None:
                    meets = meets_target(value, target)
                points.append(
                    TrendPoint(
                        period=month,
                        value=value,
                        target=target,
                        meets=meets,
                        evaluation_breached=(subject_id, kpi_id, month.start) in breached,
                    )
                )
            subject_trends.append(KpiTrend(kpi=kpi, points=points))
        trends[subject_id] = sorted(subject_trends, key=lambda trend: trend.kpi.name)
    return trends


@dataclass(frozen=True)
class Performance:
    """A page's scorecard and KPI trends (the vendor's Performance tab, the contract page)."""

    scorecard: Scorecard
    trends: list[KpiTrend]
    months: list[Period]


def _performance(*, by: str, subject_id: int, period: Period, months: int) -> Performance:
    ids = [subject_id]
    trend_months = months_ending(period, months)
    # One aggregate by month serves both: the charts' months, and the scorecard's two periods rolled up.
    first = min(trend_months[0].start, period.previous().start)
    monthly = _aggregate(by=by, ids=ids, first=first, last=trend_months[-1].end, bucket=MONTH)
    groups = rolled_up(monthly, period)
    terms = _load_terms(by=by, ids=ids)
    kpi_ids = {group.kpi_id for group in monthly}
    reference = _load_reference(by=by, kpi_ids=kpi_ids, terms=terms)
    breached = _breached_windows(by=by, ids=ids, first=trend_months[0].start, last=trend_months[-1].end)
    scorecard = _build_scorecards(by=by, ids=ids, period=period, groups=groups, reference=reference)[subject_id]
    trends = _build_trends(ids=ids, months=trend_months, groups=monthly, reference=reference, breached=breached)
    return Performance(scorecard=scorecard, trends=trends[subject_id], months=trend_months)


def vendor_performance(*, vendor_id: int, period: Period, months: int = TREND_MONTHS) -> Performance:
    """The vendor's scorecard for ``period`` and its KPIs' last ``months`` months up to it: five queries."""
    return _performance(by=VENDOR, subject_id=vendor_id, period=period, months=months)


def contract_performance(*, contract_id: int, period: Period, months: int = TREND_MONTHS) -> Performance:
    """The contract's scorecard for ``period`` and its KPIs' last ``months`` months up to it: five queries."""
    return _performance(by=CONTRACT, subject_id=contract_id, period=period, months=months)


def vendor_kpi_trends(
    *, vendor_ids: Iterable[int], last: Period, months: int = TREND_MONTHS
) -> dict[int, list[KpiTrend]]:
    """The KPI trends of many vendors (e.g. a dashboard): five queries for any number."""
    ids = list(vendor_ids)
    trend_months = months_ending(last, months)
    monthly = _aggregate(by=VENDOR, ids=ids, first=trend_months[0].start, last=trend_months[-1].end, bucket=MONTH)
    terms = _load_terms(by=VENDOR, ids=ids)
    reference = _load_reference(by=VENDOR, kpi_ids={group.kpi_id for group in monthly}, terms=terms)
    breached = _breached_windows(by=VENDOR, ids=ids, first=trend_months[0].start, last=trend_months[-1].end)
    return _build_trends(ids=ids, months=trend_months, groups=monthly, reference=reference, breached=breached)


# -- the section of a page ----------------------------------------------------------------------------------
PERIOD_PARAMETER = "period"


def period_from_parameter(text: str | None, *, today: date | None = None) -> Period:
    """The period a page asks for (``?period=2026-10`` or ``2026-Q4``); the last closed month when it
    asks for none, for one that cannot be read, or for one that has not started yet."""
    today = today or timezone.localdate()
    period = Period.parse(text)
    if period is None or period.start > today:
        return Period.last_closed(period.kind if period else MONTH, today=today)
    return period


def performance_section(
    *,
    path: str,
    period_parameter: str | None,
    vendor_id: int | None = None,
    contract_id: int | None = None,
    performance: Performance | None = None,
    telemetry_marks: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What ``performance/includes/scorecard_section.html`` shows on a vendor's or a contract's page: the
    scorecard and the KPI trends of the period asked for, and the links of the period switcher (the same
    page with another ``?period=``; htmx swaps the section alone)."""
    today = timezone.localdate()
    period = period_from_parameter(period_parameter, today=today)
    if performance is None:  # else the page read it already, for this period
        if vendor_id is not None:
            performance = vendor_performance(vendor_id=vendor_id, period=period)
        elif contract_id is not None:
            performance = contract_performance(contract_id=contract_id, period=period)
        else:
            raise ValueError("A performance section is a vendor's, a contract's or given.")

    def link(target: Period) -> str:
        return f"{path}?{PERIOD_PARAMETER}={target.key}"

    month = period.as_kind(MONTH)
    if month.start > today:
        month = Period.containing(MONTH, today)
    following = period.next()
    scorecard = performance.scorecard
    return {
        "performance": performance,
        "scorecard": scorecard,
        # The KPIs telemetry measures: a "Telemetry" badge, and on a contract's rows the explain link
        # (given by a page that read the coverage already).
        "telemetry_marks": telemetry_marks
        if telemetry_marks is not None
        else scorecard_marks(
            subject=scorecard.subject,
            subject_id=scorecard.subject_id,
            start=scorecard.period.start,
            end=scorecard.period.end,
        ),
        "period": period,
        "period_open": period.is_open(today),
        "period_links": {
            "month": link(month),
            "quarter": link(period.as_kind(QUARTER)),
            "previous": link(period.previous()),
            "previous_label": period.previous().short_label,
            "next": link(following) if following.start <= today else None,
            "next_label": following.short_label,
        },
    }
