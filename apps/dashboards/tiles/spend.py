"""The annual contracted spend: the spend tile (per currency and in the reporting currency), the spend
charts (by vendor geography and by engagement model), and the spend rows the league table, the attention
ranking and the concentration shares read.

*Annual contracted spend*, per currency: every active contract's value annualised — its value over its
term in days × 365 (a term counts both its first and last day, as the SLA engine's service credits do);
an open-ended contract's value counts as yearly (``OPEN_ENDED_CONTRACT_DAYS``). A master agreement is a
ceiling its statements of work draw on: it counts max(0, its annual value − the annual values of its
active SOWs), each SOW its own (``ceiling_remainder``). The currencies' sum in the reporting currency
(``REPORTING_CURRENCY``) at the latest FX rate on or before today; a currency without one is left out
and named (``apps.core.fx``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Collate, Greatest, Round

from apps.contracts.choices import ContractStatus, EngagementModel
from apps.contracts.models import Contract
from apps.contracts.scope import CONTRACT_ROW
from apps.contracts.selectors import contract_list
from apps.core.audit_cache import cached_by_version
from apps.core.fx import Conversion, FxTable, fx_table
from apps.core.models import FxRate
from apps.core.rollups import Rollup, VendorSource
from apps.dashboards.models import VendorSpendRollup
from apps.dashboards.scope import Amount, Drill, Scope, Segment, drill_url, percent, round_money
from apps.dashboards.tiles import Tile
from apps.performance.evaluation import OPEN_ENDED_CONTRACT_DAYS
from apps.vendors.choices import Geography

SPEND = Tile("spend", "dashboards/tiles/spend.html")
SPEND_CHARTS = Tile("spend-charts", "dashboards/tiles/spend_charts.html")

DAYS_PER_YEAR = 365


class _TermDays(Func):
    """``end_date − start_date`` in days (PostgreSQL's date arithmetic gives an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def annual_value_expression() -> ExpressionWrapper:
    """A contract's value per year: over its term in days (both ends counted) × 365; open-ended: the
    value itself (``OPEN_ENDED_CONTRACT_DAYS`` = 365 days)."""
    per_year = F("value") * Value(DAYS_PER_YEAR) / (_TermDays(F("end_date"), F("start_date")) + Value(1))
    return ExpressionWrapper(
        Case(
            When(end_date__isnull=True, then=F("value") * Value(DAYS_PER_YEAR) / Value(OPEN_ENDED_CONTRACT_DAYS)),
            default=per_year,
        ),
        output_field=DecimalField(max_digits=30, decimal_places=10),
    )


def annual_value(contract: Contract) -> Decimal:
    """The same rule in Python (for tests and single contracts): the contract's own value per year,
    before any master-agreement ceiling (``counted_annual``)."""
    days = (contract.end_date - contract.start_date).days + 1 if contract.end_date else OPEN_ENDED_CONTRACT_DAYS
    return Decimal(contract.value) * DAYS_PER_YEAR / days


# A statement of work draws on its master agreement's ceiling while it is active (a draft has not
# committed anything yet; an expired or terminated one no longer runs).
DRAWING_SOW_STATUSES = (ContractStatus.ACTIVE,)


@dataclass(frozen=True)
class SowDraw:
    """The annual value (its own currency) of the active statements of work of one master agreement."""

    currency: str
    annual: Decimal


def sow_draws(master_ids: Iterable[int]) -> dict[int, list[SowDraw]]:
    """One query: per master agreement, the annual value of its active statements of work by currency.
    Every such SOW counts, whoever looks and whatever the dashboard's filters (the ceiling is a fact
    of the agreement: a SOW outside the scope still uses it up)."""
    ids = list(master_ids)
    if not ids:
        return {}
    rows = (
        contract_list()
        .filter(parent_id__in=ids, status__in=DRAWING_SOW_STATUSES)
        .order_by()
        .values("parent_id", "currency")
        .annotate(annual=Sum(annual_value_expression()))
    )
    draws: dict[int, list[SowDraw]] = defaultdict(list)
    for row in rows:
        draws[row["parent_id"]].append(SowDraw(row["currency"], row["annual"] or Decimal(0)))
    return draws


def ceiling_remainder(
    annual: Decimal, currency: str, draws: Sequence[SowDraw], *, on: date, fx: FxTable | None = None
) -> Decimal:
    """What a master agreement adds to annual spend: its annual value less its active SOWs' annual
    values, never below zero. A SOW in another currency draws its value converted into the agreement's
    (through the reporting currency, at the rates on ``on``); without both rates it draws nothing and
    the agreement counts in full — spend is overstated rather than guessed."""
    drawn = Decimal(0)
    for draw in draws:
        if draw.currency == currency:
            drawn += draw.annual
            continue
        fx = fx or fx_table()
        into_reporting = fx.rate(draw.currency, on)
        from_reporting = fx.rate(currency, on)
        if into_reporting is not None and from_reporting is not None:
            drawn += draw.annual * into_reporting[0] / from_reporting[0]
    return max(Decimal(0), annual - drawn)


def counted_annual(contract: Contract, sows: Iterable[Contract], *, on: date, fx: FxTable | None = None) -> Decimal:
    """The same rule in Python for one contract (for tests): a master agreement's annual value less its
    active statements of work ``sows`` (never below zero); any other contract's own annual value."""
    own = annual_value(contract)
    if contract.parent_id is not None:
        return own
    draws = [SowDraw(s.currency, annual_value(s)) for s in sows if s.status in DRAWING_SOW_STATUSES]
    return ceiling_remainder(own, contract.currency, draws, on=on, fx=fx)


class SpendRow(NamedTuple):
    """Active contracts' annual spend of one vendor, engagement model and currency (master agreements
    counted for what their statements of work leave of them: ``ceiling_remainder``). A named tuple: a
    portfolio has 50,000 of them, built five times faster than a frozen dataclass."""

    vendor_id: int
    vendor_name: str
    country: str
    geography: str
    engagement_model: str
    currency: str
    annual: Decimal
    contracts: int
    next_cancel_by: date | None


def sows_drawn_expression() -> Subquery:
    """A master agreement's active statements of work in its own currency: their annual values' sum."""
    sows = (
        Contract.objects.filter(parent=OuterRef("pk"), status__in=DRAWING_SOW_STATUSES, currency=OuterRef("currency"))
        .order_by()
        .values("parent")
        .annotate(total=Sum(annual_value_expression()))
        .values("total")
    )
    return Subquery(sows, output_field=DecimalField(max_digits=30, decimal_places=10))


def sows_in_other_currency_expression() -> Exists:
    """Whether a master agreement has an active statement of work in another currency."""
    return Exists(
        Contract.objects.filter(parent=OuterRef("pk"), status__in=DRAWING_SOW_STATUSES).exclude(
            currency=OuterRef("currency")
        )
    )


# What a spend group is made of: a vendor (and what the tables show of it), an engagement model, a currency,
# and — for a master agreement drawn on in another currency — the agreement itself.
SPEND_GROUP = (
    "vendor_id",
    "vendor__name",
    "vendor__country",
    "vendor__geography",
    "engagement_model",
    "currency",
    "foreign_master",
)


def _spend_groups(
    *, scope: Scope, today: date, user: Any, group: Sequence[str], vendor_ids: Sequence[int] | None = None
) -> Any:
    """The active contracts in scope (of ``vendor_ids``, when given) summed per ``group`` (columns of
    ``SPEND_GROUP``, ``foreign_master`` always among them) in the database: ``annual`` (each contract's annual value, a master agreement's less
    what its active statements of work in its own currency draw on it), ``contracts``, ``next_cancel_by``
    and ``annual_before_draws`` (a foreign master agreement's own annual value, settled in Python)."""
    own_currency = Case(
        When(parent__isnull=True, drawn__isnull=False, then=Greatest(Value(Decimal(0)), F("own_annual") - F("drawn"))),
        default=F("own_annual"),
        output_field=DecimalField(max_digits=30, decimal_places=10),
    )
    drawn_on = Contract.objects.filter(parent__isnull=False, status__in=DRAWING_SOW_STATUSES).order_by()
    contracts = contract_list(user=user).filter(status=ContractStatus.ACTIVE).filter(scope.q(CONTRACT_ROW))
    if vendor_ids is not None:
        contracts = contracts.filter(vendor_id__in=vendor_ids)
    return (
        contracts.order_by()
        .annotate(
            own_annual=annual_value_expression(),
            # Looked up in the few agreements drawn on (one hashed list each), not per contract.
            drawn=Case(
                When(pk__in=drawn_on.values("parent_id"), then=sows_drawn_expression()),
                default=None,
                output_field=DecimalField(max_digits=30, decimal_places=10),
            ),
            # A master agreement drawn on in another currency: a group of its own (its id), settled below.
            foreign_master=Case(
                When(
                    pk__in=drawn_on.exclude(currency=F("parent__currency")).values("parent_id"),
                    parent__isnull=True,
                    then=F("pk"),
                ),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .values(*group)
        .annotate(
            annual=Sum(own_currency),
            contracts=Count("pk"),
            next_cancel_by=Min("cancel_by", filter=Q(cancel_by__gte=today)),
            # A foreign master agreement's own annual value, before its statements of work draw on it (NULL
            # for every other group: 50,000 numbers fewer to send and convert).
            annual_before_draws=Sum("own_annual", filter=Q(foreign_master__isnull=False)),
        )
    )


def spend_total(*, scope: Scope, today: date, fx: FxTable, user: Any = None) -> Decimal:
    """The annual spend in scope in the reporting currency, to the cent: the concentration panel's whole
    (``concentration().spend_total``; a currency without a rate on or before ``today`` left out), summed
    per currency in the database — a few rows whatever the size of the portfolio. One query (two with a
    master agreement drawn on in another currency). The whole portfolio's per-currency sums (what the
    vendor 360 divides by) are kept in the cache until a contract changes (``cached_by_version``): the
    same small figure costs no scan of every contract on every view."""

    def per_currency() -> list[tuple[str, int | None, Decimal | None, Decimal | None]]:
        return list(
            _spend_groups(scope=scope, today=today, user=user, group=("currency", "foreign_master")).values_list(
                "currency", "foreign_master", "annual", "annual_before_draws"
            )
        )

    # Unfiltered, the sums read the contracts alone (whoever looks: every signed-in person reads every
    # contract); a foreign master's draws are settled below, at today's rates.
    rows = per_currency() if scope.filters() else cached_by_version("portfolio-spend", [Contract], per_currency)
    draws = sow_draws([master for _, master, _, _ in rows if master is not None])
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, master, annual, before in rows:
        if master is not None:
            annual = ceiling_remainder(before or Decimal(0), currency, draws.get(master, []), on=today, fx=fx)
        totals[currency] += annual or Decimal(0)
    return reporting_total(totals, today=today, fx=fx)


def reporting_total(per_currency: Mapping[str, Decimal], *, today: date, fx: FxTable) -> Decimal:
    """Amounts per currency converted into the reporting currency at the latest rate on or before
    ``today`` and added up, to the cent; a currency without such a rate left out. The whole that the
    concentration's spend shares divide by (``concentration``, ``spend_total``)."""
    return round_money(
        sum(
            (
                amount * found[0]
                for currency, amount in per_currency.items()
                if (found := fx.rate(currency, today)) is not None
            ),
            Decimal(0),
        )
    )


def rollup_serves(scope: Scope) -> bool:
    """Whether the spend of ``scope`` is read from the stored rollup (``SPEND_ROLLUP``): narrowed by vendor
    geography, tier or engagement model, or not at all. Narrowed to one vendor or to a function category
    (a contract's functions are not in the rollup), it is worked out from the contracts."""
    return scope.vendor is None and not scope.function_category


def _stored_rows(*, scope: Scope, today: date) -> Any:
    """The stored rows of ``scope`` for ``today`` as a query (after ``store_spend``)."""
    # The rollup's rows meet the scope as a contract's do (the vendor's attributes, the engagement model).
    return VendorSpendRollup.objects.filter(on=today).filter(scope.q(CONTRACT_ROW)).order_by()


def spend_rows(*, scope: Scope, today: date, user: Any = None, fx: FxTable | None = None) -> list[SpendRow]:
    """The active contracts in scope summed per vendor, engagement model and currency — each its annual
    value, a master agreement's less what its active statements of work draw on it (``ceiling_remainder``)
    — without their ``next_cancel_by`` (``worked_out_spend_rows`` has it). Read from the stored rollup
    where it serves the scope (``rollup_serves``: two queries when nothing changed), else worked out."""
    if not rollup_serves(scope):
        return [row._replace(next_cancel_by=None) for row in worked_out_spend_rows(scope=scope, today=today, fx=fx)]
    store_spend(today=today, fx=fx)
    # A group's columns but the foreign master (the stored rows have it settled).
    rows = _stored_rows(scope=scope, today=today).values_list(*SPEND_GROUP[:-1], "annual", "contracts")
    return [
        SpendRow(vendor_id, name, str(country), geography, model, currency, annual, n, None)
        for vendor_id, name, country, geography, model, currency, annual, n in rows
    ]


# The columns of the portfolio's spend groups (``stored_spend_groups``): what the tiles split the spend by.
PORTFOLIO_GROUP = ("currency", "engagement_model", "vendor__geography", "vendor__country")


def stored_spend_groups(*, scope: Scope, today: date) -> list[SpendRow]:
    """The stored spend of ``scope`` (``rollup_serves``; after ``store_spend``) summed per currency,
    engagement model, vendor geography and vendor country in the database: a few hundred rows whatever the
    size of the portfolio, as spend rows without a vendor (id 0) — what the spend tile, its charts and the
    concentration by country and per currency add up. One query."""
    rows = (
        _stored_rows(scope=scope, today=today)
        .values(*PORTFOLIO_GROUP)
        .annotate(annual=Sum("annual"), contracts=Sum("contracts"))
        .values_list(*PORTFOLIO_GROUP, "annual", "contracts")
    )
    return [
        SpendRow(0, "", str(country), geography, model, currency, annual, n, None)
        for currency, model, geography, country, annual, n in rows
    ]


@dataclass(frozen=True)
class SpendFigures:
    """What the overview adds its spend up from: ``rows``, the spend per vendor, engagement model and
    currency (worked out) or per currency, engagement model, vendor geography and country (stored, without
    vendors); ``by_vendor``, each vendor's spend in the reporting currency when stored."""

    rows: list[SpendRow]
    by_vendor: StoredVendorSpend | None


def spend_figures(*, scope: Scope, today: date, fx: FxTable, user: Any = None) -> SpendFigures:
    """The spend of ``scope`` as the overview's tiles add it up: read from the stored rollup where it serves
    the scope (``rollup_serves``: three queries when nothing changed, a few hundred rows and one per vendor),
    else worked out per vendor (``spend_rows``: one query)."""
    if not rollup_serves(scope):
        return SpendFigures(spend_rows(scope=scope, today=today, user=user, fx=fx), None)
    store_spend(today=today, fx=fx)
    groups = stored_spend_groups(scope=scope, today=today)
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for group in groups:
        per_currency[group.currency] += group.annual
    total = reporting_total(per_currency, today=today, fx=fx)
    return SpendFigures(groups, stored_vendor_spend(scope=scope, today=today, total=total))


class VendorSpend(NamedTuple):
    """One vendor's annual spend in the reporting currency, to the cent (its currencies with a rate), and
    its share of the whole in percent (``percent``; None when the whole is zero)."""

    vendor_id: int
    name: str
    amount: Decimal
    share: Decimal | None


@dataclass(frozen=True)
class StoredVendorSpend:
    """Each vendor's annual spend in the reporting currency and its share of ``total``, summed in the
    database from the stored rollup, largest share first (then by name in code-point order, then by id; a
    vendor none of whose currencies has a rate left out), and a read of some vendors' spend per currency
    (``natives``: the vendor's id → currency → amount)."""

    total: Decimal
    vendors: list[VendorSpend]
    natives: Callable[[Collection[int] | None], dict[int, dict[str, Decimal]]]


def stored_vendor_spend(*, scope: Scope, today: date, total: Decimal) -> StoredVendorSpend:
    """Each vendor's stored spend in ``scope`` (``rollup_serves``; after ``store_spend``) in the reporting
    currency — the sum of its rows' ``reporting`` amounts, rounded to the cent, as ``concentration``
    converts a vendor's spend per currency and adds the currencies up — and its share of ``total`` (the
    spend in scope in the reporting currency, ``reporting_total``) rounded half up to 0.1 as ``percent``
    rounds it, in order. One query; ``natives`` one more when called (None: every vendor's)."""
    rows = _stored_rows(scope=scope, today=today)
    amount = Round(Sum("reporting"), 2)
    share = (
        Round(ExpressionWrapper(amount * Value(100) / Value(total), output_field=DecimalField()), 1)
        if total
        else Value(None, output_field=DecimalField())
    )
    found = (
        rows.filter(reporting__isnull=False)
        .values("vendor_id")
        .annotate(name=Min("vendor__name"), amount=amount, share=share)
        .order_by(Coalesce("share", Value(Decimal(0))).desc(), Collate("name", "C"), "vendor_id")
        .values_list("vendor_id", "name", "amount", "share")
    )

    def natives(vendor_ids: Collection[int] | None) -> dict[int, dict[str, Decimal]]:
        chosen = rows if vendor_ids is None else rows.filter(vendor_id__in=sorted(vendor_ids))
        found: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for vendor_id, currency, annual in (
            chosen.values("vendor_id", "currency")
            .annotate(total=Sum("annual"))
            .values_list("vendor_id", "currency", "total")
        ):
            found[vendor_id][currency] = annual
        return dict(found)

    return StoredVendorSpend(total, [VendorSpend(*row) for row in found], natives)


def worked_out_spend_rows(
    *,
    scope: Scope,
    today: date,
    user: Any = None,
    fx: FxTable | None = None,
    vendor_ids: Sequence[int] | None = None,
) -> list[SpendRow]:
    """``spend_rows`` worked out from the contracts in scope (of ``vendor_ids``, when given), with each
    group's next cancel-by date on or after ``today``. One query: the contracts summed per vendor,
    engagement model and currency in the database; a master agreement with an active SOW in another
    currency (rare) comes back on its own and is worked out here — one more query (``sow_draws``), and
    ``fx`` read when it is not given."""
    groups = _spend_groups(scope=scope, today=today, user=user, group=SPEND_GROUP, vendor_ids=vendor_ids)
    rows = list(
        groups.values_list(
            *SPEND_GROUP,
            "annual",
            "contracts",
            "next_cancel_by",
            "annual_before_draws",
        )
    )
    foreign = [row[6] for row in rows if row[6] is not None]
    if not foreign:
        # Each group is one vendor, engagement model and currency: a row as it is (the common case, and
        # a portfolio's 50,000 groups built without a second pass).
        return [
            SpendRow(vendor_id, name, str(country), geography, model, currency, annual or Decimal(0), n, cancel_by)
            for vendor_id, name, country, geography, model, currency, _, annual, n, cancel_by, _ in rows
        ]
    draws = sow_draws(foreign)
    if draws and fx is None:
        fx = fx_table()
    merged: dict[tuple[int, str, str], SpendRow] = {}
    for vendor_id, name, country, geography, model, currency, master, annual, n, cancel_by, before in rows:
        annual = annual or Decimal(0)
        if master is not None:
            annual = ceiling_remainder(before or Decimal(0), currency, draws.get(master, []), on=today, fx=fx)
        key = (vendor_id, model, currency)
        group = merged.get(key)
        if group is None:
            merged[key] = SpendRow(vendor_id, name, str(country), geography, model, currency, annual, n, cancel_by)
            continue
        merged[key] = group._replace(
            annual=group.annual + annual,
            contracts=group.contracts + n,
            next_cancel_by=min(
                (day for day in (group.next_cancel_by, cancel_by) if day is not None),
                default=None,
            ),
        )
    return list(merged.values())


SPEND_ROLLUP = Rollup(
    name="dashboards:vendor-spend",
    store=VendorSpendRollup,
    per_vendor=(VendorSource(Contract, "vendor"),),
    # The rows' amounts in the reporting currency, and a master agreement drawn on in another currency,
    # convert at the day's rates.
    shared=(FxRate,),
)


def _spend_rollup(*, today: date, fx: FxTable) -> dict[str, Any]:
    """What ``SPEND_ROLLUP`` reads and stores for ``today``: its key, rows and how to work them out."""
    rates = {currency: found[0] for currency in fx.rates if (found := fx.rate(currency, today)) is not None}
    rates.setdefault(fx.reporting, Decimal(1))

    def compute(vendor_ids: list[int] | None) -> list[VendorSpendRollup]:
        return [
            VendorSpendRollup(
                vendor_id=row.vendor_id,
                on=today,
                engagement_model=row.engagement_model,
                currency=row.currency,
                annual=row.annual,
                reporting=row.annual * rate if (rate := rates.get(row.currency)) is not None else None,
                contracts=row.contracts,
            )
            for row in worked_out_spend_rows(scope=Scope(), today=today, fx=fx, vendor_ids=vendor_ids)
        ]

    return {"key": f"{today.isoformat()}|{fx.reporting}", "where": {"on": today}, "compute": compute}


def store_spend(*, today: date, fx: FxTable | None = None) -> None:
    """Every vendor's spend for ``today`` stored and current (``SPEND_ROLLUP``), not read."""
    SPEND_ROLLUP.ensure_every(**_spend_rollup(today=today, fx=fx or fx_table()))


def spend_per_currency(
    rows: Iterable[SpendRow], *, scope: Scope, today: date | None = None, fx: FxTable | None = None
) -> list[Amount]:
    """Annual spend per currency, largest first (equal amounts by currency code); with ``fx`` (and ``today``, the figures' date) each
    carries its conversion into the reporting currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.annual
    return [
        Amount(
            currency,
            round_money(total),
            Drill(
                round_money(total),
                drill_url("contracts:contract-list", scope, status=ContractStatus.ACTIVE, currency=currency),
                f"annual spend in {currency}",
                counts_rows=False,
            ),
            fx.convert(total, currency, on=today) if fx is not None and today is not None else None,
        )
        for currency, total in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]


@dataclass(frozen=True)
class ReportingTotal:
    """Annual spend in the reporting currency: the converted currencies' sum, each currency's
    conversion (rate and date) and those left out for want of a rate."""

    currency: str
    amount: Decimal
    on: date
    parts: list[Amount]  # every currency, with its conversion
    drill: Drill

    @property
    def missing(self) -> list[Conversion]:
        return [p.conversion for p in self.parts if p.conversion is not None and p.conversion.missing]

    @property
    def converted(self) -> list[Conversion]:
        return [
            p.conversion
            for p in self.parts
            if p.conversion is not None and not p.conversion.missing and not p.conversion.same_currency
        ]


def spend_in_reporting_currency(amounts: Sequence[Amount], *, scope: Scope, today: date, fx: FxTable) -> ReportingTotal:
    """The per-currency amounts (``spend_per_currency`` with ``fx``) added up in the reporting currency;
    a currency without a rate on or before ``today`` is left out and named (``missing``)."""
    parts = [
        a if a.conversion is not None else replace(a, conversion=fx.convert(a.amount, a.currency, on=today))
        for a in amounts
    ]
    total = round_money(
        sum((p.conversion.converted for p in parts if p.conversion and p.conversion.converted is not None), Decimal(0))
    )
    return ReportingTotal(
        currency=fx.reporting,
        amount=total,
        on=today,
        parts=parts,
        drill=Drill(
            total,
            drill_url("contracts:contract-list", scope, status=ContractStatus.ACTIVE),
            f"annual spend in {fx.reporting}",
            counts_rows=False,
        ),
    )


@dataclass(frozen=True)
class Breakdown:
    """A quantity split by one dimension, per currency (money is never added across currencies)."""

    currency: str
    total: Decimal
    segments: list[Segment]


def spend_breakdown(rows: Iterable[SpendRow], *, by: str, scope: Scope) -> list[Breakdown]:
    """Annual spend per currency split by ``by`` ("geography" or "engagement_model"); narrowed to one
    of them, only that one."""
    choices = Geography.choices if by == "geography" else EngagementModel.choices
    if getattr(scope, by):
        choices = [(key, label) for key, label in choices if key == getattr(scope, by)]
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        sums[row.currency][getattr(row, by)] += row.annual
    breakdowns = []
    for currency, parts in sorted(sums.items(), key=lambda item: (-sum(item[1].values()), item[0])):
        total = round_money(sum(parts.values(), Decimal(0)))
        segments = []
        for key, label in choices:
            amount = round_money(parts.get(key, Decimal(0)))
            url = drill_url(
                "contracts:contract-list", scope, status=ContractStatus.ACTIVE, currency=currency, **{by: key}
            )
            segments.append(
                Segment(key, str(label), amount, percent(amount, total), Drill(amount, url, str(label), False))
            )
        breakdowns.append(Breakdown(currency, total, segments))
    return breakdowns
