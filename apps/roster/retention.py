"""Team retention measured from the roster (docs/architecture/roster-findings.md, "Team retention"): the
``team_retention`` KPI per contract and complete calendar month, written as measurements with source
``roster`` through the measurements' own bulk upsert, so SLA terms on retention are evaluated (and
breached) like any other.

Per contract and month:

- headcount at the start / end = the distinct engineers with an assignment of the contract active on
  the month's first / last day;
- leavers = the distinct engineers with an assignment of the contract whose ``end_date`` falls in the
  month, unless the same engineer has another assignment of the contract active on the day after that
  end date (a re-allocation or a role change is not a leaver). An approved substitution's leaver counts;
- retention % = 100 × (1 − leavers ÷ average headcount), floored at 0; stored as a ratio: numerator
  average − leavers (at least 0), denominator the average headcount. No measurement for a month whose
  average headcount is 0.

Months: complete months only (up to the one before today's), from the month of the contract's first
assignment (and not before the contract's start month, nor after its end), at most ``RETENTION_MONTHS``
back; contracts with at least one assignment that are not drafts. One statement computes every
contract and month; one bulk upsert writes them, so a second run writes nothing and a changed roster
updates just the months it changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.formatting import format_count, format_date, format_number
from apps.core.sql import compose
from apps.performance.choices import MeasurementSource
from apps.roster.models import Assignment

TEAM_RETENTION = "team_retention"
# How far back the job measures (a roster entered late still fills the last two years).
RETENTION_MONTHS = 24
WRITE_CHUNK_ROWS = 1_000


class RetentionMonth(NamedTuple):
    """One contract's month as the roster tells it."""

    contract_id: int
    month_start: date
    month_end: date
    at_start: int
    at_end: int
    leavers: int

    @property
    def average(self) -> Decimal:
        return Decimal(self.at_start + self.at_end) / 2

    @property
    def retained(self) -> Decimal:
        return max(Decimal(0), self.average - self.leavers)

    @property
    def percent(self) -> Decimal | None:
        return None if not self.average else self.retained * 100 / self.average

    @property
    def note(self) -> str:
        return (
            f"Team roster: {format_count(self.at_start, 'engineer')} on {format_date(self.month_start)}, "
            f"{self.at_end} on {format_date(self.month_end)}, {format_count(self.leavers, 'leaver')}: "
            f"100 × (1 − {self.leavers} ÷ {format_number(self.average)})."
        )

    def upsert_row(self) -> dict[str, Any]:
        return {
            "contract": self.contract_id,
            "kpi": TEAM_RETENTION,
            "period_start": self.month_start,
            "period_end": self.month_end,
            "numerator": self.retained,
            "denominator": self.average,
            "note": self.note,
        }


# Every contract (not a draft) with assignments × each complete month from its first assignment's (and
# not before its own start, after its end, or RETENTION_MONTHS ago): the headcounts and the leavers.
_RETENTION_SQL = compose(
    """
    WITH firsts AS (
        SELECT a.{a.contract} AS contract_id, min(a.{a.start_date}) AS first_start
        FROM {a} a
        GROUP BY a.{a.contract}
    ), months AS (
        SELECT f.contract_id, m::date AS month_start, ((m + interval '1 month')::date - 1) AS month_end
        FROM firsts f
        JOIN {c} c ON c.{c.id} = f.contract_id
        CROSS JOIN LATERAL generate_series(
            greatest(date_trunc('month', f.first_start), date_trunc('month', c.{c.start_date}), %(earliest)s::date),
            %(latest)s::date,
            interval '1 month'
        ) AS m
        WHERE c.{c.status} <> %(draft)s
          AND (c.{c.end_date} IS NULL OR m::date <= c.{c.end_date})
          AND (%(ids)s::bigint[] IS NULL OR f.contract_id = ANY(%(ids)s::bigint[]))
    )
    SELECT mo.contract_id, mo.month_start, mo.month_end,
        (SELECT count(DISTINCT a.{a.engineer}) FROM {a} a
         WHERE a.{a.contract} = mo.contract_id AND a.{a.start_date} <= mo.month_start
           AND (a.{a.end_date} IS NULL OR a.{a.end_date} >= mo.month_start)) AS at_start,
        (SELECT count(DISTINCT a.{a.engineer}) FROM {a} a
         WHERE a.{a.contract} = mo.contract_id AND a.{a.start_date} <= mo.month_end
           AND (a.{a.end_date} IS NULL OR a.{a.end_date} >= mo.month_end)) AS at_end,
        (SELECT count(DISTINCT a.{a.engineer}) FROM {a} a
         WHERE a.{a.contract} = mo.contract_id AND a.{a.end_date} BETWEEN mo.month_start AND mo.month_end
           AND NOT EXISTS (
               SELECT 1 FROM {a} b
               WHERE b.{a.contract} = a.{a.contract} AND b.{a.engineer} = a.{a.engineer} AND b.{a.id} <> a.{a.id}
                 AND b.{a.start_date} <= a.{a.end_date} + 1
                 AND (b.{a.end_date} IS NULL OR b.{a.end_date} >= a.{a.end_date} + 1)
           )) AS leavers
    FROM months mo
    ORDER BY mo.contract_id, mo.month_start
    """,
    a=Assignment,
    c=Contract,
)


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def team_retention_months(*, today: date, contract_ids: list[int] | None = None) -> list[RetentionMonth]:
    """One statement: every complete month of every contract with assignments (or of ``contract_ids``)."""
    latest = _month_back(today, 1)
    params: dict[str, Any] = {
        "earliest": _month_back(today, RETENTION_MONTHS),
        "latest": latest,
        "draft": ContractStatus.DRAFT,
        "ids": list(contract_ids) if contract_ids is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_RETENTION_SQL, params)
        return [RetentionMonth(*row) for row in cursor.fetchall()]


@dataclass
class RetentionSummary:
    months: int = 0
    skipped: int = 0  # no headcount: no measurement
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def team_retention_measure(*, today: date | None = None, contract_ids: list[int] | None = None) -> RetentionSummary:
    """Compute team retention for every complete month of every contract with assignments and upsert
    it (source ``roster``) through ``measurement_bulk_upsert``: unchanged months write nothing, changed
    ones update their row and re-evaluate their SLA windows after the commit."""
    from apps.performance.services import CREATED, ERROR, UNCHANGED, UPDATED, measurement_bulk_upsert

    today = today or timezone.localdate()
    months = team_retention_months(today=today, contract_ids=contract_ids)
    summary = RetentionSummary(months=len(months))
    measured = [month for month in months if month.average > 0]
    summary.skipped = len(months) - len(measured)
    for start in range(0, len(measured), WRITE_CHUNK_ROWS):
        chunk = measured[start : start + WRITE_CHUNK_ROWS]
        results = measurement_bulk_upsert(
            actor=None,
            rows=[month.upsert_row() for month in chunk],
            source=MeasurementSource.ROSTER,
            action="team_retention_measure",
        )
        for month, result in zip(chunk, results, strict=True):
            if result.status == ERROR:
                summary.refused += 1
                summary.errors.append(f"contract {month.contract_id} {month.month_start:%Y-%m}: {result.errors}")
            summary.created += result.status == CREATED
            summary.updated += result.status == UPDATED
            summary.unchanged += result.status == UNCHANGED
    return summary
