"""The SLA engine: evaluates every term's windows in one SQL statement, opens, updates, retracts and
re-opens breaches, and warns early. The rules are ``apps.performance.evaluation``; ``SWEEP_SQL`` below
applies the same rules set-based, and ``tests/performance/test_sweep_matches_rules.py`` proves the two
agree on randomised terms and measurements.

One sweep (``sla_sweep``):

1. takes a PostgreSQL advisory lock, so two sweeps never interleave (the second waits, then finds
   nothing left to do: one breach and one notification, however many sweeps run at once);
2. runs ``SWEEP_SQL``, one statement that
   - reads the terms of active and expired contracts and generates, per term, every window from the
     lookback horizon (``settings.SLA_LOOKBACK_DAYS``) to the open window containing ``as_of``;
   - aggregates them all at once (measurements joined by contract, KPI and period end) and applies the
     aggregation and status rules;
   - keeps the windows whose evaluation is new or different: never evaluated, the open one, just
     closed, or whose measurements changed (count or last update) since they were evaluated — late
     data — and writes those evaluations (new ones take their ids from the table's sequence in the
     statement, so their breaches name them without reading back what was inserted);
   - inserts the breaches of closed breached windows that have none: a window evaluated for the first
     time with a plain INSERT, one evaluated before with ``ON CONFLICT DO NOTHING``;
   - answers with counts, the new breaches, the open windows that turned at risk, and the existing
     breaches of re-evaluated windows;
3. moves those existing breaches through the services (retracted when late data cleared the window,
   re-opened when it breaches again, restated when its value or credit changed), in the same
   transaction with the audit context;
4. notifies the vendor's owners (executives too for critical breaches) of breaches opened, re-opened or
   retracted and of open windows turning at risk — once: each notification has a key.

Re-running it for the same ``as_of`` writes nothing and notifies nobody.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.sql import compose
from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.choices import BreachStatus, EvaluationStatus
from apps.performance.evaluation import OPEN_ENDED_CONTRACT_DAYS, Window, window_containing
from apps.performance.models import Breach, Measurement, SlaEvaluation, SlaTerm
from apps.performance.notices import announce_at_risk, announce_breaches

logger = logging.getLogger(__name__)

# Contracts whose SLAs are evaluated: active ones, and expired ones up to their end (their last windows
# close after they expire). Drafts have not started; terminated contracts stopped being delivered.
EVALUATED_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)
SWEEP_LOCK = "vendor_governance.sla_sweep"
DEFAULT_LOOKBACK_DAYS = 190
# For the sweep's transaction only. JIT compiling the statement costs seconds (its cost estimate is
# large) and saves less than that; sorts and hashes of a few hundred thousand windows fit in memory.
SWEEP_SETTINGS = {"jit": "off", "work_mem": "64MB"}


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


def lookback_days() -> int:
    return int(getattr(settings, "SLA_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))


# The whole sweep: parameters are as_of, now, horizon (days), statuses, open_ended_days, and either
# day (evaluate only the window of each term containing it) or NULL, term_ids or NULL (all terms), and
# evaluation_table and evaluation_pk (SlaEvaluation's table and id column: whose sequence numbers new rows).
# Values are rounded as evaluation.py rounds them; divisions carry 24 decimals before rounding, so a
# half-way case rounds the same way in both. Tables and columns are the models' ({term} is SlaTerm's
# table, {term.contract} its contract column: apps.core.sql.compose); the CTEs name their own columns.
SWEEP_TEMPLATE = """
WITH term AS MATERIALIZED (
    SELECT t.{term.id} AS term_id, t.{term.contract} AS contract_id, t.{term.kpi} AS kpi_id, t.{term.window} AS kind,
           t.{term.window_days} AS window_days, c.{contract.start_date} AS anchor, c.{contract.end_date} AS end_date,
           c.{contract.value} AS contract_value, c.{contract.currency} AS currency,
           coalesce(nullif(t.{term.aggregation}, ''), k.{kpi.aggregation}) AS aggregation,
           coalesce(k.{kpi.multiplier}, 1) AS multiplier,
           t.{term.comparator} AS comparator, t.{term.target} AS target, t.{term.warning_target} AS warning_target,
           t.{term.min_samples} AS min_samples, t.{term.severity} AS severity, t.{term.credit_percent} AS credit_percent,
           coalesce(%(day)s::date, greatest(c.{contract.start_date}, %(as_of)s::date - %(horizon)s::int)) AS first_day,
           coalesce(%(day)s::date, least(%(as_of)s::date, coalesce(c.{contract.end_date}, %(as_of)s::date))) AS last_day,
           -- The days the sweep evaluates: a window (of one day's) is evaluated only if it overlaps them,
           -- so a measurement before the contract's start or the horizon opens nothing.
           greatest(c.{contract.start_date}, %(as_of)s::date - %(horizon)s::int) AS lo_day,
           least(%(as_of)s::date, coalesce(c.{contract.end_date}, %(as_of)s::date)) AS hi_day
    FROM {term} t
    JOIN {contract} c ON c.{contract.id} = t.{term.contract}
    JOIN {kpi} k ON k.{kpi.id} = t.{term.kpi}
    WHERE c.{contract.status} = ANY(%(statuses)s::varchar[]) AND c.{contract.start_date} <= %(as_of)s::date
      AND (%(term_ids)s::bigint[] IS NULL OR t.{term.id} = ANY(%(term_ids)s::bigint[]))
), generated AS (
    -- The windows of each term, as evaluation.windows_between works them out.
    SELECT term.*, ws::date AS window_start, (ws + interval '1 month' - interval '1 day')::date AS window_end
    FROM term, generate_series(date_trunc('month', first_day::timestamp), last_day::timestamp, interval '1 month') AS ws
    WHERE kind = 'month' AND first_day <= last_day
    UNION ALL
    SELECT term.*, ws::date, (ws + interval '3 months' - interval '1 day')::date
    FROM term, generate_series(date_trunc('quarter', first_day::timestamp), last_day::timestamp, interval '3 months') AS ws
    WHERE kind = 'quarter' AND first_day <= last_day
    UNION ALL
    SELECT term.*, anchor + i * window_days, anchor + i * window_days + window_days - 1
    FROM term, generate_series(floor((first_day - anchor)::numeric / window_days)::int,
                               floor((last_day - anchor)::numeric / window_days)::int) AS i
    WHERE kind = 'rolling' AND first_day <= last_day
), candidate AS (
    SELECT * FROM generated WHERE window_end >= lo_day AND window_start <= hi_day
), valued AS MATERIALIZED (
    -- Each window's aggregates over its measurements (an index range scan per window, aggregated
    -- there: no sort of all measurements), and evaluation.aggregate_value of them.
    SELECT c.term_id, c.window_start, c.window_end, c.contract_id, c.comparator, c.target, c.warning_target,
           c.min_samples, c.severity, c.credit_percent, c.contract_value, c.currency, c.anchor, c.end_date,
           a.changed_at,
           c.window_end < %(as_of)s::date AS closed,
           CASE WHEN c.aggregation = 'ratio' THEN a.ratio_samples ELSE a.samples END AS samples,
           CASE c.aggregation
               WHEN 'ratio' THEN CASE WHEN a.ratio_samples > 0 AND a.denominator_sum <> 0 THEN
                   round(coalesce(a.numerator_sum, 0) * c.multiplier / a.denominator_sum::numeric(60, 24), 4) END
               WHEN 'mean' THEN round(a.mean, 4)
               WHEN 'sum' THEN round(a.total, 4)
               WHEN 'min' THEN round(a.minimum, 4)
               WHEN 'max' THEN round(a.maximum, 4)
               WHEN 'latest' THEN round(a.latest, 4)
           END AS value
    FROM candidate c
    CROSS JOIN LATERAL (
        SELECT count(*) AS samples,
               avg(m.{measurement.value}) AS mean, sum(m.{measurement.value}) AS total,
               min(m.{measurement.value}) AS minimum, max(m.{measurement.value}) AS maximum,
               -- The value of the latest measurement (latest period end, then period start, then id),
               -- without sorting each window's measurements: the greatest of these arrays.
               (max(ARRAY[(m.{measurement.period_end} - DATE '2000-01-01')::numeric,
                          (m.{measurement.period_start} - DATE '2000-01-01')::numeric,
                          m.{measurement.id}::numeric, m.{measurement.value}]))[4] AS latest,
               sum(m.{measurement.numerator}) FILTER (WHERE m.{measurement.denominator} IS NOT NULL) AS numerator_sum,
               sum(m.{measurement.denominator}) AS denominator_sum,
               count(m.{measurement.denominator}) AS ratio_samples,
               max(m.{measurement.updated_at}) AS changed_at
        FROM {measurement} m
        WHERE m.{measurement.contract} = c.contract_id AND m.{measurement.kpi} = c.kpi_id
          AND m.{measurement.period_end} BETWEEN c.window_start AND c.window_end
    ) a
    WHERE c.window_start <= %(as_of)s::date
), judged AS (
    -- evaluation.window_status, and what was stored before.
    SELECT v.*,
           CASE WHEN v.closed THEN
                    CASE WHEN v.samples = 0 OR v.value IS NULL THEN 'no_data'
                         WHEN v.samples < v.min_samples THEN 'insufficient_data'
                         WHEN (v.comparator = 'gte' AND v.value >= v.target)
                           OR (v.comparator = 'lte' AND v.value <= v.target) THEN 'met'
                         ELSE 'breached' END
                WHEN v.value IS NULL THEN 'on_track'
                WHEN (v.comparator = 'gte' AND v.value < v.target) OR (v.comparator = 'lte' AND v.value > v.target)
                    THEN 'at_risk'
                WHEN (v.comparator = 'gte' AND v.value < v.warning_target)
                  OR (v.comparator = 'lte' AND v.value > v.warning_target) THEN 'at_risk'
                ELSE 'on_track' END AS status,
           e.{evaluation.id} AS evaluation_id, e.{evaluation.value} AS old_value, e.{evaluation.samples} AS old_samples,
           e.{evaluation.status} AS previous_status, e.{evaluation.is_closed} AS old_closed,
           (e.{evaluation.id} IS NOT NULL
            AND (v.samples <> e.{evaluation.samples} OR v.changed_at > e.{evaluation.evaluated_at})) AS data_changed
    FROM valued v
    LEFT JOIN {evaluation} e
           ON e.{evaluation.term} = v.term_id AND e.{evaluation.window_start} = v.window_start
          AND e.{evaluation.window_end} = v.window_end
    -- Closed windows evaluated before are looked at again only when their measurements changed.
    WHERE e.{evaluation.id} IS NULL OR NOT v.closed OR NOT e.{evaluation.is_closed}
       OR v.samples <> e.{evaluation.samples} OR v.changed_at > e.{evaluation.evaluated_at}
), changed AS MATERIALIZED (
    -- The windows to write, with only the columns the writes and the answer read (a narrow row stays in
    -- memory). A new evaluation takes its id from the table's sequence here, so its breach can name it
    -- without reading back what was inserted.
    SELECT j.term_id, j.window_start, j.window_end, j.value, j.samples, j.status, j.closed, j.target, j.severity,
           j.currency, j.evaluation_id, j.previous_status,
           coalesce(j.evaluation_id, nextval((SELECT pg_get_serial_sequence(%(evaluation_table)s, %(evaluation_pk)s)::regclass)))
               AS id,
           CASE WHEN j.closed AND j.status = 'breached' THEN
               -- evaluation.service_credit: the credit percentage of the contract's value spread over
               -- its days (an open-ended contract's value is yearly), for the window's days inside it.
               coalesce(round(
                   j.contract_value * greatest(0, least(j.window_end, coalesce(j.end_date, j.window_end))
                                                  - greatest(j.window_start, j.anchor) + 1)
                   * j.credit_percent
                   / nullif(100 * CASE WHEN j.end_date IS NULL THEN %(open_ended_days)s::int
                                       ELSE j.end_date - j.anchor + 1 END, 0)::numeric(60, 24), 2), 0)
           END AS credit
    FROM judged j
    WHERE j.evaluation_id IS NULL OR j.data_changed
       OR (j.value, j.samples, j.status, j.closed) IS DISTINCT FROM (j.old_value, j.old_samples, j.previous_status, j.old_closed)
), inserted AS (
    -- Windows never evaluated: a plain INSERT (the advisory lock keeps other sweeps out, and the unique
    -- constraint stops anything else); an upsert would cost a speculative insertion per row.
    INSERT INTO {evaluation} ({evaluation.id}, {evaluation.term}, {evaluation.window_start}, {evaluation.window_end},
                              {evaluation.value}, {evaluation.samples}, {evaluation.status}, {evaluation.is_closed},
                              {evaluation.evaluated_at})
    SELECT id, term_id, window_start, window_end, value, samples, status, closed, %(now)s::timestamptz
    FROM changed WHERE evaluation_id IS NULL
    RETURNING {evaluation.id}
), updated AS (
    UPDATE {evaluation} e
       SET {evaluation.value} = c.value, {evaluation.samples} = c.samples, {evaluation.status} = c.status,
           {evaluation.is_closed} = c.closed, {evaluation.evaluated_at} = %(now)s::timestamptz
      FROM changed c
     WHERE e.{evaluation.id} = c.evaluation_id
    RETURNING e.{evaluation.id}
), opened_new AS (
    -- The breaches of windows evaluated for the first time: a plain INSERT, like their evaluations'
    -- (an evaluation inserted by this statement has no breach yet; the unique constraints stop anything
    -- else).
    INSERT INTO {breach} ({breach.term}, {breach.evaluation}, {breach.window_start}, {breach.window_end},
                          {breach.value}, {breach.target}, {breach.severity}, {breach.status},
                          {breach.credit_amount}, {breach.currency}, {breach.detected_at}, {breach.created_at},
                          {breach.updated_at}, {breach.resolution_note}, {breach.waiver_reason})
    SELECT term_id, id, window_start, window_end, value, target, severity, 'open', credit, currency,
           %(now)s::timestamptz, %(now)s::timestamptz, %(now)s::timestamptz, '', ''
    FROM changed
    WHERE evaluation_id IS NULL AND closed AND status = 'breached'
    RETURNING {breach.id} AS id
), opened_again AS (
    -- Windows evaluated before that breach now. One that has its breach already is skipped by the
    -- constraint, not by reading the table this statement is writing (the planner, told by the
    -- statistics that it is empty, would scan it once per row as it grows); a concurrent sweep's insert
    -- of the same window is skipped too, so only the sweep that inserted a breach announces it.
    INSERT INTO {breach} ({breach.term}, {breach.evaluation}, {breach.window_start}, {breach.window_end},
                          {breach.value}, {breach.target}, {breach.severity}, {breach.status},
                          {breach.credit_amount}, {breach.currency}, {breach.detected_at}, {breach.created_at},
                          {breach.updated_at}, {breach.resolution_note}, {breach.waiver_reason})
    SELECT term_id, id, window_start, window_end, value, target, severity, 'open', credit, currency,
           %(now)s::timestamptz, %(now)s::timestamptz, %(now)s::timestamptz, '', ''
    FROM changed
    WHERE evaluation_id IS NOT NULL AND closed AND status = 'breached'
    ON CONFLICT ({breach.term}, {breach.window_start}, {breach.window_end}) DO NOTHING
    RETURNING {breach.id} AS id
)
SELECT
    -- Evaluated left to right: every window is aggregated and compared with its stored evaluation
    -- before the first write, so no read of the evaluations sees this statement's own inserts.
    (SELECT count(*) FROM term) AS terms,
    (SELECT count(*) FROM valued) AS windows,
    (SELECT count(*) FROM changed) AS changed,
    (SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated) AS written,
    (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM (SELECT id FROM opened_new UNION ALL SELECT id FROM opened_again) o)
        AS opened,
    (SELECT coalesce(json_object_agg(status, n), '{{}}') FROM (SELECT status, count(*) AS n FROM changed GROUP BY status) s)
        AS statuses,
    -- Open windows that turned at risk: the early warnings.
    (SELECT coalesce(json_agg(json_build_array(term_id, window_start, window_end, value::text)), '[]')
     FROM changed WHERE NOT closed AND status = 'at_risk' AND previous_status IS DISTINCT FROM 'at_risk') AS warnings,
    -- Closed windows re-evaluated that already have a breach: to re-open, restate or retract.
    -- (A breach belongs to its window's evaluation: new evaluations have none.)
    (SELECT coalesce(json_agg(json_build_array(b.{breach.id}, c.status, c.value::text, c.credit::text)), '[]')
     FROM changed c JOIN {breach} b ON b.{breach.evaluation} = c.evaluation_id
     WHERE c.closed AND c.evaluation_id IS NOT NULL) AS revisits
"""
SWEEP_SQL = compose(
    SWEEP_TEMPLATE,
    term=SlaTerm,
    contract=Contract,
    kpi=KpiDefinition,
    measurement=Measurement,
    evaluation=SlaEvaluation,
    breach=Breach,
)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _revisit(revisits: list[list[Any]], result: SweepResult) -> tuple[list[int], list[int]]:
    """Move the existing breaches of re-evaluated closed windows; the ids re-opened and retracted."""
    reopened: list[int] = []
    retracted: list[int] = []
    if not revisits:
        return reopened, retracted
    breaches = Breach.objects.in_bulk([row[0] for row in revisits])
    for breach_id, status, value_text, credit_text in revisits:
        breach = breaches[breach_id]
        value = _decimal(value_text)
        if status == EvaluationStatus.BREACHED and value is not None:
            credit = _decimal(credit_text) or Decimal(0)
            if breach.status == BreachStatus.RETRACTED:
                breach = services.breach_reopen(breach=breach)
                reopened.append(breach.pk)
            if breach.status in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED) and (
                breach.value != value or breach.credit_amount != credit
            ):
                services.breach_restate(breach=breach, value=value, credit_amount=credit)
                result.breaches_updated += 1
        elif breach.status in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED):
            services.breach_retract(breach=breach)
            retracted.append(breach.pk)
    return reopened, retracted


def _notify(
    *,
    opened: list[int],
    reopened: list[int],
    retracted: list[int],
    warnings: list[tuple[int, Window, Decimal | None]],
) -> None:
    if opened or reopened or retracted:
        announce_breaches(opened=opened, reopened=reopened, retracted=retracted)
    if warnings:
        announce_at_risk(warnings)


def _run(*, as_of: date, result: SweepResult, day: date | None = None, term_ids: Sequence[int] | None = None) -> None:
    """One locked sweep: the statement, then the breaches it found already there, then the notices."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [SWEEP_LOCK])
    own_transaction = connection.get_autocommit() and not connection.in_atomic_block
    try:
        with transaction.atomic():
            if own_transaction:
                # Check the foreign keys at the end of each statement, not at commit. The audit
                # triggers write in bulk, and with the checks deferred each statement after them costs
                # time in proportion to the checks still queued in the transaction. The same checks
                # pass either way; only in its own transaction is the sweep sure that nothing of the
                # caller's is waiting in that queue.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The statement's writes are recorded as the sweep's; the breach moves after it as their
            # own actions (one pghistory context takes the metadata of the last action entered in it).
            with pghistory.context(user=None, action="sla_evaluate"), connection.cursor() as cursor:
                for name, value in SWEEP_SETTINGS.items():
                    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
                cursor.execute(
                    SWEEP_SQL,
                    {
                        "as_of": as_of,
                        "now": timezone.now(),
                        "horizon": lookback_days(),
                        "statuses": [str(status) for status in EVALUATED_CONTRACT_STATUSES],
                        "open_ended_days": OPEN_ENDED_CONTRACT_DAYS,
                        "day": day,
                        "term_ids": list(term_ids) if term_ids is not None else None,
                        "evaluation_table": SlaEvaluation._meta.db_table,
                        "evaluation_pk": SlaEvaluation._meta.pk.column,
                    },
                )
                row = cursor.fetchone()
            assert row is not None
            terms, windows, _changed, written, opened, statuses, warning_rows, revisits = row
            result.terms += terms
            result.windows += windows
            result.evaluations_written += written
            result.breaches_opened += len(opened)
            for status, count in _json(statuses).items():
                result.statuses[status] = result.statuses.get(status, 0) + count
            warnings = [
                (term_id, Window(date.fromisoformat(start), date.fromisoformat(end)), _decimal(value))
                for term_id, start, end, value in _json(warning_rows)
            ]
            result.warnings += len(warnings)
            reopened, retracted = _revisit(_json(revisits), result)
            result.breaches_reopened += len(reopened)
            result.breaches_retracted += len(retracted)
            _notify(opened=list(opened), reopened=reopened, retracted=retracted, warnings=warnings)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SWEEP_LOCK])


def sla_sweep(*, as_of: date | None = None, term_ids: Sequence[int] | None = None) -> SweepResult:
    """Evaluate every SLA term of active and expired contracts as of ``as_of`` (default: today in the
    organisation's time zone). Idempotent; safe to run concurrently."""
    as_of = as_of or timezone.localdate()
    result = SweepResult(as_of=as_of)
    _run(as_of=as_of, result=result, term_ids=term_ids)
    logger.info("SLA sweep as of %s: %s", as_of, result.as_dict())
    return result


def sla_evaluate_window(*, term: SlaTerm, day: date, as_of: date | None = None) -> SweepResult:
    """Evaluate the one window of ``term`` that contains ``day`` (the window a measurement's period end
    falls in), with the same rules and writes as the sweep. A window that has not begun by ``as_of`` is
    left alone."""
    as_of = as_of or timezone.localdate()
    result = SweepResult(as_of=as_of)
    _run(as_of=as_of, result=result, day=day, term_ids=[term.pk])
    return result


def sla_evaluate_measurement_windows(*, periods: Iterable[tuple[int, int, date]]) -> int:
    """Re-evaluate each SLA window that one of these (contract, KPI, period end)s falls in — the windows
    new, changed or deleted measurements touched —, once per term and window however many periods share
    it (``sla_evaluate_window``, the sweep's rules and writes). What the one re-evaluation task runs
    (``apps.performance.tasks.reevaluate_measurement_windows``). Returns how many windows it evaluated."""
    days_by_pair: dict[tuple[int, int], set[date]] = defaultdict(set)
    for contract, kpi, day in periods:
        days_by_pair[(contract, kpi)].add(day)
    if not days_by_pair:
        return 0
    terms = SlaTerm.objects.filter(
        contract_id__in={contract for contract, _kpi in days_by_pair}, kpi_id__in={kpi for _c, kpi in days_by_pair}
    ).select_related("contract")
    evaluated: set[tuple[int, date]] = set()
    for term in terms.order_by("pk"):
        for day in sorted(days_by_pair.get((term.contract_id, term.kpi_id), ())):
            window = window_containing(
                kind=term.window, day=day, window_days=term.window_days, anchor=term.contract.start_date
            )
            if (term.pk, window.start) in evaluated:
                continue
            evaluated.add((term.pk, window.start))
            sla_evaluate_window(term=term, day=day)
    return len(evaluated)
