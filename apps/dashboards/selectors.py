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
  credits do); an open-ended contract's value counts as yearly (``OPEN_ENDED_CONTRACT_DAYS``). Master
  agreements and statements of work each count with their own value. Currencies are never added up.
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
- *Certifications expiring*: certifications expiring in the next 60 days, today included, unless a
  later one of the same vendor and kind supersedes them or their vendor has exited (the reminders'
  rule).
- *Service reviews overdue*: scheduled reviews whose date has passed, of vendors that have not exited.
- *Access findings*: unrevoked grants past their expiry or of an exited vendor
  (``access_grant_findings``).
- *Policy conflicts*: functions decided keep-in-house that an active contract covers (``function_list``).
- *Breaches by area*: breaches, retracted ones excepted, whose window ended in the 12 months up to the
  end of the period, by the SLA term's area and severity.
- *Sourcing matrix*: each function placed by strategic + sensitive (rows) against repeatable + scarce
  (columns), each sum (2–10) in one of ``MATRIX_BANDS``; the vendors serving a function are those
  with an active contract covering it.
- *Risk heat map*: risks that are not closed, by likelihood × impact.
- *Concentration*: each vendor's (and each vendor country's) share of the annual spend in each
  currency, and of the critical functions (``critical_function_condition``) that active contracts
  cover; a share above ``CONCENTRATION_THRESHOLD_PERCENT`` (setting, default 30) is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    Q,
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
from apps.functions.choices import Decision
from apps.functions.selectors import critical_function_condition, function_list
from apps.kpis.scorecards import MONTH, Period, Scorecard, league_scorecards, months_ending
from apps.vendors.choices import Geography, ReviewStatus, RiskStatus, VendorStatus
from apps.vendors.selectors import (
    access_grant_findings,
    certification_list,
    certification_superseded,
    service_review_list,
    vendor_list,
    vendor_risk_list,
)

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
    """The same rule in Python (for tests and single contracts)."""
    days = (contract.end_date - contract.start_date).days + 1 if contract.end_date else OPEN_ENDED_CONTRACT_DAYS
    return Decimal(contract.value) * DAYS_PER_YEAR / days


@dataclass(frozen=True)
class SpendRow:
    """Active contracts' annual value of one vendor, engagement model and currency."""

    vendor_id: int
    vendor_name: str
    country: str
    geography: str
    engagement_model: str
    currency: str
    annual: Decimal
    contracts: int
    next_cancel_by: date | None


def spend_rows(*, scope: Scope, today: date, user: Any = None) -> list[SpendRow]:
    """One query: active contracts in scope, grouped by vendor, engagement model and currency."""
    rows = (
        contract_list(user=user)
        .filter(status=ContractStatus.ACTIVE)
        .filter(scope.q(CONTRACT_ROW))
        .order_by()
        .values("vendor_id", "vendor__name", "vendor__country", "vendor__geography", "engagement_model", "currency")
        .annotate(
            annual=Sum(annual_value_expression()),
            contracts=Count("pk"),
            next_cancel_by=Min("cancel_by", filter=Q(cancel_by__gte=today)),
        )
    )
    return [
        SpendRow(
            vendor_id=row["vendor_id"],
            vendor_name=row["vendor__name"],
            country=str(row["vendor__country"]),
            geography=row["vendor__geography"],
            engagement_model=row["engagement_model"],
            currency=row["currency"],
            annual=row["annual"] or Decimal(0),
            contracts=row["contracts"],
            next_cancel_by=row["next_cancel_by"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Amount:
    """A sum of money in one currency, and the list of the rows summed."""

    currency: str
    amount: Decimal
    drill: Drill


def _money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def spend_per_currency(rows: Iterable[SpendRow], *, scope: Scope) -> list[Amount]:
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
        )
        for currency, total in sorted(totals.items(), key=lambda item: -item[1])
    ]


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


def certifications_expiring(*, scope: Scope, today: date, days: int = CERTIFICATION_DAYS, user: Any = None) -> Drill:
    count = (
        certification_list(user=user)
        .filter(scope.q(VENDOR_RECORD_ROW), expires_on__gte=today, expires_on__lte=today + timedelta(days=days))
        .exclude(certification_superseded())
        .exclude(vendor__status=VendorStatus.EXITED)
        .count()
    )
    url = drill_url(
        "vendors:certification-list",
        scope,
        expires_after=_iso(today),
        expires_before=_iso(today + timedelta(days=days)),
        superseded="false",
        vendor_exited="false",
    )
    return Drill(count, url, f"certifications expiring in the next {days} days")


def reviews_overdue(*, scope: Scope, today: date, user: Any = None) -> Drill:
    count = (
        service_review_list(user=user)
        .filter(scope.q(VENDOR_RECORD_ROW), status=ReviewStatus.SCHEDULED, scheduled_for__lt=today)
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


def access_findings(*, scope: Scope, today: date, user: Any = None) -> Drill:
    count = access_grant_findings(as_of=today, user=user).filter(scope.q(VENDOR_RECORD_ROW)).count()
    return Drill(count, drill_url("vendors:access-list", scope, has_findings="true"), "open access-grant findings")


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


@dataclass(frozen=True)
class LeagueRow:
    rank: int | None  # None: not scored this month
    vendor: VendorRow
    scorecard: Scorecard | None
    open_breaches: Drill
    next_cancel_by: date | None
    next_cancel_by_url: str
    performance_url: str

    @property
    def score(self) -> Decimal | None:
        return self.scorecard.score if self.scorecard else None


def league_table(
    *,
    scope: Scope,
    period: Period,
    today: date,
    vendors: Sequence[VendorRow] | None = None,
    spend: Sequence[SpendRow] | None = None,
    user: Any = None,
) -> list[LeagueRow]:
    """The vendors in scope that deliver work (piloting, active or offboarding) ranked by their
    scorecard for ``period`` (best first; vendors not scored that month last, by name), with their open
    breaches and next cancel-by date. Seven queries (four of them the scorecards of every vendor at
    once, ``league_scorecards``: one when they are cached); five when the overview passes the vendors and
    contracts it read already."""
    vendors = engaged_vendors(scope=scope, user=user) if vendors is None else vendors
    if not vendors:
        return []
    spend = spend_rows(scope=scope, today=today, user=user) if spend is None else spend
    scorecards = league_scorecards(period=Period(period.start, MONTH), vendor_ids=[v.id for v in vendors])
    open_breaches = open_breaches_per_vendor(scope=scope, user=user)
    next_cancel_by: dict[int, date] = {}
    for row in spend:
        if row.next_cancel_by and (
            row.vendor_id not in next_cancel_by or row.next_cancel_by < next_cancel_by[row.vendor_id]
        ):
            next_cancel_by[row.vendor_id] = row.next_cancel_by

    def sort_key(vendor: VendorRow) -> tuple[int, Decimal, str]:
        scorecard = scorecards.get(vendor.id)
        score = scorecard.score if scorecard else None
        return (0, -score, vendor.name) if score is not None else (1, Decimal(0), vendor.name)

    rows = []
    rank = 0
    for vendor in sorted(vendors, key=sort_key):
        scorecard = scorecards.get(vendor.id)
        scored = scorecard is not None and scorecard.score is not None
        rank += 1 if scored else 0
        one = replace(scope, vendor=vendor.id)
        rows.append(
            LeagueRow(
                rank=rank if scored else None,
                vendor=vendor,
                scorecard=scorecard,
                open_breaches=Drill(
                    open_breaches.get(vendor.id, 0),
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
                performance_url=reverse("vendors:vendor-tab", args=[vendor.id, "performance"])
                + f"?period={period.key}",
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
    currency: str  # "" for critical functions
    value: Decimal | int
    share: Decimal | None
    flagged: bool
    drill: Drill


@dataclass(frozen=True)
class Concentration:
    threshold: Decimal
    spend_by_vendor: list[ConcentrationRow]
    spend_by_country: list[ConcentrationRow]
    functions_by_vendor: list[ConcentrationRow]
    functions_by_country: list[ConcentrationRow]
    critical_functions: int  # critical functions in scope that an active contract covers

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
            )
        )
    return sorted(rows, key=lambda row: (-(row.share or 0), row.label, row.currency))


def concentration(
    *, scope: Scope, spend: Sequence[SpendRow], functions: Sequence[FunctionRow], serving: Sequence[ServingPair]
) -> Concentration:
    """Shares of spend (per currency) and of critical functions, per vendor and per vendor country."""
    threshold = concentration_threshold()
    vendor_names = {str(row.vendor_id): row.vendor_name for row in spend}
    vendor_names.update({str(pair.vendor_id): pair.vendor_name for pair in serving})
    countries_seen = {row.country for row in spend} | {pair.country for pair in serving}
    country_names = {code: _country_name(code) for code in countries_seen}

    spend_vendor: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    spend_country: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    currency_totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        spend_vendor[(str(row.vendor_id), row.currency)] += row.annual
        spend_country[(row.country, row.currency)] += row.annual
        currency_totals[row.currency] += row.annual

    def contracts_url(**extra: Any) -> Any:
        return lambda key, currency: drill_url(
            "contracts:contract-list",
            scope if "vendor" not in extra else replace(scope, vendor=int(key)),
            status=ContractStatus.ACTIVE,
            currency=currency,
            **({"country": key} if "country" in extra else {}),
        )

    money_totals = {currency: _money(total) for currency, total in currency_totals.items()}
    spend_by_vendor = _share_rows(
        {key: _money(value) for key, value in spend_vendor.items()},
        money_totals,
        vendor_names,
        contracts_url(vendor=True),
        threshold,
        counts_rows=False,
    )
    spend_by_country = _share_rows(
        {key: _money(value) for key, value in spend_country.items()},
        money_totals,
        country_names,
        contracts_url(country=True),
        threshold,
        counts_rows=False,
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
    )


# -- the overview ------------------------------------------------------------------------------------------
@dataclass
class Overview:
    """Everything the portfolio overview shows, for one scope and period."""

    scope: Scope
    period: Period
    today: date
    active_vendors: Drill
    spend: list[Amount]
    compliance: Compliance
    breaches: Breaches
    renewals: Drill
    certifications: Drill
    reviews_overdue: Drill
    access_findings: Drill
    policy_conflicts: Drill
    spend_by_geography: list[Breakdown]
    spend_by_engagement: list[Breakdown]
    league: list[LeagueRow]
    matrix: SourcingMatrix
    functions: list[FunctionRow]
    heat_map: RiskHeatMap
    concentration: Concentration

    def drills(self) -> list[Drill]:
        """Every number on the page that leads to a list (tests check each list's count)."""
        found = [
            self.active_vendors,
            *(a.drill for a in self.spend),
            self.compliance.current.without_data_drill,
            *(m.drill for m in self.compliance.months),
            self.compliance.at_risk,
            self.breaches.open_total,
            *(s.drill for s in self.breaches.open_by_severity),
            *(a.drill for a in self.breaches.credits),
            *(area.drill for area in self.breaches.by_area),
            *(s.drill for area in self.breaches.by_area for s in area.by_severity),
            self.renewals,
            self.certifications,
            self.reviews_overdue,
            self.access_findings,
            self.policy_conflicts,
            *(s.drill for b in self.spend_by_geography + self.spend_by_engagement for s in b.segments),
            *(row.open_breaches for row in self.league),
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


def portfolio_overview(*, scope: Scope, period: Period, today: date | None = None, user: Any = None) -> Overview:
    """The whole overview in a fixed number of queries (about fifteen; see ``tests/dashboards``)."""
    today = today or timezone.localdate()
    vendors = engaged_vendors(scope=scope, user=user)
    spend = spend_rows(scope=scope, today=today, user=user)
    functions, serving = function_rows(scope=scope, user=user)
    return Overview(
        scope=scope,
        period=period,
        today=today,
        active_vendors=active_vendor_drill(vendors, scope=scope),
        spend=spend_per_currency(spend, scope=scope),
        compliance=sla_compliance(scope=scope, period=period, user=user),
        breaches=breach_summary(scope=scope, period=period, user=user),
        renewals=renewals_due(scope=scope, today=today, user=user),
        certifications=certifications_expiring(scope=scope, today=today, user=user),
        reviews_overdue=reviews_overdue(scope=scope, today=today, user=user),
        access_findings=access_findings(scope=scope, today=today, user=user),
        policy_conflicts=policy_conflict_drill(functions, scope=scope),
        spend_by_geography=spend_breakdown(spend, by="geography", scope=scope),
        spend_by_engagement=spend_breakdown(spend, by="engagement_model", scope=scope),
        league=league_table(scope=scope, period=period, today=today, vendors=vendors, spend=spend, user=user),
        matrix=sourcing_matrix(functions, scope=scope),
        functions=functions,
        heat_map=risk_heat_map(scope=scope, user=user),
        concentration=concentration(scope=scope, spend=spend, functions=functions, serving=serving),
    )


def decision_label(decision: str) -> str:
    return str(Decision(decision).label) if decision else "Undecided"
