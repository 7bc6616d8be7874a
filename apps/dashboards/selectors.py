"""The portfolio overview: its tiles (``apps.dashboards.tiles``, one module each) composed into one
``Overview`` for one scope and period, in a fixed number of queries whatever the size of the portfolio,
and the order the page shows them in.

**Scope**: the filter bar's values (``apps.dashboards.scope``). **Period**: a calendar month in
``TIME_ZONE``, the last closed one by default. It moves the SLA compliance tile, the compliance and
breaches-by-area charts (the 12 months ending with it) and the league table (the scorecards of that
month, and its cost columns: the 12 months ending with it); every other number is as of today. Each tile's module states its definitions (docs/product/dashboards.md
repeats them for readers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from apps.core.fx import fx_table
from apps.core.memory import gc_paused
from apps.dashboards.scope import Amount, Drill, Scope
from apps.dashboards.tiles import Tile
from apps.dashboards.tiles.access import ACCESS_FINDINGS, AccessFindings, access_findings
from apps.dashboards.tiles.breaches import CREDITS, OPEN_BREACHES, Breaches, breach_summary
from apps.dashboards.tiles.certifications import CERTIFICATIONS, CertificationStanding, certifications_expiring
from apps.dashboards.tiles.compliance import AT_RISK, COMPLIANCE, SLA_PERFORMANCE, Compliance, sla_compliance
from apps.dashboards.tiles.concentration import (
    CONCENTRATION,
    SHOWN_ROWS,
    Concentration,
    concentration,
    concentration_threshold,
)
from apps.dashboards.tiles.league import (
    ATTENTION_FIRST,
    LEAGUE,
    LEAGUE_SORT_ATTENTION,
    LEAGUE_TABLE_ROWS,
    LeaguePage,
    LeagueRow,
)
from apps.dashboards.tiles.league import league_page as league_page_of
from apps.dashboards.tiles.renewals import RENEWALS, renewals_due
from apps.dashboards.tiles.reviews import REVIEWS_OVERDUE, reviews_overdue
from apps.dashboards.tiles.risks import HEAT_MAP, RiskHeatMap, risk_heat_map
from apps.dashboards.tiles.sourcing import (
    MATRIX,
    POLICY_CONFLICTS,
    FunctionRow,
    SourcingMatrix,
    critical_serving,
    function_rows,
    policy_conflict_drill,
    sourcing_matrix,
)
from apps.dashboards.tiles.spend import (
    SPEND,
    SPEND_CHARTS,
    Breakdown,
    ReportingTotal,
    spend_breakdown,
    spend_figures,
    spend_in_reporting_currency,
    spend_per_currency,
)
from apps.dashboards.tiles.telemetry import TelemetryShare, telemetry_share
from apps.dashboards.tiles.vendors import ACTIVE_VENDORS, active_vendor_drill, engaged_vendor_counts
from apps.performance.scorecards import Period

# The strip of key figures at the top of the page, in order.
KEY_FIGURES: tuple[Tile, ...] = (
    ACTIVE_VENDORS,
    SPEND,
    COMPLIANCE,
    OPEN_BREACHES,
    AT_RISK,
    CREDITS,
    RENEWALS,
    CERTIFICATIONS,
    REVIEWS_OVERDUE,
    ACCESS_FINDINGS,
    POLICY_CONFLICTS,
)
# The page's body, top to bottom (the strip renders ``KEY_FIGURES``).
OVERVIEW_TILES: tuple[Tile, ...] = (
    ATTENTION_FIRST,
    Tile("key-figures", "dashboards/tiles/key_figures.html"),
    SLA_PERFORMANCE,
    SPEND_CHARTS,
    LEAGUE,
    MATRIX,
    HEAT_MAP,
    CONCENTRATION,
)


@dataclass
class Overview:
    """Everything the portfolio overview shows, for one scope and period."""

    scope: Scope
    period: Period
    today: date
    active_vendors: Drill
    spend: list[Amount]  # per currency, each with its conversion into the reporting currency
    spend_total: ReportingTotal
    compliance: Compliance
    breaches: Breaches
    renewals: Drill
    certifications: CertificationStanding
    reviews_overdue: Drill
    access_findings: AccessFindings
    policy_conflicts: Drill
    spend_by_geography: list[Breakdown]
    spend_by_engagement: list[Breakdown]
    league: LeaguePage
    league_sort: str
    matrix: SourcingMatrix
    functions: list[FunctionRow]
    heat_map: RiskHeatMap
    concentration: Concentration
    telemetry: TelemetryShare  # the SLA terms' KPIs measured by telemetry, and those typed

    @property
    def attention_first(self) -> list[LeagueRow]:
        """The vendors that need attention most (at most ``ATTENTION_FIRST_ROWS``, a score above zero),
        whatever order the league table is in."""
        return [row for row in self.league.first if row.attention_score > 0]

    def drills(self) -> list[Drill]:
        """Every number on the page that leads to a list (tests check each list's count)."""
        found = [
            self.active_vendors,
            *(a.drill for a in self.spend),
            self.spend_total.drill,
            self.compliance.current.without_data_drill,
            *(m.drill for m in self.compliance.months),
            self.compliance.at_risk,
            self.breaches.open_total,
            *(s.drill for s in self.breaches.open_by_severity),
            *(a.drill for a in self.breaches.credits),
            *(area.drill for area in self.breaches.by_area),
            *(s.drill for area in self.breaches.by_area for s in area.by_severity),
            self.renewals,
            *self.certifications.drills,
            self.reviews_overdue,
            *self.access_findings.drills,
            self.policy_conflicts,
            *(s.drill for b in self.spend_by_geography + self.spend_by_engagement for s in b.segments),
            *(row.open_breaches for row in self.league.rows),
            *(
                reason.drill
                for row in self.league.rows
                if row.attention is not None
                for reason in row.attention.reasons
                if reason.on_list_page
            ),
            *(cell.drill for cell in self.matrix.cells()),
            self.heat_map.total,
            *(cell.drill for cell in self.heat_map.cells()),
            *(
                row.drill
                for rows in (
                    self.concentration.spend_by_vendor,
                    self.concentration.spend_by_country,
                    self.concentration.functions_by_vendor,
                    self.concentration.functions_by_country,
                )
                for row in rows
            ),
        ]
        return found


@gc_paused()  # tens of thousands of acyclic rows (apps.core.memory)
def portfolio_overview(
    *,
    scope: Scope,
    period: Period,
    today: date | None = None,
    user: Any = None,
    league_sort: str = LEAGUE_SORT_ATTENTION,
    league_page: int = 1,
    league_per_page: int | None = LEAGUE_TABLE_ROWS,
    every_function_vendor: bool = False,
) -> Overview:
    """The whole overview in a fixed number of queries (45 at most, whatever the size; ``tests/dashboards``).
    ``league_sort`` orders the league table; ``league_page`` of ``league_per_page`` rows is built, with
    their reasons (None: every row, for the CSV; 0: none, only the count — ``league_page``). Each function
    names the first vendors serving it (``MATRIX_VENDOR_NAMES``), or all of them with ``every_function_vendor``
    (the sourcing matrix's CSV)."""
    today = today or timezone.localdate()
    vendors = engaged_vendor_counts(scope=scope, user=user)
    fx = fx_table()  # the FX table is small: read once, every conversion of the page uses it
    figures = spend_figures(scope=scope, today=today, fx=fx, user=user)
    spend = figures.rows
    spend_amounts = spend_per_currency(spend, scope=scope, today=today, fx=fx)
    functions = function_rows(scope=scope, user=user, every_vendor=every_function_vendor)
    spread = concentration(
        scope=scope,
        spend=spend,
        critical=critical_serving(scope=scope, shown=SHOWN_ROWS, threshold=concentration_threshold(), user=user),
        today=today,
        fx=fx,
        by_vendor=figures.by_vendor,
    )
    return Overview(
        scope=scope,
        period=period,
        today=today,
        active_vendors=active_vendor_drill(vendors.active, scope=scope),
        spend=spend_amounts,
        spend_total=spend_in_reporting_currency(spend_amounts, scope=scope, today=today, fx=fx),
        compliance=sla_compliance(scope=scope, period=period, user=user),
        breaches=breach_summary(scope=scope, period=period, user=user),
        renewals=renewals_due(scope=scope, today=today, user=user),
        certifications=certifications_expiring(scope=scope, today=today, user=user),
        reviews_overdue=reviews_overdue(scope=scope, today=today, user=user),
        access_findings=access_findings(scope=scope, today=today, user=user),
        policy_conflicts=policy_conflict_drill(functions, scope=scope),
        spend_by_geography=spend_breakdown(spend, by="geography", scope=scope),
        spend_by_engagement=spend_breakdown(spend, by="engagement_model", scope=scope),
        league=league_page_of(
            scope=scope,
            period=period,
            today=today,
            total=vendors.engaged,
            concentration_of=spread,
            fx=fx,
            sort=league_sort,
            page=league_page,
            per_page=league_per_page,
            user=user,
        ),
        league_sort=league_sort,
        matrix=sourcing_matrix(functions, scope=scope),
        functions=functions,
        heat_map=risk_heat_map(scope=scope, user=user),
        concentration=spread,
        telemetry=telemetry_share(scope=scope, user=user),
    )
