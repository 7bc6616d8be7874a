"""Breaches: the open-breaches tile, the service-credits tile and the breaches-by-area chart.

*Open breaches*: breaches open or acknowledged, by severity. *Service credits owed*, per currency: the
credits of breaches neither waived nor retracted (open, acknowledged or resolved — resolving the cause
does not cancel the credit). *Breaches by area*: breaches, retracted ones excepted, whose window ended in
the ``COMPLIANCE_MONTHS`` months up to the end of the period (the compliance chart's months), by the SLA
term's area and severity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, Sum, Value, When

from apps.contracts.scope import TERM_ROW
from apps.dashboards.scope import Amount, Drill, Scope, Segment, drill_url, iso_day, percent, round_money
from apps.dashboards.tiles import Tile
from apps.dashboards.tiles.compliance import COMPLIANCE_MONTHS
from apps.performance.choices import BreachStatus, Severity, SlaArea
from apps.performance.scorecards import Period, months_ending
from apps.performance.selectors import breach_list

OPEN_BREACHES = Tile("open-breaches", "dashboards/tiles/open_breaches.html")
CREDITS = Tile("credits", "dashboards/tiles/credits.html")

OPEN_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)
CREDIT_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.RESOLVED)
COUNTED_BREACH_STATUSES = tuple(s for s in BreachStatus if s != BreachStatus.RETRACTED)
SEVERITIES_WORST_FIRST = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR)


@dataclass(frozen=True)
class AreaBreaches:
    area: str
    label: str
    total: int
    by_severity: list[Segment]  # worst first
    drill: Drill


@dataclass(frozen=True)
class Breaches:
    open_total: Drill
    open_by_severity: list[Segment]  # worst first
    credits: list[Amount]
    by_area: list[AreaBreaches]
    first_month: Period
    last_month: Period


def credits_owed(credits: Mapping[str, Decimal], *, scope: Scope) -> list[Amount]:
    """Service credits per currency (largest first, none of zero), each leading to the breaches owing it."""
    return [
        Amount(
            currency,
            round_money(amount),
            Drill(
                round_money(amount),
                drill_url("performance:breach-list", scope, status=list(CREDIT_BREACH_STATUSES), currency=currency),
                f"service credits owed in {currency}",
                counts_rows=False,
            ),
        )
        for currency, amount in sorted(credits.items(), key=lambda item: -item[1])
        if amount
    ]


def breach_summary(*, scope: Scope, period: Period, months: int = COMPLIANCE_MONTHS, user: Any = None) -> Breaches:
    """One query: breaches in scope grouped by status, severity, currency, area and whether their
    window ended in the ``months`` months up to the end of ``period``."""
    shown = months_ending(period, months)
    first, last = shown[0], shown[-1]
    recent = Q(window_end__gte=first.start, window_end__lte=last.end)
    rows = (
        breach_list(user=user)
        .filter(scope.q(TERM_ROW))
        .annotate(recent=Case(When(recent, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .order_by()
        .values("status", "severity", "currency", "term__area", "recent")
        .annotate(n=Count("pk"), credits=Sum("credit_amount"))
    )
    open_by_severity: dict[str, int] = defaultdict(int)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    by_area: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row["status"] in OPEN_BREACH_STATUSES:
            open_by_severity[row["severity"]] += row["n"]
        if row["status"] in CREDIT_BREACH_STATUSES:
            credits[row["currency"]] += row["credits"] or Decimal(0)
        if row["recent"] and row["status"] in COUNTED_BREACH_STATUSES:
            by_area[(row["term__area"], row["severity"])] += row["n"]

    def open_url(**extra: Any) -> str:
        return drill_url("performance:breach-list", scope, status=list(OPEN_BREACH_STATUSES), **extra)

    total_open = sum(open_by_severity.values())
    severity_segments = [
        Segment(
            str(severity),
            str(severity.label),
            open_by_severity[severity],
            percent(open_by_severity[severity], total_open),
            Drill(open_by_severity[severity], open_url(severity=severity), f"open {severity.label.lower()} breaches"),
        )
        for severity in SEVERITIES_WORST_FIRST
    ]
    credit_amounts = credits_owed(credits, scope=scope)
    window = {"window_end_after": iso_day(first.start), "window_end_before": iso_day(last.end)}
    areas = []
    for area, label in SlaArea.choices:
        segments = []
        for severity in SEVERITIES_WORST_FIRST:
            n = by_area[(area, severity)]
            url = drill_url(
                "performance:breach-list",
                scope,
                status=list(COUNTED_BREACH_STATUSES),
                area=area,
                severity=severity,
                **window,
            )
            segments.append(
                Segment(str(severity), str(severity.label), n, None, Drill(n, url, f"{label}: {severity.label}"))
            )
        total = sum(int(s.value) for s in segments)
        url = drill_url("performance:breach-list", scope, status=list(COUNTED_BREACH_STATUSES), area=area, **window)
        areas.append(AreaBreaches(area, str(label), total, segments, Drill(total, url, f"{label} breaches")))
    return Breaches(
        open_total=Drill(total_open, open_url(), "open breaches"),
        open_by_severity=severity_segments,
        credits=credit_amounts,
        by_area=areas,
        first_month=first,
        last_month=last,
    )
