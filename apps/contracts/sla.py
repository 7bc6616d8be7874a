"""The SLA engine: evaluates every term's windows in a bounded number of SQL statements, opens,
updates, retracts and re-opens breaches, and warns early. The rules are ``apps.contracts.evaluation``.

One sweep (``sla_sweep``):

1. takes a PostgreSQL advisory lock, so two sweeps never interleave (the second waits, then finds
   nothing left to do: one breach and one notification, however many sweeps run at once);
2. reads the terms of active and expired contracts (one query) and works out, per term, every window
   from the lookback horizon (``settings.SLA_LOOKBACK_DAYS``) to the open window containing ``as_of``;
3. aggregates all those windows in **one** statement (every aggregation at once, measurements joined by
   contract, KPI and period end) and keeps only the windows that need (re-)evaluation: never
   evaluated, the open one, just closed, or whose measurements changed (count or last update) since
   they were evaluated — late data;
4. upserts the changed evaluations in one statement, inserts new breaches in one statement
   (``ON CONFLICT DO NOTHING``), and moves existing ones (retracted when late data cleared the window,
   re-opened when it breaches again), all in one transaction with the audit context;
5. notifies the vendor's owners (executives too for critical breaches) of breaches opened, re-opened or
   retracted and of open windows turning at risk — once: each notification has a key.

Re-running it for the same ``as_of`` writes nothing and notifies nobody.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.contracts.choices import BreachStatus, ContractStatus, EvaluationStatus, WindowKind
from apps.contracts.evaluation import (
    Aggregates,
    Window,
    aggregate_value,
    service_credit,
    window_containing,
    window_status,
    windows_between,
)
from apps.contracts.models import Breach, SlaTerm
from apps.core.services import audited

logger = logging.getLogger(__name__)

# Contracts whose SLAs are evaluated: active ones, and expired ones up to their end (their last windows
# close after they expire). Drafts have not started; terminated contracts stopped being delivered.
EVALUATED_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)
SWEEP_LOCK = "vendor_governance.sla_sweep"
DEFAULT_LOOKBACK_DAYS = 190


@dataclass
class SweepResult:
    as_of: date
    terms: int = 0
    windows: int = 0
    evaluations_written: int = 0
    breaches_opened: int = 0
    breaches_reopened: int = 0
    breaches_updated: int = 0
    breaches_retracted: int = 0
    warnings: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class TermFacts:
    """What the rules need of a term, its KPI and its contract (one row of the terms query)."""

    id: int
    contract_id: int
    kpi_id: int
    window: str
    window_days: int | None
    comparator: str
    target: Decimal
    warning_target: Decimal | None
    aggregation: str
    multiplier: Decimal
    min_samples: int
    severity: str
    credit_percent: Decimal
    contract_start: date
    contract_end: date | None
    contract_value: Decimal | None
    currency: str


@dataclass(frozen=True)
class Outcome:
    """The fresh evaluation of one term's window, next to what was stored before."""

    term: TermFacts
    window: Window
    closed: bool
    value: Decimal | None
    samples: int
    status: str
    evaluation_id: int | None
    previous_status: str | None
    changed: bool


def lookback_days() -> int:
    return int(getattr(settings, "SLA_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))


def _terms(term_ids: Sequence[int] | None, as_of: date) -> list[TermFacts]:
    queryset = SlaTerm.objects.filter(
        contract__status__in=EVALUATED_CONTRACT_STATUSES, contract__start_date__lte=as_of
    ).order_by("pk")
    if term_ids is not None:
        queryset = queryset.filter(pk__in=term_ids)
    rows = queryset.values_list(
        "pk",
        "contract_id",
        "kpi_id",
        "window",
        "window_days",
        "comparator",
        "target",
        "warning_target",
        "aggregation",
        "kpi__aggregation",
        "kpi__multiplier",
        "min_samples",
        "severity",
        "credit_percent",
        "contract__start_date",
        "contract__end_date",
        "contract__value",
        "contract__currency",
    )
    return [
        TermFacts(
            id=pk,
            contract_id=contract_id,
            kpi_id=kpi_id,
            window=window,
            window_days=window_days,
            comparator=comparator,
            target=target,
            warning_target=warning,
            aggregation=aggregation or kpi_aggregation,
            multiplier=multiplier if multiplier is not None else Decimal(1),
            min_samples=min_samples,
            severity=severity,
            credit_percent=credit,
            contract_start=start,
            contract_end=end,
            contract_value=value,
            currency=currency,
        )
        for (
            pk,
            contract_id,
            kpi_id,
            window,
            window_days,
            comparator,
            target,
            warning,
            aggregation,
            kpi_aggregation,
            multiplier,
            min_samples,
            severity,
            credit,
            start,
            end,
            value,
            currency,
        ) in rows
    ]


def _window_span(term: TermFacts, *, as_of: date, horizon_days: int) -> tuple[date, date]:
    """The days whose windows ``term`` looks at on ``as_of``: from the horizon (not before the contract
    started) to ``as_of`` (not after the contract ended)."""
    first = max(term.contract_start, as_of - timedelta(days=horizon_days))
    last = min(as_of, term.contract_end) if term.contract_end else as_of
    return first, last


def term_windows(term: TermFacts, *, as_of: date, horizon_days: int) -> list[Window]:
    """The windows of ``term`` to look at on ``as_of``: from the horizon (not before the contract
    started) to the open window (not after the contract ended)."""
    first, last = _window_span(term, as_of=as_of, horizon_days=horizon_days)
    return list(
        windows_between(
            kind=term.window,
            first_day=first,
            last_day=last,
            window_days=term.window_days,
            anchor=term.contract_start,
        )
    )


def _windows_by_span(terms: Iterable[TermFacts], *, as_of: date, horizon_days: int) -> Iterable[list[Window]]:
    """``term_windows`` of each term, worked out once per distinct span: calendar windows do not depend
    on the contract's start, so most terms share them (rolling ones share them per start date)."""
    known: dict[tuple[Any, ...], list[Window]] = {}
    for term in terms:
        first, last = _window_span(term, as_of=as_of, horizon_days=horizon_days)
        anchor = term.contract_start if term.window == WindowKind.ROLLING else None
        key = (term.window, term.window_days, first, last, anchor)
        windows = known.get(key)
        if windows is None:
            windows = known[key] = term_windows(term, as_of=as_of, horizon_days=horizon_days)
        yield windows


@functools.lru_cache(maxsize=4096)
def _quoted_array_cell(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=4096)
def _date_array_cell(day: date) -> str:
    return day.isoformat()


_ARRAY_CELLS: dict[type, Callable[[Any], str]] = {
    int: str,
    Decimal: str,
    date: _date_array_cell,
    bool: lambda flag: "t" if flag else "f",
    str: _quoted_array_cell,
    type(None): lambda _: "NULL",
}


def _array_cell(value: Any) -> str:
    render = _ARRAY_CELLS.get(type(value))
    if render is None:  # a subclass (a TextChoices member is a str): rendered as its base, from now on
        render = next(render for kind, render in list(_ARRAY_CELLS.items()) if isinstance(value, kind))
        _ARRAY_CELLS[type(value)] = render
    return render(value)


def _array_literal(values: Iterable[Any], *, cell: Callable[[Any], str] = _array_cell) -> str:
    """A PostgreSQL array literal (``{1,2,NULL}``) of ints, decimals, dates, booleans or strings, passed
    as one text parameter and cast in SQL. Handed the Python lists instead, psycopg checks and quotes
    every element on the client: seconds for the hundreds of thousands of windows of a sweep. ``cell``
    renders one element: ``str`` for ints is quicker than working out each element's type."""
    return "{" + ",".join(map(cell, values)) + "}"


AGGREGATE_SQL = """
WITH candidate AS (
    SELECT * FROM unnest(%(term)s::bigint[], %(contract)s::bigint[], %(kpi)s::bigint[], %(start)s::date[], %(end)s::date[])
        AS c(term_id, contract_id, kpi_id, window_start, window_end)
), aggregated AS (
    SELECT c.term_id, c.window_start, c.window_end,
           count(m.id) AS samples,
           avg(m.value) AS mean, sum(m.value) AS total, min(m.value) AS minimum, max(m.value) AS maximum,
           (array_agg(m.value ORDER BY m.period_end DESC, m.period_start DESC, m.id DESC)
                FILTER (WHERE m.id IS NOT NULL))[1] AS latest,
           sum(m.numerator) FILTER (WHERE m.denominator IS NOT NULL) AS numerator_sum,
           sum(m.denominator) AS denominator_sum,
           count(m.denominator) AS ratio_samples,
           max(m.updated_at) AS changed_at
    FROM candidate c
    LEFT JOIN kpis_measurement m
           ON m.contract_id = c.contract_id AND m.kpi_id = c.kpi_id
          AND m.period_end BETWEEN c.window_start AND c.window_end
    GROUP BY c.term_id, c.window_start, c.window_end
)
SELECT a.term_id, a.window_start, a.window_end, a.samples, a.mean, a.total, a.minimum, a.maximum, a.latest,
       a.numerator_sum, a.denominator_sum, a.ratio_samples,
       e.id, e.value, e.samples, e.status, e.is_closed,
       (e.id IS NOT NULL AND (a.samples <> e.samples OR a.changed_at > e.evaluated_at)) AS data_changed
FROM aggregated a
LEFT JOIN contracts_slaevaluation e
       ON e.term_id = a.term_id AND e.window_start = a.window_start AND e.window_end = a.window_end
WHERE e.id IS NULL
   OR a.window_end >= %(as_of)s
   OR NOT e.is_closed
   OR a.samples <> e.samples
   OR a.changed_at > e.evaluated_at
"""

# Returns the ids of the closed breached windows only: the breaches inserted next need them, and
# nothing else does (most windows are met).
UPSERT_EVALUATIONS_SQL = """
WITH written AS (
    INSERT INTO contracts_slaevaluation (term_id, window_start, window_end, value, samples, status, is_closed,
                                         evaluated_at)
    SELECT t, ws, we, v, n, st, cl, %s::timestamptz
    FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::numeric[], %s::integer[], %s::varchar[], %s::boolean[])
         AS e(t, ws, we, v, n, st, cl)
    ON CONFLICT (term_id, window_start, window_end) DO UPDATE
       SET value = EXCLUDED.value, samples = EXCLUDED.samples, status = EXCLUDED.status,
           is_closed = EXCLUDED.is_closed, evaluated_at = EXCLUDED.evaluated_at
    RETURNING id, term_id, window_start, window_end, status, is_closed
)
SELECT id, term_id, window_start, window_end FROM written WHERE is_closed AND status = %s
"""

INSERT_BREACHES_SQL = """
INSERT INTO contracts_breach (term_id, evaluation_id, window_start, window_end, value, target, severity, status,
                              credit_amount, currency, detected_at, created_at, updated_at,
                              resolution_note, waiver_reason)
SELECT t, e, ws, we, v, tg, sev, 'open', cr, cur, %s, %s, %s, '', ''
FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::date[], %s::numeric[], %s::numeric[], %s::varchar[],
            %s::numeric[], %s::varchar[]) AS b(t, e, ws, we, v, tg, sev, cr, cur)
ON CONFLICT (term_id, window_start, window_end) DO NOTHING
RETURNING id
"""


def _outcomes(terms: list[TermFacts], *, as_of: date, only_windows: Window | None = None) -> list[Outcome]:
    """Aggregate every candidate window in one statement and apply the rules to those that need it."""
    by_id = {term.id: term for term in terms}
    columns: dict[str, list[Any]] = {"term": [], "contract": [], "kpi": [], "start": [], "end": []}
    per_term = (
        ([only_windows] for _ in terms)
        if only_windows
        else _windows_by_span(terms, as_of=as_of, horizon_days=lookback_days())
    )
    for term, windows in zip(terms, per_term, strict=True):
        count = len(windows)
        columns["term"] += [term.id] * count
        columns["contract"] += [term.contract_id] * count
        columns["kpi"] += [term.kpi_id] * count
        columns["start"] += [window.start for window in windows]
        columns["end"] += [window.end for window in windows]
    if not columns["term"]:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            AGGREGATE_SQL,
            {
                "term": _array_literal(columns["term"], cell=str),
                "contract": _array_literal(columns["contract"], cell=str),
                "kpi": _array_literal(columns["kpi"], cell=str),
                "start": _array_literal(columns["start"], cell=_date_array_cell),
                "end": _array_literal(columns["end"], cell=_date_array_cell),
                "as_of": as_of,
            },
        )
        rows = cursor.fetchall()
    outcomes = []
    for (
        term_id,
        start,
        end,
        samples,
        mean,
        total,
        minimum,
        maximum,
        latest,
        numerator_sum,
        denominator_sum,
        ratio_samples,
        evaluation_id,
        old_value,
        old_samples,
        old_status,
        old_closed,
        data_changed,
    ) in rows:
        term = by_id[term_id]
        window = Window(start, end)
        closed = end < as_of
        aggregates = Aggregates(
            samples=samples,
            mean=mean,
            total=total,
            minimum=minimum,
            maximum=maximum,
            latest=latest,
            numerator_sum=numerator_sum,
            denominator_sum=denominator_sum,
            ratio_samples=ratio_samples,
        )
        value, used_samples = aggregate_value(aggregates, aggregation=term.aggregation, multiplier=term.multiplier)
        status = window_status(
            value=value,
            samples=used_samples,
            closed=closed,
            comparator=term.comparator,
            target=term.target,
            warning_target=term.warning_target,
            min_samples=term.min_samples,
        )
        changed = (
            evaluation_id is None
            or bool(data_changed)
            or (old_value, old_samples, old_status, old_closed) != (value, used_samples, status, closed)
        )
        outcomes.append(
            Outcome(
                term=term,
                window=window,
                closed=closed,
                value=value,
                samples=used_samples,
                status=status,
                evaluation_id=evaluation_id,
                previous_status=old_status,
                changed=changed,
            )
        )
    return outcomes


def _write_evaluations(outcomes: Sequence[Outcome], now: datetime) -> dict[tuple[int, date, date], int]:
    """Upsert the changed evaluations in one statement; the ids of the closed breached ones by (term,
    window)."""
    if not outcomes:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_EVALUATIONS_SQL,
            [
                now,
                _array_literal((o.term.id for o in outcomes), cell=str),
                _array_literal((o.window.start for o in outcomes), cell=_date_array_cell),
                _array_literal((o.window.end for o in outcomes), cell=_date_array_cell),
                _array_literal(o.value for o in outcomes),
                _array_literal((o.samples for o in outcomes), cell=str),
                _array_literal(o.status for o in outcomes),
                _array_literal(o.closed for o in outcomes),
                EvaluationStatus.BREACHED.value,
            ],
        )
        return {(term, start, end): pk for pk, term, start, end in cursor.fetchall()}


def _breach_rows(outcomes: Iterable[Outcome], evaluation_ids: dict[tuple[int, date, date], int]) -> list[list[Any]]:
    columns: list[list[Any]] = [[] for _ in range(9)]
    for o in outcomes:
        credit = service_credit(
            credit_percent=o.term.credit_percent,
            contract_value=o.term.contract_value,
            contract_start=o.term.contract_start,
            contract_end=o.term.contract_end,
            window=o.window,
        )
        row = [
            o.term.id,
            evaluation_ids[(o.term.id, o.window.start, o.window.end)],
            o.window.start,
            o.window.end,
            o.value,
            o.term.target,
            o.term.severity,
            credit,
            o.term.currency,
        ]
        for column, cell in zip(columns, row, strict=True):
            column.append(cell)
    return columns


EXISTING_BREACHES_SQL = """
SELECT b.* FROM contracts_breach b
JOIN unnest(%s::bigint[], %s::date[]) AS k(term_id, window_start)
  ON b.term_id = k.term_id AND b.window_start = k.window_start
ORDER BY b.window_start DESC, b.detected_at DESC
"""


def _breaches_of(keys: set[tuple[int, date]]) -> list[Breach]:
    """The breaches of these (term, window start) pairs, in one statement however many there are (in
    the order of ``Breach.Meta.ordering``, as the ORM would read them)."""
    if not keys:
        return []
    terms, starts = zip(*keys, strict=True)
    return list(
        Breach.objects.raw(
            EXISTING_BREACHES_SQL,
            [_array_literal(terms, cell=str), _array_literal(starts, cell=_date_array_cell)],
        )
    )


def _apply(outcomes: list[Outcome], *, as_of: date, result: SweepResult) -> None:
    """Write what changed and move the breaches, in the caller's transaction."""
    from apps.contracts import services

    now = timezone.now()
    changed = [o for o in outcomes if o.changed]
    evaluation_ids = _write_evaluations(changed, now)
    result.evaluations_written += len(changed)

    closed_changed = [o for o in changed if o.closed]
    breached = [o for o in closed_changed if o.status == EvaluationStatus.BREACHED]
    keys = {(o.term.id, o.window.start) for o in closed_changed}
    existing = {(b.term_id, b.window_start): b for b in _breaches_of(keys)}
    # New breaches: one statement; a concurrent sweep's insert of the same window is skipped, so only
    # the sweep that inserted a breach announces it.
    fresh = [o for o in breached if (o.term.id, o.window.start) not in existing]
    opened: list[int] = []
    if fresh:
        with connection.cursor() as cursor:
            columns = [_array_literal(column) for column in _breach_rows(fresh, evaluation_ids)]
            cursor.execute(INSERT_BREACHES_SQL, [now, now, now, *columns])
            opened = [pk for (pk,) in cursor.fetchall()]
    result.breaches_opened += len(opened)

    reopened: list[int] = []
    retracted: list[int] = []
    for o in closed_changed:
        breach = existing.get((o.term.id, o.window.start))
        if breach is None:
            continue
        if o.status == EvaluationStatus.BREACHED and o.value is not None:
            credit = service_credit(
                credit_percent=o.term.credit_percent,
                contract_value=o.term.contract_value,
                contract_start=o.term.contract_start,
                contract_end=o.term.contract_end,
                window=o.window,
            )
            if breach.status == BreachStatus.RETRACTED:
                breach = services.breach_reopen(breach=breach)
                reopened.append(breach.pk)
            if breach.status in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED) and (
                breach.value != o.value or breach.credit_amount != credit
            ):
                services.breach_restate(breach=breach, value=o.value, credit_amount=credit)
                result.breaches_updated += 1
        elif breach.status in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED):
            services.breach_retract(breach=breach)
            retracted.append(breach.pk)
    result.breaches_reopened += len(reopened)
    result.breaches_retracted += len(retracted)

    warnings = [
        o
        for o in changed
        if not o.closed and o.status == EvaluationStatus.AT_RISK and o.previous_status != EvaluationStatus.AT_RISK
    ]
    result.warnings += len(warnings)
    for o in changed:
        result.statuses[str(o.status)] = result.statuses.get(str(o.status), 0) + 1
    _notify(opened=opened, reopened=reopened, retracted=retracted, warnings=warnings)


def _notify(*, opened: list[int], reopened: list[int], retracted: list[int], warnings: list[Outcome]) -> None:
    from apps.contracts.notices import announce_at_risk, announce_breaches

    if opened or reopened or retracted:
        announce_breaches(opened=opened, reopened=reopened, retracted=retracted)
    if warnings:
        announce_at_risk([(o.term.id, o.window, o.value) for o in warnings])


def _locked_sweep(terms: list[TermFacts], *, as_of: date, window: Window | None, result: SweepResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [SWEEP_LOCK])
    own_transaction = connection.get_autocommit() and not connection.in_atomic_block
    try:
        with audited(actor=None, action="sla_evaluate"):
            if own_transaction:
                # Check the foreign keys at the end of each statement, not at commit. The audit
                # triggers run one INSERT per written row, and with the checks deferred each of those
                # costs time in proportion to the checks still queued in the transaction: writing n
                # evaluations took time in n² (32,000: 15 s; 318,000: over 10 minutes). The same
                # checks pass either way; only in its own transaction is the sweep sure that nothing
                # of the caller's is waiting in that queue.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            outcomes = _outcomes(terms, as_of=as_of, only_windows=window)
            result.windows += len(outcomes)
            _apply(outcomes, as_of=as_of, result=result)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SWEEP_LOCK])


def sla_sweep(*, as_of: date | None = None, term_ids: Sequence[int] | None = None) -> SweepResult:
    """Evaluate every SLA term of active and expired contracts as of ``as_of`` (default: today in the
    organisation's time zone). Idempotent; safe to run concurrently."""
    as_of = as_of or timezone.localdate()
    result = SweepResult(as_of=as_of)
    terms = _terms(term_ids, as_of)
    result.terms = len(terms)
    _locked_sweep(terms, as_of=as_of, window=None, result=result)
    logger.info("SLA sweep as of %s: %s", as_of, result.as_dict())
    return result


def sla_evaluate_window(*, term: SlaTerm, day: date, as_of: date | None = None) -> SweepResult:
    """Evaluate the one window of ``term`` that contains ``day`` (the window a measurement's period end
    falls in), with the same rules and writes as the sweep."""
    as_of = as_of or timezone.localdate()
    result = SweepResult(as_of=as_of)
    terms = _terms([term.pk], as_of)
    if not terms:
        return result
    facts = terms[0]
    window = window_containing(kind=facts.window, day=day, window_days=facts.window_days, anchor=facts.contract_start)
    if window.start > as_of:
        return result  # a window that has not begun has nothing to evaluate
    result.terms = 1
    _locked_sweep(terms, as_of=as_of, window=window, result=result)
    return result


def sla_evaluate_measurement_windows(*, contract_id: int, kpi_id: int, period_end: date) -> int:
    """Re-evaluate the windows a (new or changed) measurement falls in, for every term of its contract
    that measures its KPI. Returns how many terms were looked at."""
    terms = SlaTerm.objects.filter(contract_id=contract_id, kpi_id=kpi_id)
    count = 0
    for term in terms:
        sla_evaluate_window(term=term, day=period_end)
        count += 1
    return count
