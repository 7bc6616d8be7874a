"""The attention ranking: one number per vendor that says how much it needs the CTO's attention now, the
reasons behind it, and what the vendor costs.

The score is a weighted sum of what is wrong with the vendor today (every weight is a named setting,
``ATTENTION_WEIGHTS``; ``DEFAULT_ATTENTION_WEIGHTS`` holds the defaults and the names):

==============================  =====  =============================================================
weight                          default what it counts
==============================  =====  =============================================================
``breach_critical``             10     each open (open or acknowledged) critical breach
``breach_major``                5      each open major breach
``breach_minor``                2      each open minor breach
``credits_per_thousand``        1      per 1,000 of the reporting currency of service credits owed
``standing_critical``           8      the scorecard's standing is the worst one ("Critical")
``standing_needs_attention``    4      the standing just above it ("Needs attention")
``falling_trend``               2      the scorecard fell by ``ATTENTION_FALLING_TREND_POINTS`` or more
``high_risk``                   3      each risk not closed scoring ``HIGH_RISK_SCORE`` or more
``access_finding_high``         3      each high-severity access finding (one per rule a grant breaks)
``access_finding_medium``       1      each medium-severity access finding
``roster_finding_high``         4      each open roster finding of a grave kind: unapproved swap, leaver
                                       with live access (``apps.roster.findings``)
``roster_finding_medium``       2      each open roster finding of another kind: seniority drift,
                                       understaffed, unlisted contributor, key person inactive
``expired_certification``       3      each certification expired and not renewed
``cancel_by_30_days``           4      each active contract whose cancel-by date is in 0–30 days
``cancel_by_90_days``           2      each active contract whose cancel-by date is in 31–90 days
``open_override``               3      each gate override not yet cleared, of the vendor or a contract
``expired_policy_exception``    3      each policy exception past its review date and not closed
``spend_share``                 3      the vendor's share of annual spend is above the threshold
``hidden_cost``                 2      over the league table's 12 months, the vendor's effective hourly
                                       rate (TCO ÷ billed hours) is at least ``COST_HIDDEN_RATIO``
                                       (default 1.5) × its billed rate (invoiced ÷ billed hours):
                                       management, rework and delay add half again to what it bills
==============================  =====  =============================================================

Only ``hidden_cost`` reads the total cost of ownership (``apps.costs``), and only when the caller passes
each vendor's costs (``costs``; the league table does, for its window). The cost-adjusted score adds no
weight: it is relative to the vendors shown (it moves with the filters) and made of the scorecard, whose
standing and trend are weighed already.

Everything is read set-based, for every vendor in scope at once (a fixed number of queries whatever
the size of the portfolio); the reasons and their links are built only for the rows a page shows.
Money counts in the reporting currency (``REPORTING_CURRENCY``): an amount without an FX rate is
left out of the score and of the cost, and its reason says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Case, Count, F, OuterRef, Q, Subquery, Sum, When
from django.urls import reverse

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.contracts.scope import CONTRACT_ROW, TERM_ROW, VENDOR_RECORD_ROW, VENDOR_ROW
from apps.contracts.selectors import contracts_renewing_within
from apps.core.fx import FxTable, fx_table
from apps.core.models import PolicyException, StatusChange
from apps.core.rollups import READ_BY_ID
from apps.dashboards.scope import Drill, Scope, drill_url, iso_day
from apps.dashboards.tiles.breaches import CREDIT_BREACH_STATUSES, OPEN_BREACH_STATUSES
from apps.dashboards.tiles.concentration import Share
from apps.dashboards.tiles.risks import OPEN_RISK_STATUSES
from apps.dashboards.tiles.spend import SpendRow
from apps.functions.models import Function
from apps.performance.choices import Severity
from apps.performance.scorecards import Scorecard
from apps.performance.selectors import breach_list
from apps.roster.choices import FindingKind
from apps.roster.findings import HIGH_KINDS, open_roster_findings_per_vendor
from apps.vendors.findings import RULES, FindingSeverity
from apps.vendors.models import Vendor
from apps.vendors.selectors import (
    access_findings_per_vendor,
    certifications_to_renew,
    vendor_list,
    vendor_risk_list,
)

DEFAULT_ATTENTION_WEIGHTS: dict[str, int | float | str] = {
    "breach_critical": 10,
    "breach_major": 5,
    "breach_minor": 2,
    "credits_per_thousand": 1,
    "standing_critical": 8,
    "standing_needs_attention": 4,
    "falling_trend": 2,
    "high_risk": 3,
    "access_finding_high": 3,
    "access_finding_medium": 1,
    "roster_finding_high": 4,
    "roster_finding_medium": 2,
    "expired_certification": 3,
    "cancel_by_30_days": 4,
    "cancel_by_90_days": 2,
    "open_override": 3,
    "expired_policy_exception": 3,
    "spend_share": 3,
    "hidden_cost": 2,
}
# A scorecard "falls" when it lost at least this many points against the month before: the league
# table's ▼ (a smaller move is "flat" there, ``apps.performance.scorecards.TREND_FLAT_POINTS``).
DEFAULT_FALLING_TREND_POINTS = Decimal("1")
# A risk this high (likelihood × impact, 1–25) is a high risk: counted here, named on the vendor 360.
HIGH_RISK_SCORE = 15
# A vendor's cost is "hidden" when its effective hourly rate is at least this many times its billed rate
# (``COST_HIDDEN_RATIO``).
DEFAULT_COST_HIDDEN_RATIO = Decimal("1.5")
# Cancel-by windows: the nearer one weighs more.
CANCEL_BY_SOON_DAYS = 30
CANCEL_BY_DAYS = 90
# Reasons whose rows the vendor 360 lists (there is no list page of overrides and exceptions).
VENDOR_PAGE_REASONS = ("open_override", "expired_policy_exception", "roster_finding_high", "roster_finding_medium")
# How many reasons a league-table row states.
TOP_REASONS = 3
CREDITS_UNIT = Decimal(1000)
POINTS_PLACES = Decimal("0.1")
# Scorecard standings are settings (``SCORECARD_STANDINGS``): the worst one looks "bad", the one above it
# "warn" — the attention ranking reads the tone, so renaming a standing keeps its weight.
STANDING_TONE_WEIGHTS = {"bad": "standing_critical", "warn": "standing_needs_attention"}


def attention_weights() -> dict[str, Decimal]:
    """``ATTENTION_WEIGHTS`` over the defaults (a setting may name only the weights it changes)."""
    configured = getattr(settings, "ATTENTION_WEIGHTS", {}) or {}
    unknown = set(configured) - set(DEFAULT_ATTENTION_WEIGHTS)
    if unknown:
        raise ValueError(f"ATTENTION_WEIGHTS names unknown weights: {', '.join(sorted(unknown))}.")
    return {name: Decimal(str(configured.get(name, default))) for name, default in DEFAULT_ATTENTION_WEIGHTS.items()}


def falling_trend_points() -> Decimal:
    return Decimal(str(getattr(settings, "ATTENTION_FALLING_TREND_POINTS", DEFAULT_FALLING_TREND_POINTS)))


def cost_hidden_ratio() -> Decimal:
    return Decimal(str(getattr(settings, "COST_HIDDEN_RATIO", DEFAULT_COST_HIDDEN_RATIO)))


def reporting_currency() -> str:
    return str(getattr(settings, "REPORTING_CURRENCY", "EUR"))


def _points(value: Decimal) -> Decimal:
    return value.quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)


# -- money in the reporting currency ----------------------------------------------------------------------
@dataclass(frozen=True)
class Money:
    """A sum in the reporting currency, and what could not be converted (no FX rate), per currency."""

    currency: str
    amount: Decimal = Decimal(0)
    unconverted: tuple[tuple[str, Decimal], ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unconverted

    def __bool__(self) -> bool:
        return bool(self.amount) or bool(self.unconverted)


def _to_reporting(
    amounts: Mapping[str, Decimal], *, on: date, converter: Callable[[Decimal, str, date], Decimal | None]
) -> Money:
    currency = reporting_currency()
    total, missing = Decimal(0), []
    for code, amount in sorted(amounts.items()):
        if not amount:
            continue
        converted = converter(amount, code, on)
        if converted is None:
            missing.append((code, amount))
        else:
            total += converted
    return Money(currency, total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), tuple(missing))


def fx_converter(table: FxTable) -> Callable[[Decimal, str, date], Decimal | None]:
    """``(amount, currency, day) → amount in the reporting currency or None`` (no rate on or before the
    day): the FX table's rule, from rates read once for the whole ranking."""

    def convert(amount: Decimal, currency: str, on: date) -> Decimal | None:
        return table.converted(amount, currency, on=on)

    return convert


class Rates(Protocol):
    """What the ranking reads of a vendor's cost (``apps.costs.ledger_rollup.VendorCost``, or the ledger's
    ``LedgerTotals``)."""

    @property
    def effective_rate(self) -> Decimal | None: ...

    @property
    def billed_rate(self) -> Decimal | None: ...


# -- the facts -------------------------------------------------------------------------------------------
@dataclass
class VendorFacts:
    """What the score is made of, for one vendor (counts and amounts, no points yet)."""

    vendor_id: int
    open_breaches: dict[str, int] = field(default_factory=dict)  # severity → count
    credits: Money = field(default_factory=lambda: Money(reporting_currency()))
    scorecard: Scorecard | None = None
    high_risks: int = 0
    access_findings: dict[str, int] = field(default_factory=dict)  # "high" / "medium" → grants
    roster_findings: dict[str, int] = field(default_factory=dict)  # finding kind → open findings
    expired_certifications: int = 0
    cancel_by_soon: int = 0  # within CANCEL_BY_SOON_DAYS
    cancel_by_later: int = 0  # after that, within CANCEL_BY_DAYS
    open_overrides: int = 0
    expired_exceptions: int = 0
    spend: Money = field(default_factory=lambda: Money(reporting_currency()))
    spend_share: Decimal | None = None  # percent of the portfolio's annual spend
    spend_flagged: bool = False
    # The total cost of ownership over ``cost_window`` (first and last month), when the caller read it.
    effective_rate: Decimal | None = None  # TCO ÷ billed hours
    billed_rate: Decimal | None = None  # invoiced ÷ billed hours
    cost_window: tuple[date, date] | None = None

    @property
    def rate_ratio(self) -> Decimal | None:
        """Effective ÷ billed rate (None without both, or a billed rate of zero or less)."""
        if self.effective_rate is None or self.billed_rate is None or self.billed_rate <= 0:
            return None
        return self.effective_rate / self.billed_rate

    @property
    def cost_hidden(self) -> bool:
        ratio = self.rate_ratio
        return ratio is not None and ratio >= cost_hidden_ratio()

    @property
    def open_breach_total(self) -> int:
        return sum(self.open_breaches.values())

    def roster_kinds(self, *, high: bool) -> dict[str, int]:
        """The open roster findings of the grave kinds (``high``) or of the others: kind → count."""
        return {kind: n for kind, n in self.roster_findings.items() if (kind in HIGH_KINDS) == high}


@dataclass(frozen=True)
class Part:
    """One weighted component: its weight's name, how many (or how much), and the points it adds."""

    key: str
    quantity: Decimal
    weight: Decimal
    points: Decimal


@dataclass(frozen=True)
class Reason:
    """A part of the score said in words, and the rows behind it."""

    key: str
    points: Decimal
    text: str
    drill: Drill
    basis: str = ""  # how the points come about: "3 × 10", "7.6 thousand × 1", "8"

    @property
    def on_list_page(self) -> bool:
        """Whether the link opens a list page whose row count is the reason's number (the overrides and
        exceptions are listed on the vendor 360; money and scorecards are not counts)."""
        return self.drill.counts_rows and self.key not in VENDOR_PAGE_REASONS


@dataclass(frozen=True)
class VendorAttention:
    """A vendor's attention score, its parts (largest first) and, once built, its reasons."""

    facts: VendorFacts
    parts: tuple[Part, ...]
    score: Decimal
    reasons: tuple[Reason, ...] = ()

    @property
    def vendor_id(self) -> int:
        return self.facts.vendor_id

    @property
    def top_reasons(self) -> tuple[Reason, ...]:
        return self.reasons[:TOP_REASONS]

    @property
    def more_reasons(self) -> int:
        return max(0, len(self.reasons) - TOP_REASONS)

    @property
    def sentence(self) -> str:
        return reasons_sentence(self.top_reasons)


# Ties between parts of equal points: the order of the table above (the graver kind first).
PART_ORDER = {name: index for index, name in enumerate(DEFAULT_ATTENTION_WEIGHTS)}


def score_parts(facts: VendorFacts, weights: Mapping[str, Decimal]) -> tuple[Part, ...]:
    """The weighted parts of ``facts`` that add points, largest first."""
    quantities: dict[str, Decimal] = {
        "breach_critical": Decimal(facts.open_breaches.get(Severity.CRITICAL, 0)),
        "breach_major": Decimal(facts.open_breaches.get(Severity.MAJOR, 0)),
        "breach_minor": Decimal(facts.open_breaches.get(Severity.MINOR, 0)),
        "credits_per_thousand": facts.credits.amount / CREDITS_UNIT,
        "high_risk": Decimal(facts.high_risks),
        "access_finding_high": Decimal(facts.access_findings.get("high", 0)),
        "access_finding_medium": Decimal(facts.access_findings.get("medium", 0)),
        "roster_finding_high": Decimal(sum(facts.roster_kinds(high=True).values())),
        "roster_finding_medium": Decimal(sum(facts.roster_kinds(high=False).values())),
        "expired_certification": Decimal(facts.expired_certifications),
        "cancel_by_30_days": Decimal(facts.cancel_by_soon),
        "cancel_by_90_days": Decimal(facts.cancel_by_later),
        "open_override": Decimal(facts.open_overrides),
        "expired_policy_exception": Decimal(facts.expired_exceptions),
        "spend_share": Decimal(1 if facts.spend_flagged else 0),
        "hidden_cost": Decimal(1 if facts.cost_hidden else 0),
    }
    card = facts.scorecard
    if card is not None and card.standing is not None and card.standing.tone in STANDING_TONE_WEIGHTS:
        quantities[STANDING_TONE_WEIGHTS[card.standing.tone]] = Decimal(1)
    if card is not None and card.delta is not None and -card.delta >= falling_trend_points():
        quantities["falling_trend"] = Decimal(1)
    parts = [
        Part(key, quantity, weights[key], _points(quantity * weights[key]))
        for key, quantity in quantities.items()
        if quantity > 0 and weights[key] > 0
    ]
    parts = [part for part in parts if part.points > 0]
    if facts.credits.unconverted and not any(part.key == "credits_per_thousand" for part in parts):
        # Credits owed only in currencies without an FX rate add nothing, but are still said.
        weight = weights["credits_per_thousand"]
        parts.append(Part("credits_per_thousand", Decimal(0), weight, Decimal(0)))
    return tuple(sorted(parts, key=lambda part: (-part.points, PART_ORDER[part.key])))


def score_of(facts: VendorFacts, weights: Mapping[str, Decimal] | None = None) -> VendorAttention:
    parts = score_parts(facts, weights if weights is not None else attention_weights())
    return VendorAttention(facts=facts, parts=parts, score=sum((part.points for part in parts), Decimal(0)))


# -- reads (one query each, every vendor at once) ---------------------------------------------------------------
# Each part's rows come from one query builder, read here for the vendors a page shows (``only``) and
# embedded whole in the league's one ranking statement (``apps.dashboards.ranking``).
def _only(rows: Any, lookup: str, only: Sequence[int] | None) -> Any:
    return rows if only is None else rows.filter(**{f"{lookup}__in": list(only)})


def breach_rows(*, scope: Scope, user: Any, only: Sequence[int] | None = None) -> Any:
    """Breaches open or owing credits, counted per vendor, status, severity and currency: rows of
    ``(vendor, status, severity, currency, n, credits)``."""
    rows = breach_list(user=user).filter(scope.q(TERM_ROW), status__in=CREDIT_BREACH_STATUSES)
    return (
        _only(rows, "term__contract__vendor_id", only)
        .order_by()
        .values("term__contract__vendor_id", "status", "severity", "currency")
        .annotate(n=Count("pk"), credits=Sum("credit_amount"))
    )


def high_risk_rows(*, scope: Scope, user: Any, only: Sequence[int] | None = None) -> Any:
    """Open risks scoring ``HIGH_RISK_SCORE`` or more per vendor: ``(vendor_id, n)``."""
    rows = vendor_risk_list(user=user).filter(
        scope.q(VENDOR_RECORD_ROW),
        status__in=OPEN_RISK_STATUSES,
        risk_score__gte=HIGH_RISK_SCORE,  # type: ignore[misc]  # an annotation
    )
    return _only(rows, "vendor_id", only).order_by().values("vendor_id").annotate(n=Count("pk"))


def expired_certification_rows(*, scope: Scope, today: date, user: Any, only: Sequence[int] | None = None) -> Any:
    """Certifications past their expiry that still need a renewal (the overview's tile's rule) per
    vendor: ``(vendor_id, n)``."""
    rows = certifications_to_renew(as_of=today, within_days=-1, user=user).filter(scope.q(VENDOR_RECORD_ROW))
    return _only(rows, "vendor_id", only).order_by().values("vendor_id").annotate(n=Count("pk"))


def cancel_by_rows(*, scope: Scope, today: date, user: Any, only: Sequence[int] | None = None) -> Any:
    """Active contracts whose cancel-by date is near, per vendor: ``(vendor_id, soon, later)``."""
    soon = today + timedelta(days=CANCEL_BY_SOON_DAYS)
    rows = contracts_renewing_within(as_of=today, days=CANCEL_BY_DAYS, user=user).filter(scope.q(CONTRACT_ROW))
    return (
        _only(rows, "vendor_id", only)
        .order_by()
        .values("vendor_id")
        .annotate(soon=Count("pk", filter=Q(cancel_by__lte=soon)), later=Count("pk", filter=Q(cancel_by__gt=soon)))
    )


def override_rows(*, scope: Scope, user: Any, only: Sequence[int] | None = None) -> Any:
    """Open gate overrides per vendor: ``(subject_vendor, n)``."""
    rows = open_overrides_query(scope=scope, user=user)
    return _only(rows, "subject_vendor", only).order_by().values("subject_vendor").annotate(n=Count("pk"))


def _breaches(
    facts: dict[int, VendorFacts],
    *,
    scope: Scope,
    today: date,
    converter: Callable[[Decimal, str, date], Decimal | None],
    user: Any,
    only: Sequence[int] | None,
) -> None:
    """One query: open breaches by severity and credits owed by currency, per vendor."""
    credits: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in breach_rows(scope=scope, user=user, only=only):
        vendor = facts.get(row["term__contract__vendor_id"])
        if vendor is None:
            continue
        if row["status"] in OPEN_BREACH_STATUSES:
            vendor.open_breaches[row["severity"]] = vendor.open_breaches.get(row["severity"], 0) + row["n"]
        credits[vendor.vendor_id][row["currency"]] += row["credits"] or Decimal(0)
    for vendor_id, amounts in credits.items():
        facts[vendor_id].credits = _to_reporting(amounts, on=today, converter=converter)


def _high_risks(facts: dict[int, VendorFacts], *, scope: Scope, user: Any, only: Sequence[int] | None) -> None:
    for row in high_risk_rows(scope=scope, user=user, only=only):
        if row["vendor_id"] in facts:
            facts[row["vendor_id"]].high_risks = row["n"]


def _expired_certifications(
    facts: dict[int, VendorFacts], *, scope: Scope, today: date, user: Any, only: Sequence[int] | None
) -> None:
    for row in expired_certification_rows(scope=scope, today=today, user=user, only=only):
        if row["vendor_id"] in facts:
            facts[row["vendor_id"]].expired_certifications = row["n"]


def _cancel_by(
    facts: dict[int, VendorFacts], *, scope: Scope, today: date, user: Any, only: Sequence[int] | None
) -> None:
    for row in cancel_by_rows(scope=scope, today=today, user=user, only=only):
        if row["vendor_id"] in facts:
            facts[row["vendor_id"]].cancel_by_soon = row["soon"]
            facts[row["vendor_id"]].cancel_by_later = row["later"]


def open_overrides_query(*, scope: Scope, user: Any = None) -> Any:
    """Gate overrides not yet cleared whose subject is a vendor in scope or one of its contracts,
    annotated with that vendor (``subject_vendor``)."""
    vendor_type = ContentType.objects.get_for_model(Vendor)
    contract_type = ContentType.objects.get_for_model(Contract)
    contract_vendor = Contract.objects.filter(pk=OuterRef("object_id")).values("vendor_id")[:1]
    in_scope = vendor_list(user=user).filter(scope.q(VENDOR_ROW)).values("pk")
    return (
        StatusChange.objects.filter(cleared_on__isnull=True, content_type__in=(vendor_type, contract_type))
        .exclude(overridden=[])
        .annotate(
            subject_vendor=Case(
                When(content_type=vendor_type, then=F("object_id")),
                default=Subquery(contract_vendor),
                output_field=BigIntegerField(),
            )
        )
        .filter(subject_vendor__in=in_scope)
    )


def _overrides(facts: dict[int, VendorFacts], *, scope: Scope, user: Any, only: Sequence[int] | None) -> None:
    for row in override_rows(scope=scope, user=user, only=only):
        if row["subject_vendor"] in facts:
            facts[row["subject_vendor"]].open_overrides = row["n"]


def expired_exception_queries(*, scope: Scope, today: date, user: Any) -> tuple[Any, Any, Any]:
    """What ``expired_exceptions_per_vendor`` reads: the expired exceptions about a contract of a vendor
    in scope, ``(subject_vendor, pk)``; the (vendor, function) pairs of the vendors' active contracts
    covering a function with an expired exception, ``(vendor_id, function_id)``; and those exceptions,
    ``(pk, object_id)``."""
    expired = PolicyException.objects.filter(closed_on__isnull=True, review_on__lt=today)
    contract_type = ContentType.objects.get_for_model(Contract)
    function_type = ContentType.objects.get_for_model(Function)
    in_scope = vendor_list(user=user).filter(scope.q(VENDOR_ROW)).values("pk")
    contract_vendor = Contract.objects.filter(pk=OuterRef("object_id")).values("vendor_id")[:1]
    about_contracts = (
        expired.filter(content_type=contract_type)
        .annotate(subject_vendor=Subquery(contract_vendor, output_field=BigIntegerField()))
        .filter(subject_vendor__in=in_scope)
        .order_by()
        .values_list("subject_vendor", "pk")
    )
    about_functions = expired.filter(content_type=function_type)
    pairs = (
        Contract.functions.through.objects.filter(
            contract__status=ContractStatus.ACTIVE,
            contract__vendor__in=in_scope,
            function_id__in=about_functions.values("object_id"),
        )
        .order_by()
        .values_list("contract__vendor_id", "function_id")
        .distinct()
    )
    return about_contracts, pairs, about_functions.order_by().values_list("pk", "object_id")


def expired_exceptions_per_vendor(*, scope: Scope, today: date, user: Any = None) -> dict[int, set[int]]:
    """Two queries: the policy exceptions past their review date and not closed, per vendor in scope —
    those about one of its contracts, and those about a function one of its active contracts covers."""
    about_contracts, about_functions, function_exceptions = expired_exception_queries(
        scope=scope, today=today, user=user
    )
    found: dict[int, set[int]] = defaultdict(set)
    for vendor_id, pk in about_contracts:
        found[vendor_id].add(pk)
    pairs = list(about_functions)
    if pairs:
        by_function: dict[int, list[int]] = defaultdict(list)
        for pk, function_id in function_exceptions.filter(object_id__in={f for _, f in pairs}):
            by_function[function_id].append(pk)
        for vendor_id, function_id in pairs:
            found[vendor_id].update(by_function[function_id])
    return found


def _vendor_ids(scope: Scope, only: Sequence[int] | None) -> list[int] | None:
    """The vendors whose findings to read: those of ``only``, else the scope's one vendor, else all."""
    if only is not None:
        return [pk for pk in only if scope.vendor is None or pk == scope.vendor]
    return [scope.vendor] if scope.vendor is not None else None


def _access_findings(facts: dict[int, VendorFacts], *, scope: Scope, today: date, only: Sequence[int] | None) -> None:
    """Findings (one per rule a grant breaks) by severity. A vendor's findings are all of its grants', so
    the scope only chooses vendors; one vendor's page asks for that vendor's alone."""
    vendor_ids = _vendor_ids(scope, only)
    for vendor_id, by_severity in access_findings_per_vendor(vendor_ids=vendor_ids, today=today).items():
        if vendor_id in facts:
            facts[vendor_id].access_findings = dict(by_severity)


def _roster_findings(facts: dict[int, VendorFacts], *, scope: Scope, only: Sequence[int] | None) -> None:
    """One query: the open roster findings per vendor and kind. Like the access findings, a vendor's
    roster findings are all of its team's: the scope only chooses vendors."""
    for vendor_id, by_kind in open_roster_findings_per_vendor(vendor_ids=_vendor_ids(scope, only)).items():
        if vendor_id in facts:
            facts[vendor_id].roster_findings = dict(by_kind)


def _spend(
    facts: dict[int, VendorFacts],
    *,
    spend: Sequence[SpendRow],
    shares: Mapping[int, Share] | None,
    today: date,
    converter: Callable[[Decimal, str, date], Decimal | None],
) -> None:
    amounts: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in spend:
        if row.vendor_id in facts:
            amounts[row.vendor_id][row.currency] += row.annual
    for vendor_id, by_currency in amounts.items():
        facts[vendor_id].spend = _to_reporting(by_currency, on=today, converter=converter)
    if shares is None:
        return
    currency = reporting_currency()
    for vendor in facts.values():
        share = shares.get(vendor.vendor_id)
        # The share of the portfolio's spend in the reporting currency (the concentration's one figure).
        if share is not None and share.share is not None and share.currency in (currency, ""):
            vendor.spend_share = share.share
            vendor.spend_flagged = share.flagged


def attention_scores(
    *,
    vendor_ids: Iterable[int],
    scope: Scope,
    today: date,
    scorecards: Mapping[int, Scorecard | None],
    spend: Sequence[SpendRow],
    spend_shares: Mapping[int, Share] | None,
    weights: Mapping[str, Decimal] | None = None,
    fx: FxTable | None = None,
    overrides: Mapping[int, int] | None = None,
    expired_exceptions: Mapping[int, set[int]] | None = None,
    costs: Mapping[int, Rates] | None = None,
    cost_window: tuple[date, date] | None = None,
    user: Any = None,
) -> dict[int, VendorAttention]:
    """The score of each of ``vendor_ids`` (the vendors in ``scope``): a fixed number of queries for any
    number of vendors. ``spend`` (the vendors' spend rows) and ``spend_shares`` (each vendor's row of the
    concentration panel's spend by vendor) are the caller's (the vendor's share is of the portfolio the
    caller looks at); ``scorecards`` the period's. ``overrides`` (open overrides per
    vendor) and ``expired_exceptions`` (their ids per vendor) when the caller has read them already.
    ``costs``: each vendor's total cost of ownership over ``cost_window`` (its first and last month), for
    ``hidden_cost``; without it that weight adds nothing."""
    facts = {pk: VendorFacts(pk, scorecard=scorecards.get(pk)) for pk in vendor_ids}
    if not facts:
        return {}
    converter = fx_converter(fx if fx is not None else fx_table())
    # A page's few vendors are read by id (up to READ_BY_ID, the rollups' rule); a portfolio's whole (a
    # list of 20,000 ids costs more).
    only = sorted(facts) if len(facts) <= READ_BY_ID else None
    _breaches(facts, scope=scope, today=today, converter=converter, user=user, only=only)
    _high_risks(facts, scope=scope, user=user, only=only)
    _access_findings(facts, scope=scope, today=today, only=only)
    _roster_findings(facts, scope=scope, only=only)
    _expired_certifications(facts, scope=scope, today=today, user=user, only=only)
    _cancel_by(facts, scope=scope, today=today, user=user, only=only)
    if overrides is None:
        _overrides(facts, scope=scope, user=user, only=only)
    else:
        for vendor_id, n in overrides.items():
            if vendor_id in facts:
                facts[vendor_id].open_overrides = n
    if expired_exceptions is None:
        expired_exceptions = expired_exceptions_per_vendor(scope=scope, today=today, user=user)
    for vendor_id, exceptions in expired_exceptions.items():
        if vendor_id in facts:
            facts[vendor_id].expired_exceptions = len(exceptions)
    _spend(facts, spend=spend, shares=spend_shares, today=today, converter=converter)
    for vendor_id, cost in (costs or {}).items():
        if vendor_id in facts:
            facts[vendor_id].effective_rate = cost.effective_rate
            facts[vendor_id].billed_rate = cost.billed_rate
            facts[vendor_id].cost_window = cost_window
    chosen = weights if weights is not None else attention_weights()
    return {pk: score_of(vendor, chosen) for pk, vendor in facts.items()}


# -- reasons ------------------------------------------------------------------------------------------------
def _plural(n: int | Decimal, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


def _unconverted(money: Money) -> str:
    if money.complete:
        return ""
    left_out = ", ".join(format_money(amount, currency) for currency, amount in money.unconverted)
    return f" (+ {left_out} not counted: no FX rate)"


def build_reasons(
    attention: VendorAttention, *, vendor_name: str, scope: Scope, today: date, performance_url: str
) -> VendorAttention:
    """``attention`` with its reasons: each part said in words with the list of exactly its rows (on a
    vendor's own scope: ``scope`` narrowed to the vendor)."""
    facts, one = attention.facts, replace(scope, vendor=attention.vendor_id)
    open_statuses = list(OPEN_BREACH_STATUSES)
    reasons = []
    for part in attention.parts:
        n = int(part.quantity)
        key = part.key
        if key.startswith("breach_"):
            severity = Severity(key.removeprefix("breach_"))
            text = _plural(n, f"open {severity.label.lower()} breach", f"open {severity.label.lower()} breaches")
            drill = Drill(
                n,
                drill_url("performance:breach-list", one, status=open_statuses, severity=severity),
                f"open {severity.label.lower()} breaches of {vendor_name}",
            )
        elif key == "credits_per_thousand":
            if facts.credits.amount:
                text = f"{format_money(facts.credits.amount, facts.credits.currency)} of service credits owed"
                text += _unconverted(facts.credits)
            else:
                owed = ", ".join(format_money(amount, currency) for currency, amount in facts.credits.unconverted)
                text = f"{owed} of service credits owed (no FX rate: not counted)"
            drill = Drill(
                facts.credits.amount,
                drill_url("performance:breach-list", one, status=list(CREDIT_BREACH_STATUSES)),
                f"breaches of {vendor_name} owing service credits",
                counts_rows=False,
            )
        elif key in ("standing_critical", "standing_needs_attention"):
            card = facts.scorecard
            assert card is not None and card.standing is not None and card.score is not None
            text = f"a scorecard of {card.score:.1f} ({card.standing.label.lower()})"
            drill = Drill(card.score, performance_url, f"scorecard of {vendor_name}", counts_rows=False)
        elif key == "falling_trend":
            card = facts.scorecard
            assert card is not None and card.delta is not None
            text = f"a scorecard down {abs(card.delta):.1f} points"
            drill = Drill(card.delta, performance_url, f"scorecard of {vendor_name}", counts_rows=False)
        elif key == "high_risk":
            text = _plural(n, "open high risk")
            drill = Drill(
                n,
                drill_url("vendors:risk-list", one, status=list(OPEN_RISK_STATUSES), score_min=HIGH_RISK_SCORE),
                f"open risks of {vendor_name} scoring {HIGH_RISK_SCORE} or more",
            )
        elif key.startswith("access_finding_"):
            finding_severity = FindingSeverity(key.removeprefix("access_finding_"))
            codes = [rule.code for rule in RULES if rule.severity == finding_severity]
            text = _plural(n, f"{finding_severity.label.lower()}-severity access finding")
            # A grant may break several rules: the list holds the grants with a finding of this severity.
            drill = Drill(
                n,
                drill_url("vendors:access-list", one, finding=codes),
                f"access grants of {vendor_name} with a {finding_severity.label.lower()}-severity finding",
                counts_rows=False,
            )
        elif key.startswith("roster_finding_"):
            kinds = facts.roster_kinds(high=key == "roster_finding_high")
            what = ", ".join(
                f"{FindingKind(kind).label.lower()}" + (f" × {count}" if count > 1 else "")
                for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            text = _plural(n, "roster finding") + f" ({what})"
            # Listed on the vendor 360's Team panel, each linking to its contract's Team panel.
            drill = Drill(n, roster_findings_url(attention.vendor_id), f"open roster findings of {vendor_name}")
        elif key == "expired_certification":
            text = _plural(n, "expired certification") + " not renewed"
            drill = Drill(
                n,
                drill_url(
                    "vendors:certification-list",
                    one,
                    expires_before=iso_day(today - timedelta(days=1)),
                    superseded="false",
                    vendor_exited="false",
                ),
                f"expired certifications of {vendor_name}",
            )
        elif key in ("cancel_by_30_days", "cancel_by_90_days"):
            soon = key == "cancel_by_30_days"
            first = today if soon else today + timedelta(days=CANCEL_BY_SOON_DAYS + 1)
            last = today + timedelta(days=CANCEL_BY_SOON_DAYS if soon else CANCEL_BY_DAYS)
            text = _plural(n, "cancel-by date") + f" within {CANCEL_BY_SOON_DAYS if soon else CANCEL_BY_DAYS} days"
            drill = Drill(
                n,
                drill_url(
                    "contracts:contract-list",
                    one,
                    status=ContractStatus.ACTIVE,
                    cancel_by_after=iso_day(first),
                    cancel_by_before=iso_day(last),
                    sort="cancel_by",
                ),
                f"contracts of {vendor_name} to cancel or renew",
            )
        elif key == "open_override":
            text = _plural(n, "open gate override")
            drill = Drill(n, exceptions_url(attention.vendor_id), f"open gate overrides of {vendor_name}")
        elif key == "expired_policy_exception":
            text = _plural(n, "expired policy exception")
            drill = Drill(n, exceptions_url(attention.vendor_id), f"expired policy exceptions of {vendor_name}")
        elif key == "spend_share":
            text = f"{facts.spend_share:.1f} % of annual spend"
            drill = Drill(
                facts.spend.amount,
                drill_url("contracts:contract-list", one, status=ContractStatus.ACTIVE),
                f"active contracts of {vendor_name}",
                counts_rows=False,
            )
        elif key == "hidden_cost":
            assert facts.effective_rate is not None and facts.billed_rate is not None
            assert facts.rate_ratio is not None
            currency = reporting_currency()
            over = f" over {_months_text(facts.cost_window)}" if facts.cost_window else ""
            ratio = facts.rate_ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            text = (
                f"an hour billed at {currency} {facts.billed_rate:,.2f} really costs "
                f"{currency} {facts.effective_rate:,.2f}{over} ({ratio}× the billed rate)"
            )
            drill = Drill(
                facts.effective_rate,
                ledger_url(attention.vendor_id, facts.cost_window) if facts.cost_window else performance_url,
                f"total cost of ownership of {vendor_name}",
                counts_rows=False,
            )
        else:  # pragma: no cover - every weight has its words above
            raise ValueError(f"No words for the attention part {key!r}.")
        reasons.append(Reason(key, part.points, text, drill, _basis(part)))
    return replace(attention, reasons=tuple(reasons))


# The weights that count something (else the weight applies once, when the condition holds).
COUNTED_PARTS = frozenset(DEFAULT_ATTENTION_WEIGHTS) - {
    "hidden_cost",
    "credits_per_thousand",
    "standing_critical",
    "standing_needs_attention",
    "falling_trend",
    "spend_share",
}


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.1f}"


def _basis(part: Part) -> str:
    if part.key == "credits_per_thousand":
        return f"{part.quantity:.1f} thousand {reporting_currency()} × {_number(part.weight)}"
    if part.key in COUNTED_PARTS:
        return f"{_number(part.quantity)} × {_number(part.weight)}"
    return _number(part.weight)


def _months_text(window: tuple[date, date]) -> str:
    first, last = window
    return f"{first:%b %Y} – {last:%b %Y}"


def ledger_url(vendor_id: int, window: tuple[date, date]) -> str:
    """The ledger of one vendor's contracts over ``window`` (its first and last month)."""
    first, last = window
    return drill_url("costs:ledger", Scope(vendor=vendor_id), **{"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"})


def roster_findings_url(vendor_id: int) -> str:
    """Where a vendor's open roster findings are listed: its vendor 360's Team panel."""
    return reverse("dashboards:vendor-360", args=[vendor_id]) + "#team"


def exceptions_url(vendor_id: int) -> str:
    """Where a vendor's open overrides and expired policy exceptions are listed: its vendor 360."""
    return reverse("dashboards:vendor-360", args=[vendor_id]) + "#attention-exceptions"


def reasons_sentence(reasons: Sequence[Reason]) -> str:
    """``a, b and c.`` (capitalised), or "" when there is no reason."""
    texts = [reason.text for reason in reasons]
    if not texts:
        return ""
    joined = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
    return joined[0].upper() + joined[1:] + "."
