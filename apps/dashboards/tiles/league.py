"""The league table of the engaged vendors and, at the top of the overview, the vendors that need
attention first: each vendor's scorecard for the period (the scorecards of that month), open breaches,
next cancel-by date, attention score (``apps.dashboards.attention``) and what it costs.

**Cost** (``apps.costs``, docs/product/dashboards.md): over the 12 calendar months ending with the period's
month, in the reporting currency, all the vendor's contracts: the total cost of ownership (TCO, linking to
the ledger of those months), the *effective hourly rate* (TCO ÷ billed hours) beside the *billed rate*
(invoiced ÷ billed hours), and the *cost-adjusted score*: the scorecard score × min(1, the median effective
rate of the vendors in the table that have one ÷ the vendor's effective rate), rounded to 0.1 — a vendor
dearer per hour than the median loses points in proportion, a cheaper one keeps its score. None without
an effective rate or a score (an effective rate of zero or less keeps the score)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.core.fx import FxTable, fx_table
from apps.core.rollups import READ_BY_ID
from apps.costs.ledger import trailing_months
from apps.costs.ledger_rollup import (
    VendorCost,
    league_vendor_costs,
    store_league_vendor_costs,
    stored_league_vendor_costs,
)
from apps.costs.selectors import cost_settings
from apps.dashboards.attention import (
    VendorAttention,
    attention_scores,
    attention_weights,
    build_reasons,
    ledger_url,
)
from apps.dashboards.ranking import Ranked, ranked_page, spend_shares, store_attention
from apps.dashboards.scope import Drill, Scope, VendorUrls, iso_day, vendor_path_template
from apps.dashboards.tiles import Tile
from apps.dashboards.tiles.breaches import OPEN_BREACH_STATUSES
from apps.dashboards.tiles.concentration import Concentration, concentration
from apps.dashboards.tiles.sourcing import store_serving
from apps.dashboards.tiles.spend import spend_figures, store_spend, worked_out_spend_rows
from apps.dashboards.tiles.vendors import VendorRow, engaged_vendor_counts, engaged_vendor_query, engaged_vendors
from apps.performance.scorecards import (
    MONTH,
    Period,
    Scorecard,
    league_scorecards,
    store_league_scorecards,
    stored_league_scorecards,
)

ATTENTION_FIRST = Tile("attention-first", "dashboards/tiles/attention_first.html")
LEAGUE = Tile("league", "dashboards/tiles/league.html")

# How to order the league table: by the attention ranking (the default: who needs looking at first) or
# by the scorecard (who delivers best).
LEAGUE_SORT_ATTENTION = "attention"
LEAGUE_SORT_SCORECARD = "scorecard"
LEAGUE_SORT_COST_ADJUSTED = "cost_adjusted"
LEAGUE_SORTS = {
    LEAGUE_SORT_ATTENTION: "Needs attention first",
    LEAGUE_SORT_SCORECARD: "Best scorecard first",
    LEAGUE_SORT_COST_ADJUSTED: "Best cost-adjusted score first",
}
# The window of the cost columns: this many calendar months ending with the period's month.
LEAGUE_COST_MONTHS = 12
COST_ADJUSTED_PLACES = Decimal("0.1")
# How many rows of the league table the page shows, with their reasons (the CSV has every row).
LEAGUE_TABLE_ROWS = 25
# How many vendors the top of the overview names as needing attention first.
ATTENTION_FIRST_ROWS = 3


@dataclass(frozen=True)
class LeagueRow:
    rank: int | None  # by attention: the position; by scorecard: None when not scored this month
    vendor: VendorRow
    scorecard: Scorecard | None
    open_breaches: Drill
    next_cancel_by: date | None
    next_cancel_by_url: str
    performance_url: str
    attention: VendorAttention | None = None  # reasons built only for the rows shown
    cost: VendorCost | None = None  # over ``cost_window``; None: nothing in the ledger
    cost_adjusted_score: Decimal | None = None
    cost_window: tuple[date, date] | None = None  # the first and last month of the cost columns

    @property
    def tco(self) -> Drill | None:
        """The vendor's TCO over the window, linking to the ledger of those months."""
        if self.cost_window is None:
            return None
        value = self.cost.tco if self.cost is not None else None
        label = f"total cost of ownership of {self.vendor.name}"
        return Drill(value, ledger_url(self.vendor.id, self.cost_window), label, counts_rows=False)

    @property
    def effective_rate(self) -> Decimal | None:
        return self.cost.effective_rate if self.cost is not None else None

    @property
    def billed_rate(self) -> Decimal | None:
        return self.cost.billed_rate if self.cost is not None else None

    @property
    def score(self) -> Decimal | None:
        return self.scorecard.score if self.scorecard else None

    @property
    def attention_score(self) -> Decimal:
        return self.attention.score if self.attention else Decimal(0)

    @property
    def attention_order(self) -> tuple[Decimal, Decimal, str]:
        """Highest score first; of equal scores the larger annual spend, then the name."""
        spend = self.attention.facts.spend.amount if self.attention else Decimal(0)
        return (-self.attention_score, -spend, self.vendor.name)


def cost_adjusted_score(score: Decimal | None, rate: Decimal | None, median: Decimal | None) -> Decimal | None:
    """``score`` × min(1, ``median`` ÷ ``rate``), rounded to 0.1 (see the module)."""
    if score is None or rate is None or median is None:
        return None
    factor = Decimal(1) if rate <= 0 else max(Decimal(0), min(Decimal(1), median / rate))
    return (score * factor).quantize(COST_ADJUSTED_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LeaguePage:
    """One page of the league table: its rows (reasons built), the vendors named at the top of the overview
    as needing attention first (``ATTENTION_FIRST_ROWS``, by the attention ranking whatever the order), and
    where the page stands among all the vendors in the table."""

    rows: list[LeagueRow]
    first: list[LeagueRow]
    total: int  # vendors in the table
    number: int  # this page, from 1
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def start(self) -> int:
        """The position (from 1) of the page's first row; 0 for an empty table."""
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _league_rows(
    *,
    ranked: Sequence[Ranked],
    median_rate: Decimal | None,
    scope: Scope,
    period: Period,
    today: date,
    concentration_of: Concentration,
    fx: FxTable,
    sort: str,
    cost_window: tuple[date, date],
    user: Any,
) -> dict[int, LeagueRow]:
    """The rows of ``ranked`` (a page and the vendors first by attention), each with its scorecard, costs,
    attention score and reasons: read for those vendors alone."""
    wanted = {row.vendor_id for row in ranked}
    # The rows' vendors read by id (a page's few; every engaged vendor read whole for the CSV's every row).
    read = engaged_vendors(scope=scope, user=user, vendor_ids=wanted if len(wanted) <= READ_BY_ID else None)
    by_id = {vendor.id: vendor for vendor in read if vendor.id in wanted}
    # A vendor the ranking found but the list did not (no longer engaged since) waits for the next view.
    ranked = [row for row in ranked if row.vendor_id in by_id]
    ids = sorted({row.vendor_id for row in ranked})
    month = Period(period.start, MONTH)
    scorecards = stored_league_scorecards(period=month, vendor_ids=ids)
    costs = stored_league_vendor_costs(vendor_ids=ids, start=cost_window[0], end=cost_window[1])
    # The page's vendors' spend with their next cancel-by dates, worked out from their contracts (one query).
    listed = ids if len(ids) <= READ_BY_ID else None  # the CSV's every row: the whole portfolio, picked here
    wanted_ids = set(ids)
    page_spend = [
        row
        for row in worked_out_spend_rows(scope=scope, today=today, fx=fx, vendor_ids=listed, user=user)
        if row.vendor_id in wanted_ids
    ]
    scores = attention_scores(
        vendor_ids=ids,
        scope=scope,
        today=today,
        scorecards=scorecards,
        spend=page_spend,
        spend_shares=concentration_of.spend_by_vendor.shares_of(ids),
        fx=fx,
        costs=costs,
        cost_window=cost_window,
        user=user,
    )
    next_cancel_by: dict[int, date] = {}
    for row in page_spend:
        if row.next_cancel_by and (
            row.vendor_id not in next_cancel_by or row.next_cancel_by < next_cancel_by[row.vendor_id]
        ):
            next_cancel_by[row.vendor_id] = row.next_cancel_by
    by_attention_first = sort not in (LEAGUE_SORT_SCORECARD, LEAGUE_SORT_COST_ADJUSTED)
    # Each column's link built once, each row's vendor filled in.
    breaches_url = VendorUrls("performance:breach-list", scope, status=list(OPEN_BREACH_STATUSES))
    cancel_by_url = VendorUrls(
        "contracts:contract-list", scope, status=ContractStatus.ACTIVE, cancel_by_after=iso_day(today), sort="cancel_by"
    )
    performance_url_of = vendor_path_template("vendors:vendor-tab", "performance", query=f"?period={period.key}")
    rows = {}
    for position in ranked:
        vendor = by_id[position.vendor_id]
        scorecard = scorecards.get(vendor.id)
        cost = costs.get(vendor.id)
        adjusted = cost_adjusted_score(
            scorecard.score if scorecard else None, cost.effective_rate if cost else None, median_rate
        )
        if sort == LEAGUE_SORT_COST_ADJUSTED:
            scored = adjusted is not None
        else:
            scored = scorecard is not None and scorecard.score is not None
        performance_url = performance_url_of(vendor.id)
        attention = build_reasons(
            scores[vendor.id], vendor_name=vendor.name, scope=scope, today=today, performance_url=performance_url
        )
        rows[vendor.id] = LeagueRow(
            # Scored vendors come first in the other orders: a scored vendor's rank is its position.
            rank=position.position + 1 if by_attention_first or scored else None,
            vendor=vendor,
            scorecard=scorecard,
            open_breaches=Drill(
                attention.facts.open_breach_total, breaches_url(vendor.id), f"open breaches of {vendor.name}"
            ),
            next_cancel_by=next_cancel_by.get(vendor.id),
            next_cancel_by_url=cancel_by_url(vendor.id),
            performance_url=performance_url,
            attention=attention,
            cost=cost,
            cost_adjusted_score=adjusted,
            cost_window=cost_window,
        )
    return rows


def league_table(
    *,
    scope: Scope,
    period: Period,
    today: date,
    sort: str = LEAGUE_SORT_ATTENTION,
    user: Any = None,
) -> list[LeagueRow]:
    """Every row of the table (the CSV; the overview shows a page, ``league_page``), each with its reasons."""
    return league_page(scope=scope, period=period, today=today, sort=sort, per_page=None, user=user).rows


def league_page(
    *,
    scope: Scope,
    period: Period,
    today: date,
    total: int | None = None,
    concentration_of: Concentration | None = None,
    fx: FxTable | None = None,
    sort: str = LEAGUE_SORT_ATTENTION,
    page: int = 1,
    per_page: int | None = LEAGUE_TABLE_ROWS,
    user: Any = None,
) -> LeaguePage:
    """Page ``page`` (from 1; past the last: the last) of ``per_page`` rows of the league table, and the
    vendors needing attention first: only their rows are built, each with its reasons and links (the rest
    of the portfolio is ranked, not drawn). ``per_page`` None: every row on one page (the CSV); 0: no row
    at all, only the count (the other exports).

    The table: the vendors in scope that deliver work (piloting, active or offboarding), by default ordered
    by their attention score (highest first; ties: the larger annual spend, then the name), else
    (``sort="scorecard"``) by their scorecard for ``period`` (best first; vendors not scored that month
    last, by name) or (``sort="cost_adjusted"``) by the cost-adjusted score (best first; vendors without
    one last, by name) — with their scorecard, open breaches, next cancel-by date, attention score and
    costs.

    A fixed number of queries whatever the number of vendors: the stored scorecards and costs kept current
    (``store_league_scorecards``, ``store_league_vendor_costs``), one statement that orders every vendor
    (``apps.dashboards.ranking``), then the page's rows read by id — their scorecards, costs and one or two
    queries per part of the attention score (``apps.dashboards.attention``); fewer when the overview passes
    what it read already. ``per_page`` 0 reads the vendors alone."""
    total = engaged_vendor_counts(scope=scope, user=user).engaged if total is None else total
    if per_page == 0:
        return LeaguePage(rows=[], first=[], total=total, number=1, per_page=0)
    per_page = max(1, total) if per_page is None else max(1, per_page)
    if not total:
        return LeaguePage(rows=[], first=[], total=0, number=1, per_page=per_page)
    fx = fx if fx is not None else fx_table()
    if concentration_of is None:
        figures = spend_figures(scope=scope, today=today, fx=fx, user=user)
        concentration_of = concentration(
            scope=scope, spend=figures.rows, today=today, fx=fx, by_vendor=figures.by_vendor
        )
    number = min(max(1, page), max(1, -(-total // per_page)))
    offset = (number - 1) * per_page
    month = Period(period.start, MONTH)
    cost_window = trailing_months(period.start, LEAGUE_COST_MONTHS)
    # The vendors of the table as a query: the statements embed it (the list is what the rows are made of).
    engaged = engaged_vendor_query(scope=scope, user=user)
    store_league_scorecards(period=month, vendors=engaged)
    store_league_vendor_costs(vendors=engaged, start=cost_window[0], end=cost_window[1], fx=fx, rates=cost_settings())
    ranked = ranked_page(
        vendors=engaged,
        spend=spend_shares(concentration_of, fx.reporting),
        scope=scope,
        today=today,
        period_kind=month.kind,
        period_start=month.start,
        cost_window=cost_window,
        fx=fx,
        weights=attention_weights(),
        order=sort if sort in (LEAGUE_SORT_SCORECARD, LEAGUE_SORT_COST_ADJUSTED) else LEAGUE_SORT_ATTENTION,
        offset=offset,
        limit=per_page,
        first=ATTENTION_FIRST_ROWS,
        user=user,
    )
    built = _league_rows(
        ranked=[*ranked.rows, *ranked.first],
        median_rate=ranked.median_rate,
        scope=scope,
        period=period,
        today=today,
        concentration_of=concentration_of,
        fx=fx,
        sort=sort,
        cost_window=cost_window,
        user=user,
    )
    return LeaguePage(
        rows=[built[row.vendor_id] for row in ranked.rows if row.vendor_id in built],
        first=[built[row.vendor_id] for row in ranked.first if row.vendor_id in built],
        total=total,
        number=number,
        per_page=per_page,
    )


def league_figures_store(*, period: Period | None = None, today: date | None = None) -> dict[str, int]:
    """Work out and store what the league table reads for ``period`` (default: the overview's, the last
    closed month) of every engaged vendor — their scorecards and their costs over the cost window — so
    that the next view of the overview works nothing out (``apps.core.rollups``: only the vendors that
    changed since are worked out, and nothing when none did). Run by beat after the hourly SLA sweep,
    whose breaches change the costs; and every vendor's annual spend for ``today`` (``store_spend``), the
    functions it serves (``store_serving``) and the attention points of its records (``store_attention``).
    Returns how many vendors it covered."""
    today = today or timezone.localdate()
    period = period or Period.last_closed(MONTH, today=today)
    vendor_ids = [vendor.id for vendor in engaged_vendors(scope=Scope())]
    cards = league_scorecards(period=Period(period.start, MONTH), vendor_ids=vendor_ids)
    first, last = trailing_months(period.start, LEAGUE_COST_MONTHS)
    costs = league_vendor_costs(vendor_ids=vendor_ids, start=first, end=last, rates=cost_settings())
    fx = fx_table()
    store_spend(today=today, fx=fx)
    store_serving()
    store_attention(today=today, fx=fx)
    return {"vendors": len(vendor_ids), "scorecards": len(cards), "costs": len(costs)}
