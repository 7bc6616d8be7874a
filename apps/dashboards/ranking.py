"""The league table's order, worked out in one SQL statement over the whole portfolio: each vendor's
attention score (``apps.dashboards.attention``: the same parts, weights and rounding, each part's rows
read by the same query, embedded here), its scorecard (the stored rollup) and its cost-adjusted score
(the stored cost rollup, against the median effective rate of the table); the statement returns only the
rows of one page and the vendors needing attention first, with their positions. The reasons, links and
figures of those rows are then built in Python from the same reads narrowed to them, so a portfolio of
20,000 vendors costs one statement and a page of work, never a loop over every vendor.

``tests/dashboards/test_ranking_sql.py`` proves the statement's scores equal ``score_of`` for every vendor
of generated portfolios, and its order equals the order the rules state.
"""

# Every statement here is put together from this module's constants and the SQL Django compiles for the
# query builders it embeds; every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from apps.contracts.models import Contract
from apps.core.fx import FxTable
from apps.core.models import FxRate, PolicyException, StatusChange
from apps.core.rollups import Rollup, VendorSource
from apps.core.sql import compose
from apps.costs.models import VendorCostRollup
from apps.dashboards.attention import (
    CREDITS_UNIT,
    DEFAULT_ATTENTION_WEIGHTS,
    STANDING_TONE_WEIGHTS,
    attention_weights,
    breach_rows,
    cancel_by_rows,
    cost_hidden_ratio,
    expired_certification_rows,
    expired_exception_queries,
    falling_trend_points,
    high_risk_rows,
    override_rows,
)
from apps.dashboards.models import VendorAttentionRollup
from apps.dashboards.scope import Scope
from apps.dashboards.tiles.breaches import OPEN_BREACH_STATUSES
from apps.dashboards.tiles.concentration import Concentration
from apps.performance.choices import Severity
from apps.performance.models import Breach, SlaTerm, VendorScorecardRollup
from apps.performance.scorecards import standings
from apps.roster.findings import HIGH_KINDS, open_roster_findings_query
from apps.vendors.findings import SEVERITIES_WORST_FIRST
from apps.vendors.models import AccessGrant, Certification, Vendor, VendorRisk
from apps.vendors.selectors import access_findings_per_vendor_query

# The orders the statement knows (``apps.dashboards.tiles.league``'s sorts).
ORDER_ATTENTION = "attention"
ORDER_SCORECARD = "scorecard"
ORDER_COST_ADJUSTED = "cost_adjusted"
# Of equal keys, by name in code-point order (Python's, whatever the database's collation), then by id.
_BY_NAME = 'name COLLATE "C", id'
ORDERS = {
    # Highest score first; of equal scores the larger annual spend, then the name.
    ORDER_ATTENTION: f"score DESC, spend DESC, {_BY_NAME}",
    # Best first; vendors without one last, by name.
    ORDER_SCORECARD: f"card_score IS NULL, card_score DESC, {_BY_NAME}",
    ORDER_COST_ADJUSTED: f"adjusted IS NULL, adjusted DESC, {_BY_NAME}",
}


@dataclass(frozen=True)
class Ranked:
    """One vendor of the statement's answer: its position (from 0) in the chosen order and in the
    attention order, and its attention score."""

    vendor_id: int
    position: int
    attention_position: int
    score: Decimal


@dataclass(frozen=True)
class RankedPage:
    rows: list[Ranked]  # the page's, in the chosen order
    first: list[Ranked]  # the first by attention
    median_rate: Decimal | None  # of the effective rates of the vendors in the table


def spend_shares(concentration: Concentration, reporting: str) -> dict[int, tuple[Decimal, bool]]:
    """Each vendor's annual spend in the reporting currency and whether its share is flagged, off the
    concentration panel: what ``ranked_page`` takes as ``spend``."""
    return {
        int(share.key): (Decimal(share.value), share.flagged)
        for share in concentration.spend_by_vendor.shares
        if share.currency in (reporting, "")
    }


def _embedded(rows: Any, columns: str) -> tuple[str, list[Any]]:
    """A query builder's SQL as a derived table whose columns are named ``columns`` (by position)."""
    statement, params = rows.query.sql_with_params()
    return f"(SELECT * FROM ({statement}) AS q({columns}))", list(params)


def _part(quantity: str, weight: Decimal, params: list[Any]) -> str:
    """A part's points as ``score_parts`` works them out: quantity × weight rounded half up to 0.1, when
    both are above zero."""
    if weight <= 0:
        return "0"
    params.append(weight)
    return f"(CASE WHEN {quantity} > 0 THEN round({quantity} * %s::numeric, 1) ELSE 0 END)"


def _standing_tone(params: list[Any]) -> str:
    """The tone of the scorecard's standing (``standing_for``: the first band the score reaches, else the
    last band), NULL when the vendor is not scored."""
    bands = standings()
    if not bands:
        return "NULL"
    whens = []
    for band in bands[:-1]:
        whens.append("WHEN card.score >= %s::numeric THEN %s")
        params.extend([band.min_score, band.tone])
    params.append(bands[-1].tone)
    return f"(CASE WHEN card.score IS NULL THEN NULL {' '.join(whens)} ELSE %s END)"


class _Statement:
    """A statement's common table expressions and their parameters, in order."""

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.ctes: list[str] = []

    def cte(self, name: str, body: str, body_params: Sequence[Any] = (), *, materialized: bool = False) -> None:
        self.ctes.append(f"{name} AS {'MATERIALIZED ' if materialized else ''}({body})")
        self.params.extend(body_params)

    def quantity_columns(self, quantities: dict[str, tuple[str, list[Any]]]) -> list[str]:
        """Each part's quantity as a column ``q_<part>`` of a select list (its parameters added in order)."""
        columns = []
        for key, (expression, expression_params) in quantities.items():
            columns.append(f"{expression} AS q_{key}")
            self.params.extend(expression_params)
        return columns

    def fx(self, fx: FxTable, today: date) -> None:
        """``fx``: each currency's rate into the reporting currency on ``today`` (a currency without one left out)."""
        currencies = sorted({*fx.rates, fx.reporting})
        rates = [(code, found[0]) for code in currencies if (found := fx.rate(code, today)) is not None]
        self.cte(
            "fx",
            "SELECT * FROM unnest(%s::text[], %s::numeric[]) AS f(currency, rate)",
            [[code for code, _ in rates], [rate for _, rate in rates]],
        )


# The parts of the score a vendor's own audited records make, stored per vendor and day (``ATTENTION_ROLLUP``)
# where the scope allows; the other parts read the other stores (spend, scorecard, costs) or the roster's
# findings, which have no audit trail.
RECORD_PARTS = (
    "breach_critical",
    "breach_major",
    "breach_minor",
    "credits_per_thousand",
    "high_risk",
    "access_finding_high",
    "access_finding_medium",
    "expired_certification",
    "cancel_by_30_days",
    "cancel_by_90_days",
    "open_override",
    "expired_policy_exception",
)
_RECORD_CTES = ("breach", "risk", "access", "cert", "cancel", "override", "exception")


def _record_quantities(
    statement: _Statement, *, scope: Scope, today: date, user: Any, only: Sequence[int] | None
) -> dict[str, tuple[str, list[Any]]]:
    """The CTEs of the record parts (after ``fx``), each one row per vendor (of ``only``, None: all), and
    each part's quantity as ``score_parts`` counts it: an expression over their columns (its parameters
    beside it)."""
    cte = statement.cte
    breaches, breach_params = _embedded(
        breach_rows(scope=scope, user=user, only=only), "vendor_id, status, severity, currency, n, credits"
    )
    open_statuses = [str(status) for status in OPEN_BREACH_STATUSES]
    severities = [Severity.CRITICAL, Severity.MAJOR, Severity.MINOR]
    counted = ", ".join(
        f"sum(b.n) FILTER (WHERE b.status = ANY(%s) AND b.severity = %s) AS {severity}" for severity in severities
    )
    cte(
        "breach",
        f"SELECT b.vendor_id, {counted}, round(sum(b.credits * fx.rate), 2) AS credits "
        f"FROM {breaches} AS b LEFT JOIN fx ON fx.currency = b.currency GROUP BY b.vendor_id",
        [value for severity in severities for value in (open_statuses, str(severity))] + breach_params,
    )
    risks, risk_params = _embedded(high_risk_rows(scope=scope, user=user, only=only), "vendor_id, n")
    cte("risk", f"SELECT * FROM {risks} AS r", risk_params)
    access_vendors = [scope.vendor] if scope.vendor is not None else (list(only) if only is not None else None)
    severity_columns = ", ".join(str(severity) for severity in SEVERITIES_WORST_FIRST)
    access, access_params = _embedded(
        access_findings_per_vendor_query(vendor_ids=access_vendors, today=today), f"vendor_id, {severity_columns}"
    )
    cte("access", f"SELECT * FROM {access} AS a", access_params)
    certificates, certificate_params = _embedded(
        expired_certification_rows(scope=scope, today=today, user=user, only=only), "vendor_id, n"
    )
    cte("cert", f"SELECT * FROM {certificates} AS c", certificate_params)
    cancels, cancel_params = _embedded(
        cancel_by_rows(scope=scope, today=today, user=user, only=only), "vendor_id, soon, later"
    )
    cte("cancel", f"SELECT * FROM {cancels} AS c", cancel_params)
    overrides, override_params = _embedded(override_rows(scope=scope, user=user, only=only), "vendor_id, n")
    cte("override", f"SELECT * FROM {overrides} AS o", override_params)
    about_contracts, pairs, function_exceptions = expired_exception_queries(scope=scope, today=today, user=user)
    contract_sql, contract_params = _embedded(about_contracts, "vendor_id, pk")
    pair_sql, pair_params = _embedded(pairs, "vendor_id, function_id")
    function_sql, function_params = _embedded(function_exceptions, "pk, object_id")
    cte(
        "exception",
        "SELECT x.vendor_id, count(DISTINCT x.pk) AS n FROM ("
        f"SELECT a.vendor_id, a.pk FROM {contract_sql} AS a UNION ALL "
        f"SELECT p.vendor_id, e.pk FROM {pair_sql} AS p JOIN {function_sql} AS e ON e.object_id = p.function_id"
        ") AS x GROUP BY x.vendor_id",
        [*contract_params, *pair_params, *function_params],
    )
    quantities: dict[str, tuple[str, list[Any]]] = {
        "breach_critical": ("coalesce(breach.critical, 0)", []),
        "breach_major": ("coalesce(breach.major, 0)", []),
        "breach_minor": ("coalesce(breach.minor, 0)", []),
        "credits_per_thousand": ("coalesce(breach.credits, 0) / %s::numeric", [CREDITS_UNIT]),
        "high_risk": ("coalesce(risk.n, 0)", []),
        "access_finding_high": ("coalesce(access.high, 0)", []),
        "access_finding_medium": ("coalesce(access.medium, 0)", []),
        "expired_certification": ("coalesce(cert.n, 0)", []),
        "cancel_by_30_days": ("coalesce(cancel.soon, 0)", []),
        "cancel_by_90_days": ("coalesce(cancel.later, 0)", []),
        "open_override": ("coalesce(override.n, 0)", []),
        "expired_policy_exception": ("coalesce(exception.n, 0)", []),
    }
    assert tuple(quantities) == RECORD_PARTS
    return quantities


def _joins(names: Sequence[str]) -> str:
    return " ".join(f"LEFT JOIN {name} ON {name}.vendor_id = vendor.id" for name in names)


def _points(quantities: Sequence[str], weights: dict[str, Decimal], params: list[Any]) -> str:
    """The sum of the parts of ``quantities`` (columns ``q_<part>``), each rounded as ``score_parts`` rounds it."""
    return " + ".join(_part(f"q_{key}", weights[key], params) for key in quantities) or "0"


def attention_rollup_serves(scope: Scope) -> bool:
    """Whether the record parts of ``scope``'s scores are read from the stored rollup (``ATTENTION_ROLLUP``):
    the whole portfolio, or narrowed by a vendor's own attributes (geography, tier), which keep or leave a
    vendor's records all together. Narrowed by engagement model or function category (some of a vendor's
    contracts), or to one vendor, they are worked out."""
    return scope.vendor is None and not scope.engagement_model and not scope.function_category


# The record parts stored (decision 0026): a vendor's points dropped when one of its records changes
# (its breaches, SLA terms, contracts, risks, access grants, certifications or itself), every vendor's when an
# FX rate, a gate override or a policy exception does (they reach a vendor through a generic relation), or a
# contract's functions (an exception about a function reaches the vendors whose active contracts cover it).
ATTENTION_ROLLUP = Rollup(
    name="dashboards:vendor-attention",
    store=VendorAttentionRollup,
    per_vendor=(
        VendorSource(Vendor, ""),
        VendorSource(Breach, "term__contract__vendor"),
        VendorSource(SlaTerm, "contract__vendor"),
        VendorSource(Contract, "vendor"),
        VendorSource(VendorRisk, "vendor"),
        VendorSource(AccessGrant, "vendor"),
        VendorSource(Certification, "vendor"),
    ),
    shared=(FxRate, StatusChange, PolicyException),
    links=(Contract.functions.through,),
)


def record_points(*, today: date, fx: FxTable, weights: dict[str, Decimal], vendor_ids: list[int] | None) -> Any:
    """Each vendor's (of ``vendor_ids``; None: every vendor's) points of the record parts on ``today``, as
    unsaved rollup rows, none for a vendor whose records add nothing. One query."""
    statement = _Statement()
    vendors = Vendor.objects.all() if vendor_ids is None else Vendor.objects.filter(pk__in=vendor_ids)
    vendor_sql, vendor_params = _embedded(vendors.order_by().values("pk"), "id")
    statement.cte("vendor", f"SELECT * FROM {vendor_sql} AS v", vendor_params)
    statement.fx(fx, today)
    quantities = _record_quantities(statement, scope=Scope(), today=today, user=None, only=vendor_ids)
    columns = statement.quantity_columns(quantities)
    statement.cte("facts", f"SELECT vendor.id, {', '.join(columns)} FROM vendor {_joins(_RECORD_CTES)}")
    points = _points(list(quantities), weights, statement.params)
    sql_text = (
        f"WITH {', '.join(statement.ctes)} SELECT id, points FROM "
        f"(SELECT facts.id, ({points}) AS points FROM facts) AS p WHERE points <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql_text, statement.params)
        found = cursor.fetchall()
    return [VendorAttentionRollup(vendor_id=vendor_id, on=today, points=value) for vendor_id, value in found]


def store_attention(*, today: date, fx: FxTable, weights: dict[str, Decimal] | None = None) -> None:
    """Every vendor's points of the record parts for ``today`` stored and current (``ATTENTION_ROLLUP``), not
    read: one query when nothing changed."""
    weights = weights if weights is not None else attention_weights()
    key = "|".join(
        [
            today.isoformat(),
            fx.reporting,
            str(CREDITS_UNIT),
            ",".join(f"{part}={weights[part]}" for part in RECORD_PARTS),
        ]
    )

    def compute(vendor_ids: list[int] | None) -> Any:
        return record_points(today=today, fx=fx, weights=weights, vendor_ids=vendor_ids)

    ATTENTION_ROLLUP.ensure_every(key=key, where={"on": today}, compute=compute)


def ranked_page(
    *,
    vendors: Any,
    spend: dict[int, tuple[Decimal, bool]],
    scope: Scope,
    today: date,
    period_kind: str,
    period_start: date,
    cost_window: tuple[date, date],
    fx: FxTable,
    weights: dict[str, Decimal],
    order: str,
    offset: int,
    limit: int,
    first: int,
    user: Any,
) -> RankedPage:
    """The vendors at positions ``offset`` to ``offset + limit`` of ``order`` and the first ``first`` by
    attention, among the vendors of the query ``vendors`` (``engaged_vendor_query``). ``spend``: each vendor's annual spend in the
    reporting currency and whether its share of the portfolio's is flagged (vendors without spend left
    out). The stored scorecards of ``period_kind``/``period_start`` and costs of ``cost_window`` must be
    current (``store_league_scorecards``, ``store_league_vendor_costs``); the record parts are read from
    their store (kept current here: one query when nothing changed) where it serves the scope
    (``attention_rollup_serves``), else worked out in the statement. One query more."""
    stored = attention_rollup_serves(scope)
    if stored:
        store_attention(today=today, fx=fx, weights=weights)
    statement = _Statement()
    cte, params = statement.cte, statement.params

    vendor_sql, vendor_params = _embedded(vendors.order_by().values("pk", "name"), "id, name")
    cte("vendor", f"SELECT * FROM {vendor_sql} AS v", vendor_params)
    spend_ids = sorted(spend)
    cte(
        "spend",
        "SELECT * FROM unnest(%s::bigint[], %s::numeric[], %s::boolean[]) AS s(vendor_id, amount, flagged)",
        [spend_ids, [spend[pk][0] for pk in spend_ids], [spend[pk][1] for pk in spend_ids]],
    )
    if stored:
        cte(
            "stored",
            compose(
                "SELECT {stored.vendor} AS vendor_id, {stored.points} AS points FROM {stored} WHERE {stored.on} = %s",
                stored=VendorAttentionRollup,
            ),
            [today],
        )
        quantities: dict[str, tuple[str, list[Any]]] = {}
        record_ctes: tuple[str, ...] = ("stored",)
    else:
        statement.fx(fx, today)
        quantities = _record_quantities(statement, scope=scope, today=today, user=user, only=None)
        record_ctes = _RECORD_CTES
    access_vendors = [scope.vendor] if scope.vendor is not None else None
    roster, roster_params = _embedded(open_roster_findings_query(vendor_ids=access_vendors), "vendor_id, kind, n")
    high_kinds = [str(kind) for kind in HIGH_KINDS]
    cte(
        "roster",
        "SELECT r.vendor_id, coalesce(sum(r.n) FILTER (WHERE r.kind = ANY(%s)), 0) AS high, "
        f"coalesce(sum(r.n) FILTER (WHERE NOT r.kind = ANY(%s)), 0) AS medium FROM {roster} AS r GROUP BY r.vendor_id",
        [high_kinds, high_kinds, *roster_params],
    )
    cte(
        "card",
        compose(
            "SELECT {card.vendor} AS vendor_id, {card.score} AS score, {card.previous_score} AS previous_score "
            "FROM {card} WHERE {card.period_kind} = %s AND {card.period_start} = %s",
            card=VendorScorecardRollup,
        ),
        [period_kind, period_start],
    )
    cte(
        "cost",
        compose(
            "SELECT {cost.vendor} AS vendor_id, round({cost.tco} / {cost.billed_hours}, 2) AS effective, "
            "round({cost.invoiced} / {cost.billed_hours}, 2) AS billed FROM {cost} "
            "WHERE {cost.first_month} = %s AND {cost.last_month} = %s AND {cost.has_lines} "
            "AND {cost.billed_hours} <> 0",
            cost=VendorCostRollup,
        ),
        [cost_window[0], cost_window[1]],
    )
    # The median effective rate of the vendors in the table (``statistics.median``: of an even count,
    # the mean of the two middle ones). Materialised: one number. Inlined, the planner carried the array of
    # every vendor's rate into each vendor's row, and at 20,000 vendors with costs the order's sort spilled
    # 3 GB to disk (9 s).
    cte(
        "median",
        "SELECT CASE WHEN n = 0 THEN NULL ELSE (rates[(n + 1) / 2] + rates[(n + 2) / 2]) / 2 END AS rate "
        "FROM (SELECT array_agg(cost.effective ORDER BY cost.effective) AS rates, count(*) AS n "
        "FROM cost JOIN vendor ON vendor.id = cost.vendor_id) AS sorted",
        materialized=True,
    )
    # Each part's quantity as ``score_parts`` counts it: a column of ``facts`` (its parameters beside it).
    quantities.update(
        {
            "roster_finding_high": ("coalesce(roster.high, 0)", []),
            "roster_finding_medium": ("coalesce(roster.medium, 0)", []),
            "spend_share": ("(CASE WHEN spend.flagged THEN 1 ELSE 0 END)", []),
            "hidden_cost": (
                "(CASE WHEN cost.billed > 0 AND cost.effective >= %s::numeric * cost.billed THEN 1 ELSE 0 END)",
                [cost_hidden_ratio()],
            ),
            "falling_trend": (
                "(CASE WHEN card.previous_score - card.score >= %s::numeric THEN 1 ELSE 0 END)",
                [falling_trend_points()],
            ),
        }
    )
    tone_params: list[Any] = []
    tone = _standing_tone(tone_params)
    for standing_tone, key in STANDING_TONE_WEIGHTS.items():
        quantities[key] = (f"(CASE WHEN {tone} = %s THEN 1 ELSE 0 END)", [*tone_params, standing_tone])
    assert set(quantities) | (set(RECORD_PARTS) if stored else set()) == set(DEFAULT_ATTENTION_WEIGHTS), (
        "every weight has its quantity"
    )
    columns = statement.quantity_columns(quantities)
    if stored:
        columns.append("coalesce(stored.points, 0) AS record_points")
    joins = _joins(("spend", *record_ctes, "roster", "card", "cost"))
    cte(
        "facts",
        "SELECT vendor.id, vendor.name, coalesce(spend.amount, 0) AS spend, card.score AS card_score, "
        f"cost.effective, {', '.join(columns)} FROM vendor {joins}",
    )
    points = _points(list(quantities), weights, params)
    if stored:
        points = f"facts.record_points + {points}"
    cte(
        "scored",
        f"SELECT facts.id, facts.name, facts.spend, facts.card_score, ({points}) AS score, "
        "CASE WHEN facts.card_score IS NULL OR facts.effective IS NULL OR median.rate IS NULL THEN NULL "
        "WHEN facts.effective <= 0 THEN facts.card_score "
        "ELSE round(facts.card_score * least(1, greatest(0, median.rate / facts.effective)), 1) END AS adjusted, "
        "median.rate AS median_rate FROM facts CROSS JOIN median",
    )
    cte(
        "ranked",
        f"SELECT id, score, median_rate, row_number() OVER (ORDER BY {ORDERS[order]}) - 1 AS position, "
        f"row_number() OVER (ORDER BY {ORDERS[ORDER_ATTENTION]}) - 1 AS attention_position FROM scored",
    )
    sql_text = (
        f"WITH {', '.join(statement.ctes)} SELECT id, position, attention_position, score, median_rate FROM ranked "
        "WHERE (position >= %s AND position < %s) OR attention_position < %s ORDER BY position"
    )
    params.extend([offset, offset + limit, first])
    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        found = cursor.fetchall()
    median_rate = found[0][4] if found else None
    ranked = [Ranked(row[0], row[1], row[2], row[3]) for row in found]
    return RankedPage(
        rows=[row for row in ranked if offset <= row.position < offset + limit],
        first=sorted((row for row in ranked if row.attention_position < first), key=lambda row: row.attention_position),
        median_rate=median_rate,
    )
