"""The delivery-telemetry metrics, set-based: normalised events in, one measurement per contract, KPI
and ISO week out (docs/telemetry/metrics.md has every definition).

One pass serves any number of contracts, each from its own date (``TelemetryRecompute`` rows, or the
daily refresh of the last days):

1. ``deployment_changes_rebuild`` derives which commits each successful production deployment shipped
   first (``DeploymentChange``): one recursive statement walks every deployment's commit chain
   (``Change.parent_sha``) until a commit an earlier production deployment of the same repository
   deployed, then gives each commit to the earliest deployment that reached it. Links of deployments
   before the recomputed range are kept as they are (the commits they shipped stay shipped); only the
   differences are written, so a second run writes nothing.
2. ``telemetry_compute`` is the pure computation: one statement reads each event table once for every
   contract, groups by contract and week (``GROUP BY``, ``percentile_cont`` for the medians) and
   answers ``MetricRow``\\ s — already restricted to the KPIs the contract's active bindings measure,
   the periods ending on or after their ``covers_from``, and the periods the measurement rules take
   (not a draft, not outside the contract's run).
3. ``telemetry_measure`` writes them through ``measurement_bulk_upsert`` (source ``telemetry``) and
   deletes the telemetry measurements of the range it no longer produces
   (``measurement_telemetry_delete``), so the SLA windows are re-evaluated either way.

``apps.performance.telemetry.reference`` computes the same rows in plain Python from the same events,
and ``tests/performance/telemetry/test_metrics_parity.py`` proves the two agree on randomised events.
``FLOOR_SQL`` is what the benchmark compares the computation with: the same rows read and grouped by
contract and week, nothing computed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.memory import gc_paused
from apps.core.sql import compose
from apps.kpis.models import KpiDefinition
from apps.performance.choices import DeploymentStatus, MeasurementSource
from apps.performance.models import Measurement
from apps.performance.telemetry.models import (
    Change,
    Deployment,
    DeploymentChange,
    Incident,
    PullRequest,
    SourceBinding,
    Sprint,
    TelemetryRecompute,
    TrackerIssue,
)

logger = logging.getLogger(__name__)

DEPLOYMENT_FREQUENCY = "deployment_frequency"
LEAD_TIME = "lead_time_for_changes"
CHANGE_FAILURE_RATE = "change_failure_rate"
TIME_TO_RESTORE = "time_to_restore"
BUG_RESOLUTION_TIME = "bug_resolution_time"
FIRST_RESPONSE_TIME = "first_response_time"
SPRINT_VELOCITY = "sprint_velocity"
SAY_DO_RATIO = "say_do_ratio"
PR_REVIEW_TURNAROUND = "pr_review_turnaround"
REWORK_RATE = "rework_rate"
# The ratio KPIs: written as numerator and denominator (the measurement rules compute the value).
RATIO_CODES = frozenset({CHANGE_FAILURE_RATE, SAY_DO_RATIO, REWORK_RATE})
ALL_CODES = (
    DEPLOYMENT_FREQUENCY,
    LEAD_TIME,
    CHANGE_FAILURE_RATE,
    TIME_TO_RESTORE,
    BUG_RESOLUTION_TIME,
    FIRST_RESPONSE_TIME,
    SPRINT_VELOCITY,
    SAY_DO_RATIO,
    PR_REVIEW_TURNAROUND,
    REWORK_RATE,
)

# A deployment's walk down its commit chain stops after this many commits (a first deployment of a
# repository with years of pushed history, or a broken chain that loops, costs no more than this).
WALK_MAX_COMMITS = 5_000
# The days the daily refresh computes again: the current week and the one before it, whatever the day.
REFRESH_DAYS = 8
# Contracts per pass of telemetry_measure_pending, and measurement rows per bulk upsert.
MEASURE_BATCH = 5_000
WRITE_CHUNK_ROWS = 5_000
MICROSECONDS_PER_HOUR = 3_600_000_000
FOUR_PLACES = Decimal("0.0001")
# For the measuring transaction only (as the SLA sweep: apps.performance.sla.SWEEP_SETTINGS): the
# statement's sorts (medians, distinct days) fit in memory; JIT compiling costs more than it saves.
MEASURE_SETTINGS = {"jit": "off", "work_mem": "64MB"}


# -- periods ---------------------------------------------------------------------------------------
def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def period_end(week: date, today: date) -> date:
    """The last day of the period of the week starting ``week``: its Sunday, or ``today`` in the
    current week (written "to date")."""
    return min(week + timedelta(days=6), today)


def local_midnight(day: date) -> datetime:
    """The moment ``day`` begins in ``TIME_ZONE``."""
    return timezone.make_aware(datetime.combine(day, time.min))


# -- the rows -----------------------------------------------------------------------------------
def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


class MetricRow(NamedTuple):
    """One measurement telemetry writes: the KPI's value for a contract and period, and what it was
    computed from (``events``: the events counted; ``extra``: a second count the note gives — the
    deploy-days, the deployments that shipped the commits, the failures, the reworks). A named tuple:
    the computation makes hundreds of thousands of them."""

    contract_id: int
    kpi_code: str
    period_start: date
    period_end: date
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    events: int
    extra: int = 0

    @property
    def partial(self) -> bool:
        """The current week, written to date."""
        return self.period_end < self.period_start + timedelta(days=6)

    @property
    def note(self) -> str:
        counts = {
            DEPLOYMENT_FREQUENCY: f"{plural(self.events, 'production deployment')} on {plural(self.extra, 'day')}",
            LEAD_TIME: f"{plural(self.events, 'commit')} shipped for the first time",
            CHANGE_FAILURE_RATE: f"{self.extra} of {plural(self.events, 'production deployment')} failed",
            TIME_TO_RESTORE: f"{plural(self.events, 'incident')} resolved",
            BUG_RESOLUTION_TIME: f"{plural(self.events, 'bug')} resolved",
            FIRST_RESPONSE_TIME: f"{plural(self.events, 'first response')}",
            SPRINT_VELOCITY: f"{plural(self.events, 'sprint')} closed",
            SAY_DO_RATIO: f"{plural(self.events, 'sprint')} closed",
            PR_REVIEW_TURNAROUND: f"{plural(self.events, 'pull request')} reviewed",
            REWORK_RATE: f"{self.extra} of {plural(self.events, 'merged pull request')} revert or hot-fix",
        }
        text = counts.get(self.kpi_code, plural(self.events, "event"))
        return f"Delivery telemetry: {text}" + (" (week to date)" if self.partial else "")

    @property
    def key(self) -> tuple[int, str, date, date]:
        return (self.contract_id, self.kpi_code, self.period_start, self.period_end)

    def upsert_row(self) -> dict[str, Any]:
        """The row as ``measurement_bulk_upsert`` reads it (a ratio as its parts)."""
        row: dict[str, Any] = {
            "contract": self.contract_id,
            "kpi": self.kpi_code,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "note": self.note,
        }
        if self.kpi_code in RATIO_CODES:
            return row | {"numerator": self.numerator, "denominator": self.denominator}
        return row | {"value": self.value}


# ``MetricRow._make`` without its Python frame and length check (the statement answers its fields).
_metric_row = partial(tuple.__new__, MetricRow)


def hours_of_micros(doubled_micros: int) -> Decimal:
    """Hours (4 places, half up) of a duration given as twice its microseconds (a median of an even
    count is a half microsecond; doubling keeps it an integer)."""
    return (Decimal(doubled_micros) / Decimal(2 * MICROSECONDS_PER_HOUR)).quantize(FOUR_PLACES, "ROUND_HALF_UP")


# -- SQL ----------------------------------------------------------------------------------------------
def _sql(*parts: str) -> str:
    """A statement's template from constant parts (``compose`` quotes its identifiers; values are
    parameters)."""
    return "".join(parts)


# Every statement starts from the contracts and the Monday of the first week each is computed from.
_PENDING = """
pending AS MATERIALIZED (
    SELECT p.contract_id, p.first_week, (p.first_week::timestamp AT TIME ZONE %(tz)s) AS first_moment
    FROM unnest(%(ids)s::bigint[], %(weeks)s::date[]) AS p(contract_id, first_week)
)"""

LINKS_TEMPLATE = _sql(
    "WITH RECURSIVE",
    _PENDING,
    """,
prod AS MATERIALIZED (
    -- The successful production deployments to link: those of the recomputed range, of every binding
    -- (links are facts about the commit graph; the metrics count only active bindings'), with their
    -- binding's production environments (lower case).
    SELECT d.{deployment.id} AS id, d.{deployment.contract} AS contract_id, d.{deployment.binding} AS binding_id,
           d.{deployment.repository} AS repository, d.{deployment.sha} AS sha,
           d.{deployment.finished_at} AS finished_at, b.envs
    FROM pending p
    JOIN {deployment} d ON d.{deployment.contract} = p.contract_id AND d.{deployment.finished_at} >= p.first_moment
    JOIN (SELECT b.{binding.id} AS id,
                 ARRAY(SELECT lower(x) FROM unnest(b.{binding.production_environments}) x) AS envs
          FROM {binding} b) b ON b.id = d.{deployment.binding}
    WHERE d.{deployment.status} = %(success)s AND d.{deployment.sha} <> '' AND lower(d.{deployment.environment}) = ANY(b.envs)
), walk(deployment_id, contract_id, binding_id, repository, finished_at, envs, change_id, parent_sha, depth) AS (
    -- From each deployed commit down its parents, every deployment at once. A walk stops at a commit
    -- an earlier successful production deployment of the repository deployed (by finished_at, then
    -- id: one probe of the (binding, repository, sha) index — the commit's sha is the one walked to),
    -- where the chain ends, or after %(cap)s commits.
    SELECT t.id, t.contract_id, t.binding_id, t.repository, t.finished_at, t.envs, c.{change.id}, c.{change.parent_sha}, 1
    FROM prod t
    JOIN {change} c ON c.{change.binding} = t.binding_id AND c.{change.repository} = t.repository
                    AND c.{change.sha} = t.sha
    WHERE NOT EXISTS (
          SELECT 1 FROM {deployment} e
          WHERE e.{deployment.binding} = t.binding_id AND e.{deployment.repository} = t.repository
            AND e.{deployment.sha} = t.sha AND e.{deployment.status} = %(success)s
            AND (e.{deployment.finished_at}, e.{deployment.id}) < (t.finished_at, t.id)
            AND lower(e.{deployment.environment}) = ANY(t.envs))
    UNION ALL
    SELECT w.deployment_id, w.contract_id, w.binding_id, w.repository, w.finished_at, w.envs, c.{change.id},
           c.{change.parent_sha}, w.depth + 1
    FROM walk w
    JOIN {change} c ON c.{change.binding} = w.binding_id AND c.{change.repository} = w.repository
                    AND c.{change.sha} = w.parent_sha
    WHERE w.parent_sha <> '' AND w.depth < %(cap)s AND NOT EXISTS (
          SELECT 1 FROM {deployment} e
          WHERE e.{deployment.binding} = w.binding_id AND e.{deployment.repository} = w.repository
            AND e.{deployment.sha} = w.parent_sha AND e.{deployment.status} = %(success)s
            AND (e.{deployment.finished_at}, e.{deployment.id}) < (w.finished_at, w.deployment_id)
            AND lower(e.{deployment.environment}) = ANY(w.envs))
), kept AS MATERIALIZED (
    -- Commits shipped by deployments before the range: shipped already, whoever reaches them now.
    SELECT l.{link.change} AS change_id
    FROM pending p
    JOIN {link} l ON l.{link.contract} = p.contract_id
    JOIN {deployment} d ON d.{deployment.id} = l.{link.deployment}
    WHERE d.{deployment.finished_at} < p.first_moment
), desired AS MATERIALIZED (
    -- Each commit goes to the earliest deployment that reached it: what walking them in order gives.
    SELECT DISTINCT ON (w.change_id) w.contract_id, w.deployment_id, w.change_id
    FROM walk w
    WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.change_id = w.change_id)
    ORDER BY w.change_id, w.finished_at, w.deployment_id
), removed AS (
    DELETE FROM {link} l
    USING pending p, {deployment} d
    WHERE l.{link.contract} = p.contract_id AND d.{deployment.id} = l.{link.deployment}
      AND (d.{deployment.finished_at} IS NULL OR d.{deployment.finished_at} >= p.first_moment)
      AND NOT EXISTS (SELECT 1 FROM desired x
                      WHERE x.deployment_id = l.{link.deployment} AND x.change_id = l.{link.change})
    RETURNING 1
), added AS (
    INSERT INTO {link} ({link.contract}, {link.deployment}, {link.change})
    SELECT x.contract_id, x.deployment_id, x.change_id
    FROM desired x
    WHERE NOT EXISTS (SELECT 1 FROM {link} l
                      WHERE l.{link.deployment} = x.deployment_id AND l.{link.change} = x.change_id)
    ORDER BY x.deployment_id, x.change_id
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM removed), (SELECT count(*) FROM added)
""",
)
LINKS_SQL = compose(LINKS_TEMPLATE, deployment=Deployment, binding=SourceBinding, change=Change, link=DeploymentChange)

# Durations are whole microseconds as doubles (``date_part`` of the interval, rounded: exact below 2^53,
# some 280 years), so percentile_cont's mean of the two middle values is exact too (a half microsecond at
# most) and so are the hours computed from it (``hours_of_micros``). Event times are read in TIME_ZONE:
# the week is date_trunc('week', local time).
_US = "round(date_part('epoch', {later} - {earlier}) * 1000000)"


def _micros(later: str, earlier: str) -> str:
    """A duration in microseconds, never negative (the clocks of two tools disagree)."""
    return f"greatest(0, {_US.format(later=later, earlier=earlier)})"


def _range(code: str) -> str:
    """The columns of ``bound`` saying from and until when a binding's events count for ``code``."""
    return (
        f"max(r.lo) FILTER (WHERE r.code = '{code}') AS {code}_lo, "
        f"max(r.hi) FILTER (WHERE r.code = '{code}') AS {code}_hi"
    )


def _median_metric(code: str, source: str, moment: str, later: str, earlier: str) -> str:
    """A median-of-durations metric over one event table, grouped by contract and week."""
    return _sql(
        f"""
    SELECT e.{{{source}.contract}}, '{code}', date_trunc('week', e.{{{source}.{moment}}} AT TIME ZONE %(tz)s)::date,
           round((percentile_cont(0.5) WITHIN GROUP (
               ORDER BY {_micros(f"e.{{{source}.{later}}}", f"e.{{{source}.{earlier}}}")}) * 2)::bigint
               / %(doubled_hour)s::numeric, 4),
           NULL::numeric, NULL::numeric, count(*), 0::bigint
    FROM bound b JOIN {{{source}}} e ON e.{{{source}.contract}} = b.contract_id AND e.{{{source}.binding}} = b.binding_id
     AND e.{{{source}.{moment}}} >= b.{code}_lo AND e.{{{source}.{moment}}} < b.{code}_hi""",  # noqa: S608  # constant text: identifiers by compose, values as parameters
    )


COMPUTE_TEMPLATE = _sql(
    "WITH",
    _PENDING,
    f""",
coverage AS (
    -- Each KPI each active binding measures, with the earliest covers_from of the contract's active
    -- bindings measuring it.
    SELECT b.{{binding.id}} AS binding_id, b.{{binding.contract}} AS contract_id, code,
           min(b.{{binding.covers_from}}) OVER (PARTITION BY b.{{binding.contract}}, code) AS covers_from
    FROM pending p JOIN {{binding}} b ON b.{{binding.contract}} = p.contract_id, unnest(b.{{binding.measures}}) AS code
    WHERE b.{{binding.active}}
), ranged AS (
    -- From and until when the events of a binding count for a KPI: the weeks whose period ends on or
    -- after covers_from and the contract's start, that begin by its end (the measurement rules), from
    -- the first week computed; none for a draft contract.
    SELECT cv.binding_id, cv.contract_id, cv.code,
           (greatest(p.first_week, date_trunc('week', cv.covers_from::timestamp)::date,
                     date_trunc('week', c.{{contract.start_date}}::timestamp)::date)::timestamp AT TIME ZONE %(tz)s) AS lo,
           CASE WHEN c.{{contract.end_date}} IS NULL THEN %(end_moment)s::timestamptz
                ELSE least(%(end_moment)s::timestamptz,
                           ((date_trunc('week', c.{{contract.end_date}}::timestamp)::date + 7)::timestamp
                            AT TIME ZONE %(tz)s))
           END AS hi
    FROM coverage cv
    JOIN pending p ON p.contract_id = cv.contract_id
    JOIN {{contract}} c ON c.{{contract.id}} = cv.contract_id
    WHERE c.{{contract.status}} <> %(draft)s AND cv.covers_from <= %(today)s::date
      AND c.{{contract.start_date}} <= %(today)s::date
), bound AS MATERIALIZED (
    -- One row per active binding: its production environments and, per KPI it measures, its range.
    SELECT r.binding_id, min(r.contract_id) AS contract_id,
           ARRAY(SELECT lower(x) FROM {{binding}} b, unnest(b.{{binding.production_environments}}) x
                 WHERE b.{{binding.id}} = r.binding_id) AS envs,
           {", ".join(_range(code) for code in ALL_CODES)}
    FROM ranged r
    GROUP BY r.binding_id
), deploy AS MATERIALIZED (
    -- Successful production deployments of the range, with the week and ISO day they finished on,
    -- whether each metric counts them, and whether the next production deployment of the repository
    -- is a rollback within the rollback hours.
    SELECT d.{{deployment.id}} AS id, d.{{deployment.contract}} AS contract_id, d.{{deployment.sha}} AS sha,
           d.{{deployment.source_id}} AS source_id, d.{{deployment.finished_at}} AS finished_at,
           date_trunc('week', d.{{deployment.finished_at}} AT TIME ZONE %(tz)s)::date AS week,
           extract(isodow FROM d.{{deployment.finished_at}} AT TIME ZONE %(tz)s)::int AS dow,
           coalesce(d.{{deployment.finished_at}} >= bd.deployment_frequency_lo
                    AND d.{{deployment.finished_at}} < bd.deployment_frequency_hi, false) AS frequency,
           coalesce(d.{{deployment.finished_at}} >= bd.change_failure_rate_lo
                    AND d.{{deployment.finished_at}} < bd.change_failure_rate_hi, false) AS failure_rate,
           coalesce(d.{{deployment.finished_at}} >= bd.lead_time_for_changes_lo
                    AND d.{{deployment.finished_at}} < bd.lead_time_for_changes_hi, false) AS lead_time,
           -- The next production deployment's finish time when it is a rollback (one lead, not two).
           coalesce(lead(CASE WHEN d.{{deployment.is_rollback}} THEN d.{{deployment.finished_at}} END) OVER w
                        <= d.{{deployment.finished_at}} + %(rollback_hours)s * interval '1 hour', false) AS rolled_back
    FROM pending p
    JOIN {{deployment}} d ON d.{{deployment.contract}} = p.contract_id
     AND d.{{deployment.finished_at}} >= p.first_moment AND d.{{deployment.finished_at}} < %(end_moment)s
    JOIN bound bd ON bd.binding_id = d.{{deployment.binding}}
    WHERE d.{{deployment.status}} = %(success)s AND lower(d.{{deployment.environment}}) = ANY(bd.envs)
    WINDOW w AS (PARTITION BY d.{{deployment.binding}}, d.{{deployment.repository}}
                 ORDER BY d.{{deployment.finished_at}}, d.{{deployment.id}})
), blamed AS MATERIALIZED (
    -- What incidents of the contract's active bindings say caused them: a deployment, or a commit.
    SELECT i.{{incident.contract}} AS contract_id, i.{{incident.caused_by_deployment}} AS deployment_source,
           i.{{incident.caused_by_sha}} AS sha
    FROM bound b JOIN {{incident}} i ON i.{{incident.binding}} = b.binding_id
    WHERE i.{{incident.caused_by_deployment}} <> '' OR i.{{incident.caused_by_sha}} <> ''
), failed AS (
    -- Deployments an incident blames: by their source id, by the commit they deployed, or by a commit
    -- they shipped first.
    SELECT d.id FROM blamed i JOIN deploy d ON d.contract_id = i.contract_id AND d.source_id = i.deployment_source
    WHERE i.deployment_source <> '' AND d.failure_rate
    UNION
    SELECT d.id FROM blamed i JOIN deploy d ON d.contract_id = i.contract_id AND d.sha = i.sha
    WHERE i.sha <> '' AND d.failure_rate
    UNION
    SELECT d.id FROM blamed i
    JOIN {{change}} c ON c.{{change.contract}} = i.contract_id AND c.{{change.sha}} = i.sha
    JOIN {{link}} l ON l.{{link.change}} = c.{{change.id}}
    JOIN deploy d ON d.id = l.{{link.deployment}}
    WHERE i.sha <> '' AND d.failure_rate
), deployed AS MATERIALIZED (
    -- Deployment frequency and change failure rate, in one pass: the deploy-days are the ISO days of
    -- the week with a counted deployment.
    SELECT d.contract_id, d.week,
           count(*) FILTER (WHERE d.frequency) AS deployments,
           -- One bit per ISO day with a counted deployment, counted once (one aggregate, not seven).
           bit_count(coalesce(bit_or(1 << d.dow) FILTER (WHERE d.frequency), 0)::bit(8)) AS days,
           count(*) FILTER (WHERE d.failure_rate) AS counted,
           count(*) FILTER (WHERE d.failure_rate AND (d.rolled_back OR f.id IS NOT NULL)) AS failures
    FROM deploy d LEFT JOIN failed f ON f.id = d.id
    WHERE d.frequency OR d.failure_rate
    GROUP BY d.contract_id, d.week
)
-- The rows, as MetricRow's fields.
SELECT m.contract_id, m.code, m.week, least(m.week + 6, %(today)s::date), m.value, m.numerator, m.denominator,
       m.events, m.extra
FROM (
SELECT d.contract_id, '{DEPLOYMENT_FREQUENCY}' AS code, d.week,
       round(d.days * 7::numeric / (least(d.week + 6, %(today)s::date) - d.week + 1), 4) AS value,
       NULL::numeric AS numerator, NULL::numeric AS denominator, d.deployments AS events, d.days::bigint AS extra
FROM deployed d WHERE d.deployments > 0
UNION ALL
SELECT d.contract_id, '{CHANGE_FAILURE_RATE}', d.week, round(d.failures * %(failure_rate_multiplier)s::numeric / d.counted, 4),
       d.failures, d.counted, d.counted, d.failures
FROM deployed d WHERE d.counted > 0
UNION ALL
-- Lead time: the commits' count only (counting the deployments too would sort every commit again).
SELECT d.contract_id, '{LEAD_TIME}', d.week,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY {_micros("d.finished_at", "c.{change.authored_at}")}) * 2)::bigint
             / %(doubled_hour)s::numeric, 4),
       NULL, NULL, count(*), 0
FROM deploy d
JOIN {{link}} l ON l.{{link.deployment}} = d.id
JOIN {{change}} c ON c.{{change.id}} = l.{{link.change}}
WHERE d.lead_time
GROUP BY d.contract_id, d.week
UNION ALL""",  # noqa: S608  # constant text: identifiers by compose, values as parameters
    _median_metric(TIME_TO_RESTORE, "incident", "resolved_at", "resolved_at", "opened_at"),
    "\n    GROUP BY 1, 3\nUNION ALL",
    _median_metric(BUG_RESOLUTION_TIME, "issue", "resolved_at", "resolved_at", "opened_at"),
    "\n    WHERE e.{issue.is_bug}\n    GROUP BY 1, 3\nUNION ALL",
    _median_metric(FIRST_RESPONSE_TIME, "issue", "first_response_at", "first_response_at", "opened_at"),
    "\n    GROUP BY 1, 3\nUNION ALL",
    _median_metric(PR_REVIEW_TURNAROUND, "pr", "first_review_at", "first_review_at", "opened_at"),
    f"""
    GROUP BY 1, 3
UNION ALL
SELECT e.{{sprint.contract}}, '{SPRINT_VELOCITY}', date_trunc('week', e.{{sprint.closed_at}} AT TIME ZONE %(tz)s)::date,
       round(sum(e.{{sprint.completed_points}}), 4), NULL, NULL, count(*), 0
FROM bound b JOIN {{sprint}} e ON e.{{sprint.contract}} = b.contract_id AND e.{{sprint.binding}} = b.binding_id
 AND e.{{sprint.closed_at}} >= b.{SPRINT_VELOCITY}_lo AND e.{{sprint.closed_at}} < b.{SPRINT_VELOCITY}_hi
WHERE e.{{sprint.completed_points}} IS NOT NULL
GROUP BY 1, 3
UNION ALL
-- Say/do: completed points beyond the commitment (work added in the sprint) count up to it.
SELECT e.{{sprint.contract}}, '{SAY_DO_RATIO}', date_trunc('week', e.{{sprint.closed_at}} AT TIME ZONE %(tz)s)::date,
       round(sum(least(e.{{sprint.completed_points}}, e.{{sprint.committed_points}})) * %(say_do_multiplier)s::numeric
             / sum(e.{{sprint.committed_points}}), 4),
       sum(least(e.{{sprint.completed_points}}, e.{{sprint.committed_points}})), sum(e.{{sprint.committed_points}}),
       count(*), 0
FROM bound b JOIN {{sprint}} e ON e.{{sprint.contract}} = b.contract_id AND e.{{sprint.binding}} = b.binding_id
 AND e.{{sprint.closed_at}} >= b.{SAY_DO_RATIO}_lo AND e.{{sprint.closed_at}} < b.{SAY_DO_RATIO}_hi
WHERE e.{{sprint.completed_points}} IS NOT NULL AND e.{{sprint.committed_points}} > 0
GROUP BY 1, 3
UNION ALL
SELECT e.{{pr.contract}}, '{REWORK_RATE}', date_trunc('week', e.{{pr.merged_at}} AT TIME ZONE %(tz)s)::date,
       round(count(*) FILTER (WHERE e.{{pr.is_revert}} OR e.{{pr.is_hotfix}}) * %(rework_multiplier)s::numeric
             / count(*), 4),
       count(*) FILTER (WHERE e.{{pr.is_revert}} OR e.{{pr.is_hotfix}}), count(*),
       count(*), count(*) FILTER (WHERE e.{{pr.is_revert}} OR e.{{pr.is_hotfix}})
FROM bound b JOIN {{pr}} e ON e.{{pr.contract}} = b.contract_id AND e.{{pr.binding}} = b.binding_id
 AND e.{{pr.merged_at}} >= b.{REWORK_RATE}_lo AND e.{{pr.merged_at}} < b.{REWORK_RATE}_hi
GROUP BY 1, 3
) AS m
""",  # noqa: S608  # constant text: identifiers by compose, values as parameters
)
COMPUTE_SQL = compose(
    COMPUTE_TEMPLATE,
    binding=SourceBinding,
    deployment=Deployment,
    change=Change,
    link=DeploymentChange,
    incident=Incident,
    issue=TrackerIssue,
    sprint=Sprint,
    pr=PullRequest,
    contract=Contract,
)

# The floor the benchmark compares the computation with (docs/telemetry/metrics.md): the rows the
# computation reads — the same event rows of the same contracts and range, the same columns (a
# deployment's status, environment and commit; each duration's two times), the commits through the
# links of the deployments — read and grouped by contract, metric input and week, with counts and sums
# where the computation takes medians, distinct days and ratios, and the groups handed to the caller as
# the computation hands over its rows. Nothing filtered by binding, covers_from or contract run, no
# rollback window, no incident matching, no medians, no write.
_FLOOR_DURATION = "sum(date_part('epoch', {later} - {earlier}))"
FLOOR_TEMPLATE = _sql(
    "WITH",
    _PENDING,
    f""",
deployed AS MATERIALIZED (
    SELECT d.{{deployment.id}} AS id, d.{{deployment.contract}} AS contract_id, d.{{deployment.finished_at}} AS finished_at,
           date_trunc('week', d.{{deployment.finished_at}} AT TIME ZONE %(tz)s)::date AS week,
           d.{{deployment.status}} = %(success)s AND d.{{deployment.environment}} <> '' AND d.{{deployment.sha}} <> ''
               AS counted,
           d.{{deployment.is_rollback}} AS rollback
    FROM pending p JOIN {{deployment}} d ON d.{{deployment.contract}} = p.contract_id
     AND d.{{deployment.finished_at}} >= p.first_moment AND d.{{deployment.finished_at}} < %(end_moment)s
)
SELECT contract_id, 'deployments', week, count(*) FILTER (WHERE counted), sum(rollback::int)
FROM deployed GROUP BY 1, 3
UNION ALL
SELECT d.contract_id, 'commits', d.week, count(*), {_FLOOR_DURATION.format(later="d.finished_at", earlier="c.{change.authored_at}")}
FROM deployed d JOIN {{link}} l ON l.{{link.deployment}} = d.id JOIN {{change}} c ON c.{{change.id}} = l.{{link.change}}
GROUP BY 1, 3
UNION ALL
SELECT i.{{incident.contract}}, 'incidents', date_trunc('week', i.{{incident.resolved_at}} AT TIME ZONE %(tz)s)::date,
       count(*), {_FLOOR_DURATION.format(later="i.{incident.resolved_at}", earlier="i.{incident.opened_at}")}
FROM pending p JOIN {{incident}} i ON i.{{incident.contract}} = p.contract_id
 AND i.{{incident.resolved_at}} >= p.first_moment AND i.{{incident.resolved_at}} < %(end_moment)s
GROUP BY 1, 3
UNION ALL
SELECT t.{{issue.contract}}, 'resolved', date_trunc('week', t.{{issue.resolved_at}} AT TIME ZONE %(tz)s)::date,
       count(*), {_FLOOR_DURATION.format(later="t.{issue.resolved_at}", earlier="t.{issue.opened_at}")}
FROM pending p JOIN {{issue}} t ON t.{{issue.contract}} = p.contract_id
 AND t.{{issue.resolved_at}} >= p.first_moment AND t.{{issue.resolved_at}} < %(end_moment)s
GROUP BY 1, 3
UNION ALL
SELECT t.{{issue.contract}}, 'responded', date_trunc('week', t.{{issue.first_response_at}} AT TIME ZONE %(tz)s)::date,
       count(*), {_FLOOR_DURATION.format(later="t.{issue.first_response_at}", earlier="t.{issue.opened_at}")}
FROM pending p JOIN {{issue}} t ON t.{{issue.contract}} = p.contract_id
 AND t.{{issue.first_response_at}} >= p.first_moment AND t.{{issue.first_response_at}} < %(end_moment)s
GROUP BY 1, 3
UNION ALL
SELECT s.{{sprint.contract}}, 'sprints', date_trunc('week', s.{{sprint.closed_at}} AT TIME ZONE %(tz)s)::date,
       count(*), sum(s.{{sprint.completed_points}})
FROM pending p JOIN {{sprint}} s ON s.{{sprint.contract}} = p.contract_id
 AND s.{{sprint.closed_at}} >= p.first_moment AND s.{{sprint.closed_at}} < %(end_moment)s
GROUP BY 1, 3
UNION ALL
SELECT r.{{pr.contract}}, 'reviewed', date_trunc('week', r.{{pr.first_review_at}} AT TIME ZONE %(tz)s)::date,
       count(*), {_FLOOR_DURATION.format(later="r.{pr.first_review_at}", earlier="r.{pr.opened_at}")}
FROM pending p JOIN {{pr}} r ON r.{{pr.contract}} = p.contract_id
 AND r.{{pr.first_review_at}} >= p.first_moment AND r.{{pr.first_review_at}} < %(end_moment)s
GROUP BY 1, 3
UNION ALL
SELECT r.{{pr.contract}}, 'merged', date_trunc('week', r.{{pr.merged_at}} AT TIME ZONE %(tz)s)::date,
       count(*), sum((r.{{pr.is_revert}} OR r.{{pr.is_hotfix}})::int)
FROM pending p JOIN {{pr}} r ON r.{{pr.contract}} = p.contract_id
 AND r.{{pr.merged_at}} >= p.first_moment AND r.{{pr.merged_at}} < %(end_moment)s
GROUP BY 1, 3
""",  # noqa: S608  # constant text: identifiers by compose, values as parameters
)
FLOOR_SQL = compose(
    FLOOR_TEMPLATE,
    deployment=Deployment,
    change=Change,
    link=DeploymentChange,
    incident=Incident,
    issue=TrackerIssue,
    sprint=Sprint,
    pr=PullRequest,
)

# How far back a recompute must reach beyond the date it was asked from: to the deployments that
# incidents observed since then blame (their week's change failure rate changes), and by the rollback
# hours (a rollback fails the deployment before it). Its "first_week" is the date asked itself.
SINCE_TEMPLATE = _sql(
    "WITH",
    _PENDING,
    """,
blaming AS MATERIALIZED (
    -- Incidents observed since the date asked that blame a deployment or a commit.
    SELECT p.contract_id, p.first_moment, i.{incident.caused_by_deployment} AS deployment_source,
           i.{incident.caused_by_sha} AS sha
    FROM pending p
    JOIN {incident} i ON i.{incident.contract} = p.contract_id
    WHERE (i.{incident.caused_by_deployment} <> '' OR i.{incident.caused_by_sha} <> '')
      AND greatest(i.{incident.observed_at}, i.{incident.opened_at}) >= p.first_moment
), blamed AS (
    -- The earliest deployment before the range they blame, by its source id or its commit.
    SELECT n.contract_id, min(d.{deployment.finished_at}) AS first_at
    FROM blaming n
    JOIN {deployment} d ON d.{deployment.contract} = n.contract_id AND d.{deployment.finished_at} < n.first_moment
     AND ((n.deployment_source <> '' AND d.{deployment.source_id} = n.deployment_source)
          OR (n.sha <> '' AND d.{deployment.sha} = n.sha))
    GROUP BY n.contract_id
), authored AS (
    -- A blamed commit authored before the range: the deployment that shipped it first finished later.
    SELECT n.contract_id, min(c.{change.authored_at}) AS first_at
    FROM blaming n
    JOIN {change} c ON c.{change.contract} = n.contract_id AND c.{change.authored_at} < n.first_moment
     AND c.{change.sha} = n.sha
    WHERE n.sha <> ''
    GROUP BY n.contract_id
)
SELECT p.contract_id,
       least(p.first_week,
             ((p.first_moment - %(rollback_hours)s * interval '1 hour') AT TIME ZONE %(tz)s)::date,
             (b.first_at AT TIME ZONE %(tz)s)::date,
             (a.first_at AT TIME ZONE %(tz)s)::date)
FROM pending p
LEFT JOIN blamed b ON b.contract_id = p.contract_id
LEFT JOIN authored a ON a.contract_id = p.contract_id
""",
)
SINCE_SQL = compose(SINCE_TEMPLATE, deployment=Deployment, incident=Incident, change=Change)


# -- the steps ------------------------------------------------------------------------------------------
def _weeks(contract_ids: Iterable[int], since: date | Mapping[int, date]) -> tuple[list[int], list[date]]:
    if isinstance(since, Mapping):
        pairs = sorted((int(pk), week_start(day)) for pk, day in since.items())
    else:
        pairs = [(pk, week_start(since)) for pk in sorted({int(pk) for pk in contract_ids})]
    return [pk for pk, _ in pairs], [week for _, week in pairs]


def _params(
    ids: list[int], weeks: list[date], today: date, multipliers: Mapping[str, Decimal] | None = None
) -> dict[str, Any]:
    factors = multipliers or {}
    return {
        "failure_rate_multiplier": factors.get(CHANGE_FAILURE_RATE, Decimal(100)),
        "say_do_multiplier": factors.get(SAY_DO_RATIO, Decimal(100)),
        "rework_multiplier": factors.get(REWORK_RATE, Decimal(100)),
        "ids": ids,
        "weeks": weeks,
        "tz": settings.TIME_ZONE,
        "today": today,
        "end_moment": local_midnight(today + timedelta(days=1)),
        "success": DeploymentStatus.SUCCESS,
        "cap": WALK_MAX_COMMITS,
        "rollback_hours": settings.TELEMETRY_ROLLBACK_HOURS,
        "draft": ContractStatus.DRAFT,
        "doubled_hour": 2 * MICROSECONDS_PER_HOUR,
        "frequency": DEPLOYMENT_FREQUENCY,
        "lead_time": LEAD_TIME,
        "failure_rate": CHANGE_FAILURE_RATE,
        "restore": TIME_TO_RESTORE,
        "bugs": BUG_RESOLUTION_TIME,
        "response": FIRST_RESPONSE_TIME,
        "velocity": SPRINT_VELOCITY,
        "say_do": SAY_DO_RATIO,
        "review": PR_REVIEW_TURNAROUND,
        "rework": REWORK_RATE,
    }


def _session_settings(cursor: Any) -> None:
    for name, value in MEASURE_SETTINGS.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def recompute_start(*, since: Mapping[int, date], today: date | None = None) -> dict[int, date]:
    """The date each contract's metrics must be computed from for a request from ``since``: earlier
    when an incident observed since then blames an older deployment or commit, and by the rollback
    hours (one query for every contract)."""
    ids = sorted(int(pk) for pk in since)
    if not ids:
        return {}
    # SINCE_SQL's "weeks" are the dates themselves: the rollback hours count back from the date asked.
    days = [since[pk] for pk in ids]
    with connection.cursor() as cursor:
        cursor.execute(SINCE_SQL, _params(ids, days, today or timezone.localdate()))
        return {int(pk): min(day, since[pk]) for pk, day in cursor.fetchall()}


def deployment_changes_rebuild(*, contract_ids: Iterable[int], since: date | Mapping[int, date]) -> tuple[int, int]:
    """Derive the commits each successful production deployment of these contracts finishing from the
    Monday of ``since``'s week shipped first (``DeploymentChange``); links of earlier deployments are
    kept. Writes only the differences: ``(removed, added)``."""
    ids, weeks = _weeks(contract_ids, since)
    if not ids:
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(LINKS_SQL, _params(ids, weeks, timezone.localdate()))
        removed, added = cursor.fetchone() or (0, 0)
    return int(removed), int(added)


def telemetry_compute(
    *, contract_ids: Iterable[int], since: date | Mapping[int, date], until: date | None = None
) -> list[MetricRow]:
    """The measurements telemetry writes for these contracts, from the ISO week containing ``since``
    (one date for all, or one per contract) to the week containing ``until`` (default: today), that
    week written to date. Reads the events and the derived links (``deployment_changes_rebuild``);
    writes nothing. One statement whatever the number of contracts."""
    ids, weeks = _weeks(contract_ids, since)
    if not ids:
        return []
    today = until or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        _session_settings(cursor)
        cursor.execute(COMPUTE_SQL, _params(ids, weeks, today, kpi_multipliers()))
        with gc_paused():
            return list(map(_metric_row, cursor.fetchall()))


def kpi_multipliers() -> dict[str, Decimal]:
    """KPI code → the multiplier of the telemetry KPIs in the catalogue (100 for the percentages; a
    ratio's value is numerator ÷ denominator × multiplier)."""
    return {
        code: multiplier if multiplier is not None else Decimal(1)
        for code, multiplier in KpiDefinition.objects.filter(code__in=ALL_CODES).values_list("code", "multiplier")
    }


def telemetry_floor(*, contract_ids: Iterable[int], since: date | Mapping[int, date], until: date | None = None) -> int:
    """The benchmark's floor (``FLOOR_SQL``): read and group the rows ``telemetry_compute`` reads.
    Answers the number of (contract, week) groups."""
    ids, weeks = _weeks(contract_ids, since)
    if not ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor, gc_paused():
        _session_settings(cursor)
        cursor.execute(FLOOR_SQL, _params(ids, weeks, until or timezone.localdate()))
        return len(cursor.fetchall())


# -- writing -----------------------------------------------------------------------------------------------
@dataclass
class MeasureSummary:
    """What one ``telemetry_measure`` did."""

    contracts: int = 0
    links_removed: int = 0
    links_added: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_STALE_SQL = compose(
    """
    SELECT m.{m.id}, m.{m.contract}, k.{kpi.code}, m.{m.period_start}, m.{m.period_end}
    FROM unnest(%(ids)s::bigint[], %(weeks)s::date[]) AS p(contract_id, first_week)
    JOIN {m} m ON m.{m.contract} = p.contract_id AND m.{m.period_start} >= p.first_week
    JOIN {kpi} k ON k.{kpi.id} = m.{m.kpi}
    WHERE m.{m.source} = %(source)s
    """,
    m=Measurement,
    kpi=KpiDefinition,
)


def _write(rows: list[MetricRow], summary: MeasureSummary) -> set[tuple[int, str, date, date]]:
    """Upsert the rows (source telemetry, no actor); answers the keys written or unchanged."""
    from apps.performance.services import CREATED, ERROR, UNCHANGED, UPDATED, measurement_bulk_upsert

    kept: set[tuple[int, str, date, date]] = set()
    for start in range(0, len(rows), WRITE_CHUNK_ROWS):
        chunk = rows[start : start + WRITE_CHUNK_ROWS]
        results = measurement_bulk_upsert(
            actor=None,
            rows=[row.upsert_row() for row in chunk],
            source=MeasurementSource.TELEMETRY,
            action="telemetry_measure",
        )
        for row, result in zip(chunk, results, strict=True):
            if result.status == ERROR:
                summary.refused += 1
                summary.errors.append(f"{row.key}: {result.errors}")
                continue
            kept.add(row.key)
            summary.created += result.status == CREATED
            summary.updated += result.status == UPDATED
            summary.unchanged += result.status == UNCHANGED
    return kept


def telemetry_measure(
    *, contract_ids: Iterable[int], since: date | Mapping[int, date], today: date | None = None
) -> MeasureSummary:
    """Compute the telemetry metrics of these contracts from ``since`` (one date, or one per contract)
    to ``today`` and write them: links rebuilt, measurements upserted with source ``telemetry``, and
    the telemetry measurements of the recomputed weeks that are no longer produced deleted (a partial
    week replaced by a longer one, a KPI no longer measured). One transaction; idempotent: a second
    run writes nothing."""
    from apps.performance.services import measurement_telemetry_delete

    today = today or timezone.localdate()
    ids, _ = _weeks(contract_ids, since)
    requested = dict(since) if isinstance(since, Mapping) else dict.fromkeys(ids, since)
    summary = MeasureSummary(contracts=len(ids))
    if not ids:
        return summary
    with transaction.atomic():
        with connection.cursor() as cursor:
            _session_settings(cursor)
        starts = recompute_start(since=requested, today=today)
        summary.links_removed, summary.links_added = deployment_changes_rebuild(contract_ids=ids, since=starts)
        rows = telemetry_compute(contract_ids=ids, since=starts, until=today)
        summary.rows = len(rows)
        kept = _write(rows, summary)
        stale_ids, weeks = _weeks((), starts)
        with connection.cursor() as cursor:
            cursor.execute(_STALE_SQL, {"ids": stale_ids, "weeks": weeks, "source": MeasurementSource.TELEMETRY})
            stale = [pk for pk, *key in cursor.fetchall() if tuple(key) not in kept]
        summary.deleted = measurement_telemetry_delete(ids=stale)
    if summary.errors:
        logger.warning("Telemetry measurements refused: %s", "; ".join(summary.errors[:20]))
    return summary


_CLAIM_SQL = compose(
    """
    SELECT {pending.contract}, {pending.since} FROM {pending}
    WHERE {pending.requested_at} <= %(started)s
    ORDER BY {pending.requested_at}, {pending.contract}
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
    """,
    pending=TelemetryRecompute,
)


def telemetry_measure_pending(*, today: date | None = None) -> int:
    """Measure every contract waiting in ``TelemetryRecompute`` (in passes of ``MEASURE_BATCH``
    contracts, each one transaction): the rows are claimed with ``FOR UPDATE SKIP LOCKED`` (two workers
    never measure the same contract at once; a request arriving meanwhile waits for the claim and is
    measured on the next pass) and deleted with the writes. Answers how many contracts were measured."""
    started = timezone.now()
    measured = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_CLAIM_SQL, {"started": started, "batch": MEASURE_BATCH})
                claimed = {int(pk): since for pk, since in cursor.fetchall()}
            if not claimed:
                return measured
            telemetry_measure(contract_ids=claimed, since=claimed, today=today)
            TelemetryRecompute.objects.filter(contract_id__in=claimed).delete()
        measured += len(claimed)


def telemetry_refresh_recent(*, today: date | None = None, days: int = REFRESH_DAYS) -> int:
    """Ask for the last ``days`` of every contract with an active binding to be measured again (the
    daily beat): a week closes — its partial row replaced by the full week — even when no event came.
    Answers how many contracts."""
    from apps.performance.telemetry.services import recompute_request

    today = today or timezone.localdate()
    ids = list(SourceBinding.objects.filter(active=True).order_by().values_list("contract_id", flat=True).distinct())
    recompute_request(contract_ids=ids, since=today - timedelta(days=days))
    return len(ids)
