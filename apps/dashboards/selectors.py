"""The portfolio overview's numbers: read-only selectors with every aggregation in the database and a
fixed number of queries whatever the size of the portfolio.

Every number carries the list of exactly the rows it counts (a ``Drill``: the value and the URL of an
existing list page with query-string filters). The lists filter with the same conditions
(``apps.contracts.scope`` for the dashboard's filters, the owning apps' selectors and FilterSets for
the rest), and ``tests/dashboards`` proves each list's count equals its number.

**Scope.** The filters (vendor geography, vendor tier, engagement model, function category; one
vendor for a vendor's own page) narrow every number: ``apps/contracts/scope.py`` says what each
means for each kind of row. **Period**: a calendar month in ``TIME_ZONE``, the last closed one by
default. It moves the SLA compliance tile, the compliance and breaches-by-area charts (the 12 months
ending with it) and the league table (the scorecards of that month); every other number is as of
today.

**Definitions** (the README's "Portfolio overview" repeats them for readers):

- *Active vendors*: vendors whose status is active.
- *Annual contracted spend*, per currency: every active contract's value annualised — its value over
  its term in days × 365 (a term counts both its first and last day, as the SLA engine's service
  credits do); an open-ended contract's value counts as yearly (``OPEN_ENDED_CONTRACT_DAYS``). A master
  agreement is a ceiling its statements of work draw on: it counts max(0, its annual value − the
  annual values of its active SOWs), each SOW its own (``ceiling_remainder``). The currencies' sum in
  the reporting currency (``REPORTING_CURRENCY``) at the latest FX rate on or before today; a currency
  without one is left out and named (``apps.core.fx``).
- *SLA compliance* of a month: met ÷ (met + breached) of the closed SLA evaluations whose window
  **ended** in that month — a monthly window in its month, a quarterly one in its quarter's last
  month, a rolling one in the month its last day falls in. ``no_data`` and ``insufficient_data``
  windows are left out of the percentage and counted beside it. The change is in percentage points
  against the month before.
- *Open breaches*: breaches open or acknowledged, by severity.
- *At risk*: the open window's evaluations that are at risk (one per SLA term).
- *Service credits owed*, per currency: the credits of breaches neither waived nor retracted (open,
  acknowledged or resolved — resolving the cause does not cancel the credit).
- *Renewals*: active contracts whose cancel-by date falls in the next 90 days, today included
  (``contracts_renewing_within``).
- *Certifications*: two numbers — *expired* (however long ago) and *expiring* in the next 60 days,
  today included — of certifications not renewed (no later one of the same vendor, kind and name) and
  not retired (their vendor has not exited; a deleted certification is gone) (``certifications_to_renew``).
  An expired certification stays counted until it is renewed or retired.
- *Service reviews overdue*: scheduled reviews whose date has passed, of vendors that have not exited.
- *Access findings*: grants breaking at least one access rule (``apps.vendors.findings``), counted by
  the most severe of their findings: high and medium (the two add up to the total).
- *Policy conflicts*: functions decided keep-in-house that an active contract covers (``function_list``).
- *Breaches by area*: breaches, retracted ones excepted, whose window ended in the 12 months up to the
  end of the period, by the SLA term's area and severity.
- *Sourcing matrix*: each function placed by strategic + sensitive (rows) against repeatable + scarce
  (columns), each sum (2–10) in one of ``MATRIX_BANDS``; the vendors serving a function are those
  with an active contract covering it.
- *Risk heat map*: risks that are not closed, by likelihood × impact.
- *Concentration*: each vendor's (and each vendor country's) share of the annual spend in the
  reporting currency (a currency without a rate left out and named), and of the critical functions
  (``critical_function_condition``) that active contracts cover; a share above
  ``CONCENTRATION_THRESHOLD_PERCENT`` (setting, default 30) is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django_countries import countries

from apps.contracts.choices import BreachStatus, ContractStatus, EngagementModel, EvaluationStatus, Severity, SlaArea
from apps.contracts.evaluation import OPEN_ENDED_CONTRACT_DAYS
from apps.contracts.models import Contract
from apps.contracts.scope import (
    CONTRACT_ROW,
    FUNCTION_ROW,
    SCOPE_FILTERS,
    TERM_ROW,
    VENDOR_RECORD_ROW,
    VENDOR_ROW,
    ScopeAnchor,
    scope_q,
)
from apps.contracts.selectors import breach_list, contract_list, contracts_renewing_within, sla_evaluation_list
from apps.core.fx import Conversion, FxTable, fx_table
from apps.functions.choices import Decision
from apps.functions.selectors import critical_function_condition, function_list
from apps.kpis.scorecards import MONTH, Period, Scorecard, league_scorecards, months_ending
from apps.vendors.choices import Geography, ReviewStatus, RiskStatus, VendorStatus
from apps.vendors.findings import SEVERITIES_WORST_FIRST as FINDING_SEVERITIES
from apps.vendors.findings import FindingSeverity
from apps.vendors.selectors import (
    access_grant_list,
    certifications_to_renew,
    review_overdue_condition,
    service_review_list,
    vendor_list,
    vendor_risk_list,
)

if TYPE_CHECKING:  # the attention ranking reads this module, which imports it where it is used
    from apps.dashboards.attention import VendorAttention

DAYS_PER_YEAR = 365
COMPLIANCE_MONTHS = 12
RENEWAL_DAYS = 90
CERTIFICATION_DAYS = 60
DEFAULT_CONCENTRATION_THRESHOLD_PERCENT = 30
PERCENT_PLACES = Decimal("0.1")
MONEY_PLACES = Decimal("0.01")

OPEN_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)
CREDIT_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.RESOLVED)
COUNTED_BREACH_STATUSES = tuple(s for s in BreachStatus if s != BreachStatus.RETRACTED)
OPEN_RISK_STATUSES = tuple(s for s in RiskStatus if s != RiskStatus.CLOSED)
# The vendors of the league table: those delivering work under contract.
ENGAGED_VENDOR_STATUSES = (VendorStatus.PILOT, VendorStatus.ACTIVE, VendorStatus.OFFBOARDING)
SEVERITIES_WORST_FIRST = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR)
RISK_SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Band:
    """A band of a sourcing-matrix axis: a sum of two scores (each 1–5) from ``low`` to ``high``."""

    key: str
    label: str
    low: int
    high: int

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high


MATRIX_BANDS = (Band("low", "Low", 2, 4), Band("medium", "Medium", 5, 7), Band("high", "High", 8, 10))


def concentration_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "CONCENTRATION_THRESHOLD_PERCENT", DEFAULT_CONCENTRATION_THRESHOLD_PERCENT)))


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


# -- scope and drill-downs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """What the dashboard is narrowed to: the filter bar's values ("" = all) and, for a vendor's own
    page, one vendor."""

    geography: str = ""
    tier: str = ""
    engagement_model: str = ""
    function_category: str = ""
    vendor: int | None = None

    def filters(self) -> dict[str, list[Any]]:
        chosen: dict[str, list[Any]] = {name: [getattr(self, name)] for name in SCOPE_FILTERS if getattr(self, name)}
        if self.vendor is not None:
            chosen["vendor"] = [self.vendor]
        return chosen

    def q(self, anchor: ScopeAnchor) -> Q:
        return scope_q(anchor, self.filters())

    def query(self, *, vendor_parameter: str | None = "vendor") -> dict[str, Any]:
        """The query-string filters of a drill-down list (a list names its vendor filter
        ``vendor_parameter``; the functions list ``served_by``)."""
        params: dict[str, Any] = {name: getattr(self, name) for name in SCOPE_FILTERS if getattr(self, name)}
        if self.vendor is not None and vendor_parameter:
            params[vendor_parameter] = self.vendor
        return params

    @property
    def is_narrowed(self) -> bool:
        return bool(self.filters())


@dataclass(frozen=True)
class Drill:
    """A number and the list of exactly the rows it counts. ``counts_rows``: the number is the list's
    row count (else it is a sum over the rows, e.g. money)."""

    value: int | Decimal | None
    url: str
    label: str = ""
    counts_rows: bool = True


def drill_url(url_name: str, scope: Scope, *, vendor_parameter: str | None = "vendor", **filters: Any) -> str:
    """The list page ``url_name`` filtered by ``filters`` and the scope (a filter both name must agree:
    the list would otherwise show the union of the two)."""
    scoped = scope.query(vendor_parameter=vendor_parameter)
    for name in set(filters) & set(scoped):
        if str(filters[name]) != str(scoped[name]):
            raise ValueError(f"The drill-down filter {name}={filters[name]} contradicts the scope's {scoped[name]}.")
    params: list[tuple[str, Any]] = []
    for name, value in {**filters, **scoped}.items():
        values = value if isinstance(value, list | tuple) else [value]
        params.extend((name, str(v)) for v in values if v not in (None, ""))
    query = urlencode(params)
    return _list_path(url_name, get_script_prefix()) + (f"?{query}" if query else "")


@lru_cache(maxsize=64)
def _list_path(url_name: str, prefix: str) -> str:
    """The path of a list page (no arguments): reversed once per script prefix, not once per number (an
    overview at enterprise scale builds thousands of links)."""
    return reverse(url_name)


def _iso(day: date) -> str:
    return day.isoformat()


# -- annual spend ----------------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class SpendRow:
    """Active contracts' annual spend of one vendor, engagement model and currency (master agreements
    counted for what their statements of work leave of them: ``ceiling_remainder``)."""

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


def spend_rows(*, scope: Scope, today: date, user: Any = None, fx: FxTable | None = None) -> list[SpendRow]:
    """One query: the active contracts in scope with their annual values and, for a master agreement,
    what its active statements of work draw on it (``ceiling_remainder``), summed per vendor,
    engagement model and currency. A SOW in another currency than its master agreement (rare) costs
    one more query (``sow_draws``) and reads ``fx`` when it is not given."""
    contracts = list(
        contract_list(user=user)
        .filter(status=ContractStatus.ACTIVE)
        .filter(scope.q(CONTRACT_ROW))
        .order_by()
        .values(
            "pk",
            "parent_id",
            "vendor_id",
            "vendor__name",
            "vendor__country",
            "vendor__geography",
            "engagement_model",
            "currency",
            "cancel_by",
        )
        .annotate(
            annual=annual_value_expression(),
            drawn=sows_drawn_expression(),
            drawn_in_other_currency=sows_in_other_currency_expression(),
        )
    )
    foreign = [c["pk"] for c in contracts if c["parent_id"] is None and c["drawn_in_other_currency"]]
    draws = sow_draws(foreign) if foreign else {}
    if draws and fx is None:
        fx = fx_table()
    for c in contracts:
        if c["parent_id"] is not None:
            continue
        annual = c["annual"] or Decimal(0)
        if c["pk"] in draws:
            c["annual"] = ceiling_remainder(annual, c["currency"], draws[c["pk"]], on=today, fx=fx)
        elif c["drawn"] is not None:
            c["annual"] = max(Decimal(0), annual - c["drawn"])
    groups: dict[tuple[int, str, str], dict[str, Any]] = {}
    for c in contracts:
        annual = c["annual"] or Decimal(0)
        key = (c["vendor_id"], c["engagement_model"], c["currency"])
        group = groups.setdefault(key, {"row": c, "annual": Decimal(0), "contracts": 0, "next_cancel_by": None})
        group["annual"] += annual
        group["contracts"] += 1
        cancel_by = c["cancel_by"]
        if (
            cancel_by is not None
            and cancel_by >= today
            and (group["next_cancel_by"] is None or cancel_by < group["next_cancel_by"])
        ):
            group["next_cancel_by"] = cancel_by
    return [
        SpendRow(
            vendor_id=vendor_id,
            vendor_name=group["row"]["vendor__name"],
            country=str(group["row"]["vendor__country"]),
            geography=group["row"]["vendor__geography"],
            engagement_model=engagement_model,
            currency=currency,
            annual=group["annual"],
            contracts=group["contracts"],
            next_cancel_by=group["next_cancel_by"],
        )
        for (vendor_id, engagement_model, currency), group in groups.items()
    ]


@dataclass(frozen=True)
class Amount:
    """A sum of money in one currency, and the list of the rows summed; ``conversion``: the same sum
    in the reporting currency (with its rate and date, or why it has none) where the page adds up."""

    currency: str
    amount: Decimal
    drill: Drill
    conversion: Conversion | None = None


def _money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def spend_per_currency(
    rows: Iterable[SpendRow], *, scope: Scope, today: date | None = None, fx: FxTable | None = None
) -> list[Amount]:
    """Annual spend per currency, largest first; with ``fx`` (and ``today``, the figures' date) each
    carries its conversion into the reporting currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.annual
    return [
        Amount(
            currency,
            _money(total),
            Drill(
                _money(total),
                drill_url("contracts:contract-list", scope, status=ContractStatus.ACTIVE, currency=currency),
                f"annual spend in {currency}",
                counts_rows=False,
            ),
            fx.convert(total, currency, on=today) if fx is not None and today is not None else None,
        )
        for currency, total in sorted(totals.items(), key=lambda item: -item[1])
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
    total = _money(
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
class Segment:
    """One part of a breakdown: its key and label, its value and the rows behind it."""

    key: str
    label: str
    value: Decimal | int
    share: Decimal | None
    drill: Drill


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
    for currency, parts in sorted(sums.items(), key=lambda item: -sum(item[1].values())):
        total = _money(sum(parts.values(), Decimal(0)))
        segments = []
        for key, label in choices:
            amount = _money(parts.get(key, Decimal(0)))
            url = drill_url(
                "contracts:contract-list", scope, status=ContractStatus.ACTIVE, currency=currency, **{by: key}
            )
            segments.append(
                Segment(key, str(label), amount, percent(amount, total), Drill(amount, url, str(label), False))
            )
        breakdowns.append(Breakdown(currency, total, segments))
    return breakdowns


# -- SLA compliance ---------------------------------------------------------------------------------------
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
        "contracts:sla-evaluation-list",
        scope,
        is_closed="true",
        status=list(statuses),
        window_end_after=_iso(month.start),
        window_end_before=_iso(month.end),
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
    at_risk_url = drill_url("contracts:sla-evaluation-list", scope, is_closed="false", status=EvaluationStatus.AT_RISK)
    return Compliance(months=result, at_risk=Drill(at_risk, at_risk_url, "SLA terms at risk in the open window"))


# -- breaches ---------------------------------------------------------------------------------------------
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
            _money(amount),
            Drill(
                _money(amount),
                drill_url("contracts:breach-list", scope, status=list(CREDIT_BREACH_STATUSES), currency=currency),
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
        return drill_url("contracts:breach-list", scope, status=list(OPEN_BREACH_STATUSES), **extra)

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
    window = {"window_end_after": _iso(first.start), "window_end_before": _iso(last.end)}
    areas = []
    for area, label in SlaArea.choices:
        segments = []
        for severity in SEVERITIES_WORST_FIRST:
            n = by_area[(area, severity)]
            url = drill_url(
                "contracts:breach-list",
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
        url = drill_url("contracts:breach-list", scope, status=list(COUNTED_BREACH_STATUSES), area=area, **window)
        areas.append(AreaBreaches(area, str(label), total, segments, Drill(total, url, f"{label} breaches")))
    return Breaches(
        open_total=Drill(total_open, open_url(), "open breaches"),
        open_by_severity=severity_segments,
        credits=credit_amounts,
        by_area=areas,
        first_month=first,
        last_month=last,
    )


def open_breaches_per_vendor(*, scope: Scope, user: Any = None) -> dict[int, int]:
    """One query: the open or acknowledged breaches of each vendor in scope."""
    rows = (
        breach_list(user=user)
        .filter(scope.q(TERM_ROW), status__in=OPEN_BREACH_STATUSES)
        .order_by()
        .values("term__contract__vendor_id")
        .annotate(n=Count("pk"))
    )
    return {row["term__contract__vendor_id"]: row["n"] for row in rows}


# -- counts of what needs attention ------------------------------------------------------------------------
def renewals_due(*, scope: Scope, today: date, days: int = RENEWAL_DAYS, user: Any = None) -> Drill:
    count = contracts_renewing_within(as_of=today, days=days, user=user).filter(scope.q(CONTRACT_ROW)).count()
    url = drill_url(
        "contracts:contract-list",
        scope,
        status=ContractStatus.ACTIVE,
        cancel_by_after=_iso(today),
        cancel_by_before=_iso(today + timedelta(days=days)),
        sort="cancel_by",
    )
    return Drill(count, url, f"cancel-by dates in the next {days} days")


@dataclass(frozen=True)
class CertificationStanding:
    """The certifications tile: those expired and those expiring soon, neither renewed nor retired."""

    expired: Drill
    expiring: Drill

    @property
    def value(self) -> int:
        """Both together: what needs a renewed certificate."""
        return int(self.expired.value or 0) + int(self.expiring.value or 0)

    @property
    def drills(self) -> list[Drill]:
        return [self.expired, self.expiring]


def certifications_expiring(
    *, scope: Scope, today: date, days: int = CERTIFICATION_DAYS, user: Any = None
) -> CertificationStanding:
    """One query: certifications to renew (``certifications_to_renew``), the expired apart from those
    expiring in the next ``days`` days."""
    counts = (
        certifications_to_renew(as_of=today, within_days=days, user=user)
        .filter(scope.q(VENDOR_RECORD_ROW))
        .aggregate(
            expired=Count("pk", filter=Q(expires_on__lt=today)),
            expiring=Count("pk", filter=Q(expires_on__gte=today)),
        )
    )
    not_renewed = {"superseded": "false", "vendor_exited": "false"}
    expired_url = drill_url(
        "vendors:certification-list", scope, expires_before=_iso(today - timedelta(days=1)), **not_renewed
    )
    expiring_url = drill_url(
        "vendors:certification-list",
        scope,
        expires_after=_iso(today),
        expires_before=_iso(today + timedelta(days=days)),
        **not_renewed,
    )
    return CertificationStanding(
        expired=Drill(counts["expired"], expired_url, "certifications expired and not renewed"),
        expiring=Drill(counts["expiring"], expiring_url, f"certifications expiring in the next {days} days"),
    )


def reviews_overdue(*, scope: Scope, today: date, user: Any = None) -> Drill:
    count = (
        service_review_list(user=user)
        .filter(scope.q(VENDOR_RECORD_ROW), review_overdue_condition(today))
        .exclude(vendor__status=VendorStatus.EXITED)
        .count()
    )
    url = drill_url(
        "vendors:review-list",
        scope,
        status=ReviewStatus.SCHEDULED,
        scheduled_before=_iso(today - timedelta(days=1)),
        vendor_exited="false",
    )
    return Drill(count, url, "service reviews overdue")


@dataclass(frozen=True)
class AccessFindings:
    """The access tile: grants with findings, and the same grants by their most severe finding."""

    total: Drill
    by_severity: tuple[tuple[str, Drill], ...]  # worst first

    @property
    def value(self) -> int:
        return int(self.total.value or 0)

    @property
    def url(self) -> str:
        return self.total.url

    @property
    def high(self) -> Drill:
        return dict(self.by_severity)[FindingSeverity.HIGH]

    @property
    def medium(self) -> Drill:
        return dict(self.by_severity)[FindingSeverity.MEDIUM]

    @property
    def drills(self) -> list[Drill]:
        return [self.total, *(drill for _, drill in self.by_severity)]


def access_findings(*, scope: Scope, today: date, user: Any = None) -> AccessFindings:
    """One query: the grants with findings today (``apps.vendors.findings``), by their worst severity."""
    counts = (
        access_grant_list(user=user, as_of=today)
        .filter(scope.q(VENDOR_RECORD_ROW))
        .aggregate(
            total=Count("pk", filter=Q(finding_count__gt=0)),
            **{str(s): Count("pk", filter=Q(finding_severity=s)) for s in FINDING_SEVERITIES},
        )
    )
    total_url = drill_url("vendors:access-list", scope, has_findings="true", sort="findings")
    return AccessFindings(
        total=Drill(counts["total"], total_url, "access grants with findings"),
        by_severity=tuple(
            (
                str(s),
                Drill(
                    counts[str(s)],
                    drill_url("vendors:access-list", scope, severity=str(s), sort="findings"),
                    f"access grants whose worst finding is {s.label.lower()}",
                ),
            )
            for s in FINDING_SEVERITIES
        ),
    )


# -- vendors and the league table -----------------------------------------------------------------------------
@dataclass(frozen=True)
class VendorRow:
    id: int
    name: str
    country: str
    geography: str
    tier: str
    status: str


def engaged_vendors(*, scope: Scope, user: Any = None) -> list[VendorRow]:
    """One query: the vendors in scope that deliver work — piloting, active or offboarding."""
    rows = (
        vendor_list(user=user)
        .filter(status__in=ENGAGED_VENDOR_STATUSES)
        .filter(scope.q(VENDOR_ROW))
        .order_by("name", "pk")
        .values("pk", "name", "country", "geography", "tier", "status")
    )
    return [VendorRow(r["pk"], r["name"], str(r["country"]), r["geography"], r["tier"], r["status"]) for r in rows]


def active_vendor_drill(vendors: Sequence[VendorRow], *, scope: Scope) -> Drill:
    return Drill(
        sum(1 for vendor in vendors if vendor.status == VendorStatus.ACTIVE),
        drill_url("vendors:vendor-list", scope, status=VendorStatus.ACTIVE),
        "active vendors",
    )


# How to order the league table: by the attention ranking (the default: who needs looking at first) or
# by the scorecard (who delivers best).
LEAGUE_SORT_ATTENTION = "attention"
LEAGUE_SORT_SCORECARD = "scorecard"
LEAGUE_SORTS = {LEAGUE_SORT_ATTENTION: "Needs attention first", LEAGUE_SORT_SCORECARD: "Best scorecard first"}
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


def league_table(
    *,
    scope: Scope,
    period: Period,
    today: date,
    vendors: Sequence[VendorRow] | None = None,
    spend: Sequence[SpendRow] | None = None,
    concentration_of: Concentration | None = None,
    fx: FxTable | None = None,
    sort: str = LEAGUE_SORT_ATTENTION,
    shown: int | None = LEAGUE_TABLE_ROWS,
    user: Any = None,
) -> list[LeagueRow]:
    """The vendors in scope that deliver work (piloting, active or offboarding), by default ordered by
    their attention score (highest first; ties: the larger annual spend, then the name), else
    (``sort="scorecard"``) by their scorecard for ``period`` (best first; vendors not scored that month
    last, by name) — with their scorecard, open breaches, next cancel-by date and attention score. The
    first ``shown`` rows (every row when None) carry the reasons of their score with links.

    A fixed number of queries whatever the number of vendors: the scorecards of every vendor at once
    (``league_scorecards``: one query when cached) and one or two per part of the attention score
    (``apps.dashboards.attention``); fewer when the overview passes what it read already."""
    # Imported here: the attention ranking reads this module's definitions.
    from apps.dashboards.attention import attention_scores, build_reasons

    vendors = engaged_vendors(scope=scope, user=user) if vendors is None else vendors
    if not vendors:
        return []
    fx = fx if fx is not None else fx_table()
    spend = spend_rows(scope=scope, today=today, user=user, fx=fx) if spend is None else spend
    if concentration_of is None:
        concentration_of = concentration(scope=scope, spend=spend, functions=[], serving=[], today=today, fx=fx)
    scorecards = league_scorecards(period=Period(period.start, MONTH), vendor_ids=[v.id for v in vendors])
    scores = attention_scores(
        vendor_ids=[v.id for v in vendors],
        scope=scope,
        today=today,
        scorecards=scorecards,
        spend=spend,
        concentration=concentration_of,
        fx=fx,
        user=user,
    )
    next_cancel_by: dict[int, date] = {}
    for row in spend:
        if row.next_cancel_by and (
            row.vendor_id not in next_cancel_by or row.next_cancel_by < next_cancel_by[row.vendor_id]
        ):
            next_cancel_by[row.vendor_id] = row.next_cancel_by

    def by_scorecard(vendor: VendorRow) -> tuple[int, Decimal, str]:
        scorecard = scorecards.get(vendor.id)
        score = scorecard.score if scorecard else None
        return (0, -score, vendor.name) if score is not None else (1, Decimal(0), vendor.name)

    def by_attention(vendor: VendorRow) -> tuple[Decimal, Decimal, str]:
        attention = scores[vendor.id]
        return (-attention.score, -attention.facts.spend.amount, vendor.name)

    by_attention_first = sort != LEAGUE_SORT_SCORECARD
    by_attention_order = sorted(vendors, key=by_attention)
    # The rows named at the top of the overview carry their reasons whatever the table's order.
    first_ids = {vendor.id for vendor in by_attention_order[:ATTENTION_FIRST_ROWS]}
    rows = []
    rank = 0
    for position, vendor in enumerate(by_attention_order if by_attention_first else sorted(vendors, key=by_scorecard)):
        scorecard = scorecards.get(vendor.id)
        scored = scorecard is not None and scorecard.score is not None
        rank += 1 if scored else 0
        one = replace(scope, vendor=vendor.id)
        performance_url = reverse("vendors:vendor-tab", args=[vendor.id, "performance"]) + f"?period={period.key}"
        attention = scores[vendor.id]
        if shown is None or position < shown or (shown and vendor.id in first_ids):
            attention = build_reasons(
                attention, vendor_name=vendor.name, scope=scope, today=today, performance_url=performance_url
            )
        rows.append(
            LeagueRow(
                rank=position + 1 if by_attention_first else (rank if scored else None),
                vendor=vendor,
                scorecard=scorecard,
                open_breaches=Drill(
                    attention.facts.open_breach_total,
                    drill_url("contracts:breach-list", one, status=list(OPEN_BREACH_STATUSES)),
                    f"open breaches of {vendor.name}",
                ),
                next_cancel_by=next_cancel_by.get(vendor.id),
                next_cancel_by_url=drill_url(
                    "contracts:contract-list",
                    one,
                    status=ContractStatus.ACTIVE,
                    cancel_by_after=_iso(today),
                    sort="cancel_by",
                ),
                performance_url=performance_url,
                attention=attention,
            )
        )
    return rows


# -- functions: the sourcing matrix and the critical functions -------------------------------------------
@dataclass(frozen=True)
class FunctionRow:
    id: int
    name: str
    category: str
    strategic: int
    sensitive: int
    repeatable: int
    scarce: int
    velocity_critical: bool
    decision: str
    policy_conflict: bool
    critical: bool
    vendors: tuple[tuple[int, str], ...] = ()  # (id, name) of the vendors serving it, by name

    @property
    def strategic_sensitive(self) -> int:
        return self.strategic + self.sensitive

    @property
    def repeatable_scarce(self) -> int:
        return self.repeatable + self.scarce

    @property
    def decision_label(self) -> str:
        return decision_label(self.decision)


@dataclass(frozen=True)
class ServingPair:
    function_id: int
    vendor_id: int
    vendor_name: str
    country: str


def function_rows(*, scope: Scope, user: Any = None) -> tuple[list[FunctionRow], list[ServingPair]]:
    """Two queries: the functions in scope (with the policy-conflict annotation of ``function_list``
    and whether they are critical), and which vendors serve them (an active contract covers them)."""
    functions = (
        function_list(user=user)
        .filter(scope.q(FUNCTION_ROW))
        .annotate(critical=Case(When(critical_function_condition(), then=Value(True)), default=Value(False)))
        .order_by("name", "pk")
        .values(
            "pk",
            "name",
            "category",
            "strategic",
            "sensitive",
            "repeatable",
            "scarce",
            "velocity_critical",
            "decision",
            "policy_conflict",
            "critical",
        )
    )
    rows = [
        FunctionRow(
            id=f["pk"],
            name=f["name"],
            category=f["category"],
            strategic=f["strategic"],
            sensitive=f["sensitive"],
            repeatable=f["repeatable"],
            scarce=f["scarce"],
            velocity_critical=f["velocity_critical"],
            decision=f["decision"],
            policy_conflict=bool(f["policy_conflict"]),
            critical=bool(f["critical"]),
        )
        for f in functions
    ]
    in_scope = function_list(user=user).filter(scope.q(FUNCTION_ROW)).values("pk")
    pairs = (
        Contract.functions.through.objects.filter(contract__status=ContractStatus.ACTIVE, function__in=in_scope)
        .order_by("contract__vendor__name", "function_id")
        .values_list("function_id", "contract__vendor_id", "contract__vendor__name", "contract__vendor__country")
        .distinct()
    )
    serving = [ServingPair(f, v, name, str(country)) for f, v, name, country in pairs]
    by_function: dict[int, dict[tuple[int, str], None]] = defaultdict(dict)  # an ordered set, by vendor name
    for pair in serving:
        by_function[pair.function_id][(pair.vendor_id, pair.vendor_name)] = None
    return [replace(row, vendors=tuple(by_function.get(row.id, {}))) for row in rows], serving


def policy_conflict_drill(functions: Sequence[FunctionRow], *, scope: Scope) -> Drill:
    count = sum(1 for f in functions if f.policy_conflict)
    url = drill_url("functions:function-list", scope, vendor_parameter="served_by", policy_conflict="true")
    return Drill(count, url, "functions outsourced against policy")


@dataclass(frozen=True)
class MatrixCell:
    closeness: Band  # strategic + sensitive
    leverage: Band  # repeatable + scarce
    functions: list[FunctionRow]
    drill: Drill


@dataclass(frozen=True)
class SourcingMatrix:
    rows: list[tuple[Band, list[MatrixCell]]]  # highest strategic + sensitive first
    columns: tuple[Band, ...]
    total: int

    def cells(self) -> list[MatrixCell]:
        return [cell for _, cells in self.rows for cell in cells]


def sourcing_matrix(functions: Sequence[FunctionRow], *, scope: Scope) -> SourcingMatrix:
    rows = []
    for closeness in reversed(MATRIX_BANDS):
        cells = []
        for leverage in MATRIX_BANDS:
            placed = [
                f
                for f in functions
                if closeness.contains(f.strategic_sensitive) and leverage.contains(f.repeatable_scarce)
            ]
            url = drill_url(
                "functions:function-list",
                scope,
                vendor_parameter="served_by",
                strategic_sensitive_min=closeness.low,
                strategic_sensitive_max=closeness.high,
                repeatable_scarce_min=leverage.low,
                repeatable_scarce_max=leverage.high,
            )
            label = f"strategic + sensitive {closeness.label.lower()}, repeatable + scarce {leverage.label.lower()}"
            cells.append(MatrixCell(closeness, leverage, placed, Drill(len(placed), url, label)))
        rows.append((closeness, cells))
    return SourcingMatrix(rows=rows, columns=MATRIX_BANDS, total=len(functions))


# -- risks -------------------------------------------------------------------------------------------------
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


# -- concentration -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConcentrationRow:
    key: str  # the vendor's id or the country code
    label: str
    currency: str  # the reporting currency for spend; "" for critical functions
    value: Decimal | int
    share: Decimal | None
    flagged: bool
    drill: Drill
    # Spend: what the value is made of — each currency's amount and its conversion (rate and date).
    conversions: tuple[Conversion, ...] = ()

    @property
    def conversion_note(self) -> str:
        """ "USD 465,000.00 at USD 1 = EUR 0.92 (rate of 2026-11-30)" per converted currency."""
        return "; ".join(f"{c.currency} {c.amount:,.2f} at {c.rate_text}" for c in self.conversions if c.rate_text)


@dataclass(frozen=True)
class Concentration:
    threshold: Decimal
    spend_by_vendor: list[ConcentrationRow]
    spend_by_country: list[ConcentrationRow]
    functions_by_vendor: list[ConcentrationRow]
    functions_by_country: list[ConcentrationRow]
    critical_functions: int  # critical functions in scope that an active contract covers
    reporting_currency: str = ""
    spend_total: Decimal = Decimal(0)  # in the reporting currency: the spend shares' whole
    # Spend left out of the shares for want of a rate: one conversion per currency (its note says so).
    spend_not_counted: tuple[Conversion, ...] = ()

    @property
    def flagged(self) -> list[ConcentrationRow]:
        return [
            row
            for rows in (
                self.spend_by_vendor,
                self.spend_by_country,
                self.functions_by_vendor,
                self.functions_by_country,
            )
            for row in rows
            if row.flagged
        ]


def _country_name(code: str) -> str:
    return str(countries.name(code)) or code


def _share_rows(
    values: Mapping[tuple[str, str], Decimal | int],
    totals: Mapping[str, Decimal | int],
    labels: Mapping[str, str],
    url_for: Any,
    threshold: Decimal,
    *,
    counts_rows: bool,
    conversions: Mapping[str, tuple[Conversion, ...]] | None = None,
) -> list[ConcentrationRow]:
    rows = []
    for (key, currency), value in values.items():
        share = percent(value, totals[currency])
        rows.append(
            ConcentrationRow(
                key=key,
                label=labels[key],
                currency=currency,
                value=value,
                share=share,
                flagged=share is not None and share > threshold,
                drill=Drill(value, url_for(key, currency), labels[key], counts_rows=counts_rows),
                conversions=(conversions or {}).get(key, ()),
            )
        )
    return sorted(rows, key=lambda row: (-(row.share or 0), row.label, row.currency))


def concentration(
    *,
    scope: Scope,
    spend: Sequence[SpendRow],
    functions: Sequence[FunctionRow],
    serving: Sequence[ServingPair],
    today: date | None = None,
    fx: FxTable | None = None,
) -> Concentration:
    """Shares of the annual spend in the reporting currency (each vendor's and each country's spend in
    every currency converted at the latest rate on or before ``today``; a currency with no such rate is
    left out of the shares and named in ``spend_not_counted``) and of critical functions, per vendor and
    per vendor country. One query (the rates) unless ``fx`` is given."""
    threshold = concentration_threshold()
    today = today or timezone.localdate()
    fx = fx or fx_table()
    reporting = fx.reporting
    vendor_names = {str(row.vendor_id): row.vendor_name for row in spend}
    vendor_names.update({str(pair.vendor_id): pair.vendor_name for pair in serving})
    countries_seen = {row.country for row in spend} | {pair.country for pair in serving}
    country_names = {code: _country_name(code) for code in countries_seen}

    # Each vendor's (country's) spend per currency first, converted once per currency: a row's
    # tooltip names the amount of each currency and the rate it took.
    native_vendor: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    native_country: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    not_counted: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        native_vendor[str(row.vendor_id)][row.currency] += row.annual
        native_country[row.country][row.currency] += row.annual

    def converted(
        native: Mapping[str, Mapping[str, Decimal]],
    ) -> tuple[dict[tuple[str, str], Decimal], dict[str, tuple[Conversion, ...]]]:
        values: dict[tuple[str, str], Decimal] = {}
        parts: dict[str, tuple[Conversion, ...]] = {}
        for key, amounts in native.items():
            conversions = tuple(fx.convert(amount, currency, on=today) for currency, amount in sorted(amounts.items()))
            counted = [c for c in conversions if c.converted is not None]
            if counted:
                values[(key, reporting)] = _money(
                    sum((c.converted for c in counted if c.converted is not None), Decimal(0))
                )
                parts[key] = tuple(counted)
        return values, parts

    spend_vendor, vendor_parts = converted(native_vendor)
    spend_country, country_parts = converted(native_country)
    for row in spend:
        if fx.rate(row.currency, today) is None:
            not_counted[row.currency] += row.annual
    spend_total = _money(
        sum(
            (c.converted for parts in vendor_parts.values() for c in parts if c.converted is not None),
            Decimal(0),
        )
    )
    money_totals = {reporting: spend_total}

    def contracts_url(**extra: Any) -> Any:
        # Every active contract of the vendor (country) in any currency: the share adds them all up.
        return lambda key, currency: drill_url(
            "contracts:contract-list",
            scope if "vendor" not in extra else replace(scope, vendor=int(key)),
            status=ContractStatus.ACTIVE,
            **({"country": key} if "country" in extra else {}),
        )

    spend_by_vendor = _share_rows(
        spend_vendor,
        money_totals,
        vendor_names,
        contracts_url(vendor=True),
        threshold,
        counts_rows=False,
        conversions=vendor_parts,
    )
    spend_by_country = _share_rows(
        spend_country,
        money_totals,
        country_names,
        contracts_url(country=True),
        threshold,
        counts_rows=False,
        conversions=country_parts,
    )

    critical = {f.id for f in functions if f.critical}
    served_critical = {pair.function_id for pair in serving if pair.function_id in critical}
    per_vendor: dict[tuple[str, str], set[int]] = defaultdict(set)
    per_country: dict[tuple[str, str], set[int]] = defaultdict(set)
    for pair in serving:
        if pair.function_id in critical:
            # On one vendor's page only that vendor's row (the others' would need two vendor filters).
            if scope.vendor is None or pair.vendor_id == scope.vendor:
                per_vendor[(str(pair.vendor_id), "")].add(pair.function_id)
            per_country[(pair.country, "")].add(pair.function_id)
    function_totals = {"": len(served_critical)}

    def functions_url(parameter: str) -> Any:
        return lambda key, currency: drill_url(
            "functions:function-list", scope, vendor_parameter="served_by", critical="true", **{parameter: key}
        )

    return Concentration(
        threshold=threshold,
        spend_by_vendor=spend_by_vendor,
        spend_by_country=spend_by_country,
        functions_by_vendor=_share_rows(
            {key: len(ids) for key, ids in per_vendor.items()},
            function_totals,
            vendor_names,
            functions_url("served_by"),
            threshold,
            counts_rows=True,
        ),
        functions_by_country=_share_rows(
            {key: len(ids) for key, ids in per_country.items()},
            function_totals,
            country_names,
            functions_url("served_from"),
            threshold,
            counts_rows=True,
        ),
        critical_functions=len(served_critical),
        reporting_currency=reporting,
        spend_total=spend_total,
        spend_not_counted=tuple(
            fx.convert(_money(amount), currency, on=today) for currency, amount in sorted(not_counted.items())
        ),
    )


# -- the overview ------------------------------------------------------------------------------------------
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
    league: list[LeagueRow]
    league_sort: str
    matrix: SourcingMatrix
    functions: list[FunctionRow]
    heat_map: RiskHeatMap
    concentration: Concentration

    @property
    def attention_first(self) -> list[LeagueRow]:
        """The vendors that need attention most (at most ``ATTENTION_FIRST_ROWS``, a score above zero),
        whatever order the league table is in."""
        rows = (
            self.league
            if self.league_sort != LEAGUE_SORT_SCORECARD
            else sorted(self.league, key=lambda r: r.attention_order)
        )
        return [row for row in rows[:ATTENTION_FIRST_ROWS] if row.attention_score > 0]

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
            *(row.open_breaches for row in self.league),
            *(
                reason.drill
                for row in self.league
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


def portfolio_overview(
    *,
    scope: Scope,
    period: Period,
    today: date | None = None,
    user: Any = None,
    league_sort: str = LEAGUE_SORT_ATTENTION,
    league_shown: int | None = LEAGUE_TABLE_ROWS,
) -> Overview:
    """The whole overview in a fixed number of queries (about twenty-five; see ``tests/dashboards``).
    ``league_sort`` orders the league table; ``league_shown``: how many of its rows carry their reasons
    (None: all, for the CSV)."""
    today = today or timezone.localdate()
    vendors = engaged_vendors(scope=scope, user=user)
    fx = fx_table()  # the FX table is small: read once, every conversion of the page uses it
    spend = spend_rows(scope=scope, today=today, user=user, fx=fx)
    spend_amounts = spend_per_currency(spend, scope=scope, today=today, fx=fx)
    functions, serving = function_rows(scope=scope, user=user)
    spread = concentration(scope=scope, spend=spend, functions=functions, serving=serving, today=today, fx=fx)
    return Overview(
        scope=scope,
        period=period,
        today=today,
        active_vendors=active_vendor_drill(vendors, scope=scope),
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
        league=league_table(
            scope=scope,
            period=period,
            today=today,
            vendors=vendors,
            spend=spend,
            concentration_of=spread,
            fx=fx,
            sort=league_sort,
            shown=league_shown,
            user=user,
        ),
        league_sort=league_sort,
        matrix=sourcing_matrix(functions, scope=scope),
        functions=functions,
        heat_map=risk_heat_map(scope=scope, user=user),
        concentration=spread,
    )


def decision_label(decision: str) -> str:
    return str(Decision(decision).label) if decision else "Undecided"
