"""SLA compliance: the compliance tile, the "at risk now" tile and the SLA performance charts (the
compliance chart here, the breaches-by-area chart from ``tiles.breaches``).

*SLA compliance* of a month: met ÷ (met + breached) of the closed SLA evaluations whose window **ended**
in that month — a monthly window in its month, a quarterly one in its quarter's last month, a rolling one
in the month its last day falls in. ``no_data`` and ``insufficient_data`` windows are left out of the
percentage and counted beside it. The change is in percentage points against the month before. The
chart shows the ``COMPLIANCE_MONTHS`` months ending with the period. *At risk*: the open window's
evaluations that are at risk (one per SLA term).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from apps.contracts.scope import TERM_ROW
from apps.dashboards.scope import Drill, Scope, drill_url, iso_day, percent
from apps.dashboards.tiles import Tile
from apps.performance.choices import EvaluationStatus
from apps.performance.scorecards import Period, months_ending
from apps.performance.selectors import sla_evaluation_list

COMPLIANCE = Tile("compliance", "dashboards/tiles/compliance.html")
AT_RISK = Tile("at-risk", "dashboards/tiles/at_risk.html")
SLA_PERFORMANCE = Tile("sla-performance", "dashboards/tiles/sla_performance.html")

COMPLIANCE_MONTHS = 12


@dataclass(frozen=True)
class ComplianceMonth:
    month: Period
    met: int
    breached: int
    without_data: int  # no_data + insufficient_data: left out of the percentage
    percent: Decimal | None
    drill: Drill
    without_data_drill: Drill

    @property
    def evaluated(self) -> int:
        return self.met + self.breached


@dataclass(frozen=True)
class Compliance:
    months: list[ComplianceMonth]  # oldest first, the period last
    at_risk: Drill

    @property
    def current(self) -> ComplianceMonth:
        return self.months[-1]

    @property
    def previous(self) -> ComplianceMonth | None:
        return self.months[-2] if len(self.months) > 1 else None

    @property
    def any_evaluated(self) -> bool:
        """Whether any month shown has a closed evaluation (else the sweep has not run for this scope)."""
        return any(month.evaluated or month.without_data for month in self.months)

    @property
    def change(self) -> Decimal | None:
        """Percentage points against the month before (None when either has no evaluation)."""
        before = self.previous
        if before is None or before.percent is None or self.current.percent is None:
            return None
        return self.current.percent - before.percent


def _evaluation_url(scope: Scope, month: Period, statuses: Sequence[str]) -> str:
    return drill_url(
        "performance:sla-evaluation-list",
        scope,
        is_closed="true",
        status=list(statuses),
        window_end_after=iso_day(month.start),
        window_end_before=iso_day(month.end),
    )


def sla_compliance(*, scope: Scope, period: Period, months: int = COMPLIANCE_MONTHS, user: Any = None) -> Compliance:
    """One query: the closed evaluations of the ``months`` months ending with ``period`` by the month
    their window ended in and status, and the open windows at risk."""
    shown = months_ending(period, months)
    rows = (
        sla_evaluation_list(user=user)
        .filter(scope.q(TERM_ROW))
        .filter(
            Q(is_closed=True, window_end__gte=shown[0].start, window_end__lte=shown[-1].end)
            | Q(is_closed=False, status=EvaluationStatus.AT_RISK)
        )
        .annotate(month=TruncMonth("window_end"))
        .order_by()
        .values("month", "status", "is_closed")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    at_risk = 0
    for row in rows:
        if row["is_closed"]:
            counts[(row["month"], row["status"])] += row["n"]
        else:
            at_risk += row["n"]
    without = (EvaluationStatus.NO_DATA, EvaluationStatus.INSUFFICIENT_DATA)
    result = []
    for month in shown:
        met = counts[(month.start, EvaluationStatus.MET)]
        breached = counts[(month.start, EvaluationStatus.BREACHED)]
        missing = sum(counts[(month.start, status)] for status in without)
        result.append(
            ComplianceMonth(
                month=month,
                met=met,
                breached=breached,
                without_data=missing,
                percent=percent(met, met + breached),
                drill=Drill(
                    met + breached,
                    _evaluation_url(scope, month, (EvaluationStatus.MET, EvaluationStatus.BREACHED)),
                    f"SLA windows evaluated in {month.label}",
                ),
                without_data_drill=Drill(
                    missing, _evaluation_url(scope, month, without), f"SLA windows without enough data in {month.label}"
                ),
            )
        )
    at_risk_url = drill_url(
        "performance:sla-evaluation-list", scope, is_closed="false", status=EvaluationStatus.AT_RISK
    )
    return Compliance(months=result, at_risk=Drill(at_risk, at_risk_url, "SLA terms at risk in the open window"))
