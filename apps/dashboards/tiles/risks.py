"""The risk heat map: risks that are not closed, by likelihood × impact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from apps.contracts.scope import VENDOR_RECORD_ROW
from apps.dashboards.scope import Drill, Scope, drill_url
from apps.dashboards.tiles import Tile
from apps.vendors.choices import RiskStatus
from apps.vendors.selectors import vendor_risk_list

HEAT_MAP = Tile("heat-map", "dashboards/tiles/heat_map.html")

OPEN_RISK_STATUSES = tuple(s for s in RiskStatus if s != RiskStatus.CLOSED)
RISK_SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    drill: Drill

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class RiskHeatMap:
    rows: list[tuple[int, list[HeatCell]]]  # impact 5 (top) to 1, each with likelihood 1 to 5
    total: Drill

    def cells(self) -> list[HeatCell]:
        return [cell for _, cells in self.rows for cell in cells]


def risk_heat_map(*, scope: Scope, user: Any = None) -> RiskHeatMap:
    """One query: the risks that are not closed, by likelihood × impact."""
    counts = {
        (row["likelihood"], row["impact"]): row["n"]
        for row in vendor_risk_list(user=user)
        .filter(scope.q(VENDOR_RECORD_ROW), status__in=OPEN_RISK_STATUSES)
        .order_by()
        .values("likelihood", "impact")
        .annotate(n=Count("pk"))
    }
    statuses = list(OPEN_RISK_STATUSES)
    rows = []
    for impact in reversed(RISK_SCALE):
        cells = []
        for likelihood in RISK_SCALE:
            n = counts.get((likelihood, impact), 0)
            url = drill_url("vendors:risk-list", scope, likelihood=likelihood, impact=impact, status=statuses)
            cells.append(HeatCell(likelihood, impact, Drill(n, url, f"likelihood {likelihood} × impact {impact}")))
        rows.append((impact, cells))
    total = sum(counts.values())
    return RiskHeatMap(
        rows=rows, total=Drill(total, drill_url("vendors:risk-list", scope, status=statuses), "open risks")
    )
