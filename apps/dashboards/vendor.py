"""Vendor 360: one vendor's whole standing on one page, read in a fixed number of queries (about
twenty, whatever the vendor's history; ``tests/dashboards/test_vendor_360.py`` holds the budget).

It shows the vendor's scorecard and standing with its KPI trends (``apps.performance.scorecards``), each SLA
term's current status (the latest closed window and the open one), breaches with their credits, service
reviews and open action items, open risks, certifications, access findings, and contracts with their
cancel-by dates — and a short summary of what needs attention, generated from those same rows. Each
sentence of the summary links to the list of exactly the rows it speaks of (the overview's ``Drill``).

The definitions are the overview's (``apps.dashboards.tiles``): open breaches are open or
acknowledged; credits owed are the credits of breaches neither waived nor retracted; a renewal needs
attention when its cancel-by date falls in the next ``RENEWAL_DAYS`` days; a certification when it
expires in the next ``CERTIFICATION_DAYS`` days (or has expired, however long ago) and no later one of
the same kind supersedes it; an access grant when it breaks an access rule (``apps.vendors.findings``),
the high-severity findings first; a service review when it is still scheduled and its date has passed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Q, Sum, Value, When
from django.urls import reverse

from apps.contracts.choices import ContractStatus, Renewal
from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.core.fx import FxTable, fx_table
from apps.core.models import PolicyException, StatusChange
from apps.costs.ledger import trailing_months
from apps.costs.ledger_rollup import vendor_costs
from apps.costs.models import CostSettings
from apps.costs.selectors import cost_settings
from apps.costs.tco import Scope as CostScope
from apps.costs.tco import TcoPanel, rate_card_text, tco_panel
from apps.dashboards.attention import (
    HIGH_RISK_SCORE,
    VendorAttention,
    attention_scores,
    build_reasons,
    expired_exceptions_per_vendor,
    open_overrides_query,
)
from apps.dashboards.scope import Amount, Drill, Scope, drill_url, iso_day, round_money
from apps.dashboards.tiles.breaches import (
    CREDIT_BREACH_STATUSES,
    OPEN_BREACH_STATUSES,
    SEVERITIES_WORST_FIRST,
    credits_owed,
)
from apps.dashboards.tiles.certifications import CERTIFICATION_DAYS
from apps.dashboards.tiles.concentration import vendor_spend_share
from apps.dashboards.tiles.league import LEAGUE_COST_MONTHS
from apps.dashboards.tiles.renewals import RENEWAL_DAYS
from apps.dashboards.tiles.risks import OPEN_RISK_STATUSES
from apps.dashboards.tiles.spend import (
    annual_value_expression,
    ceiling_remainder,
    sow_draws,
    sows_drawn_expression,
    sows_in_other_currency_expression,
    spend_rows,
    spend_total,
)
from apps.performance.choices import BreachStatus, EvaluationStatus, Severity
from apps.performance.models import Breach, SlaEvaluation, SlaTerm
from apps.performance.scorecards import Performance, Period, vendor_performance
from apps.performance.selectors import breach_list, sla_term_current_status, sla_term_list
from apps.performance.telemetry.coverage import telemetry_coverage
from apps.performance.telemetry.explain import Mark, breach_marks, term_marks, vendor_marks
from apps.roster.findings import HIGH_KINDS, open_roster_findings
from apps.roster.models import Assignment, RosterFinding
from apps.vendors.choices import ReviewStatus, SeniorityBand, VendorStatus
from apps.vendors.findings import SEVERITIES_WORST_FIRST as FINDING_SEVERITIES
from apps.vendors.findings import FindingSeverity
from apps.vendors.models import AccessGrant, ActionItem, Certification, ServiceReview, Vendor, VendorRisk
from apps.vendors.selectors import (
    access_grant_finding_list,
    access_grant_list,
    action_item_list,
    certification_list,
    certification_superseded,
    service_review_list,
    vendor_list,
    vendor_risk_list,
)

# How many of the vendor's breaches and reviews the page lists (the CSVs and the linked lists have all).
BREACH_ROWS = 25
REVIEW_ROWS = 6
# Contracts that still matter: the ones in force and the ones about to be.
CURRENT_CONTRACT_STATUSES = (ContractStatus.DRAFT, ContractStatus.ACTIVE)

BAD, WARN, INFO = "bad", "warn", "info"


@dataclass(frozen=True)
class Attention:
    """One sentence of the summary: how urgent, what it says, and the rows behind it."""

    tone: str  # "bad", "warn" or "info"
    text: str
    drill: Drill | None = None


@dataclass(frozen=True)
class TermStatus:
    term: SlaTerm
    closed: SlaEvaluation | None  # the latest closed window
    open: SlaEvaluation | None  # the window in progress

    @property
    def current(self) -> str:
        """The status that speaks for the term today: the open window when it warns, else the last closed one."""
        if self.open is not None and self.open.status == EvaluationStatus.AT_RISK:
            return str(self.open.status)
        if self.closed is not None:
            return str(self.closed.status)
        return str(self.open.status) if self.open is not None else ""


@dataclass(frozen=True)
class BreachCounts:
    open_total: int
    open_by_severity: dict[str, int]
    unacknowledged: int
    total: int  # every breach but the retracted
    credits: list[Amount]


def certification_label(certification: Certification) -> str:
    """The certification's name on its vendor's page (the kind, or the name of an "Other")."""
    return (
        certification.name if certification.kind == "other" and certification.name else certification.get_kind_display()
    )


@dataclass(frozen=True)
class CertificationRow:
    certification: Certification
    superseded: bool
    days_left: int

    @property
    def label(self) -> str:
        return certification_label(self.certification)

    @property
    def state(self) -> str:
        """ "superseded", "expired", "expiring" (within ``CERTIFICATION_DAYS``) or "valid"."""
        if self.superseded:
            return "superseded"
        if self.days_left < 0:
            return "expired"
        return "expiring" if self.days_left <= CERTIFICATION_DAYS else "valid"


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    annual: Decimal | None  # what it adds to annual spend (a master agreement: what its SOWs leave)
    days_to_cancel_by: int | None
    # A master agreement its active statements of work draw on: its own annual value (the ceiling).
    ceiling: Decimal | None = None

    @property
    def renewal_due(self) -> bool:
        return self.days_to_cancel_by is not None and 0 <= self.days_to_cancel_by <= RENEWAL_DAYS


@dataclass(frozen=True)
class TeamBand:
    """The vendor's engineers on our contracts today in one seniority band."""

    seniority: str
    label: str
    engineers: int  # distinct engineers with an active assignment
    fte: Decimal  # Σ allocation ÷ 100 of those assignments


def _team(vendor_id: int, today: date) -> list[TeamBand]:
    """One query: the vendor's active headcount (assignments active today, any contract) by band."""
    rows = {
        row["engineer__seniority"]: row
        for row in Assignment.objects.filter(contract__vendor_id=vendor_id, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by()
        .values("engineer__seniority")
        .annotate(n=Count("engineer", distinct=True), allocation=Sum("allocation_percent"))
    }
    return [
        TeamBand(band, label, rows[band]["n"], Decimal(rows[band]["allocation"]) / 100)
        for band, label in SeniorityBand.choices
        if band in rows
    ]


@dataclass
class Vendor360:
    vendor: Vendor
    today: date
    period: Period
    performance: Performance
    terms: list[TermStatus]
    breaches: list[Breach]  # the latest BREACH_ROWS, open ones first
    breach_counts: BreachCounts
    reviews: list[ServiceReview]  # the next scheduled and the latest held, REVIEW_ROWS at most
    next_review: ServiceReview | None
    overdue_reviews: int
    open_actions: list[ActionItem]
    risks: list[VendorRisk]  # not closed, highest score first
    certifications: list[CertificationRow]
    grants: list[AccessGrant]  # unrevoked, the worst findings first
    contracts: list[ContractRow]
    drills: dict[str, Drill] = field(default_factory=dict)
    attention: list[Attention] = field(default_factory=list)
    # The attention ranking's score with its full breakdown, and the rows of its parts that have no
    # list page of their own (open gate overrides, expired policy exceptions).
    attention_score: VendorAttention | None = None
    open_overrides: list[StatusChange] = field(default_factory=list)
    expired_exceptions: list[PolicyException] = field(default_factory=list)
    # The KPIs telemetry measures (``apps.performance.telemetry.explain``): per SLA term its badge and the
    # explain links of its windows; per breach shown its badge and link. A term without one is typed.
    term_marks: dict[int, dict[str, Mark]] = field(default_factory=dict)
    breach_marks: dict[int, Mark] = field(default_factory=dict)
    scorecard_marks: dict[str, Mark] = field(default_factory=dict)  # KPI code → the scorecard row's badge
    # The Team panel: the open roster findings (``apps.roster.findings``) and the active headcount by band.
    roster_findings: list[RosterFinding] = field(default_factory=list)
    team: list[TeamBand] = field(default_factory=list)
    # The Total cost panel: the ledger of the vendor's contracts over the last 12 complete months and this
    # one (``apps.costs.tco``).
    tco: TcoPanel | None = None

    @property
    def roster_rows(self) -> list[tuple[RosterFinding, str]]:
        """Each open roster finding with its tone: the grave kinds "bad", the others "warn"."""
        return [(finding, BAD if finding.kind in HIGH_KINDS else WARN) for finding in self.roster_findings]

    @property
    def team_engineers(self) -> int:
        return sum(band.engineers for band in self.team)

    @property
    def team_fte(self) -> Decimal:
        return sum((band.fte for band in self.team), Decimal(0))

    @property
    def scope(self) -> Scope:
        return Scope(vendor=self.vendor.pk)

    @property
    def access_findings(self) -> list[AccessGrant]:
        """The grants with findings."""
        return [grant for grant in self.grants if access_grant_finding_list(grant)]

    def access_findings_by_severity(self) -> dict[str, list[AccessGrant]]:
        """The grants with findings by the worst of their findings (``finding_severity``)."""
        by_severity: dict[str, list[AccessGrant]] = {str(s): [] for s in FINDING_SEVERITIES}
        for grant in self.access_findings:
            by_severity[grant.finding_severity].append(grant)  # type: ignore[attr-defined]  # an annotation
        return by_severity

    @property
    def high_risks(self) -> list[VendorRisk]:
        return [risk for risk in self.risks if risk.risk_score >= HIGH_RISK_SCORE]  # type: ignore[attr-defined]  # risk_score: an annotation of the selector

    @property
    def at_risk_terms(self) -> list[TermStatus]:
        return [t for t in self.terms if t.open is not None and t.open.status == EvaluationStatus.AT_RISK]


def _breach_counts(vendor_id: int) -> BreachCounts:
    """One query: the vendor's breaches (the retracted aside) by status, severity and currency."""
    rows = (
        Breach.objects.filter(term__contract__vendor_id=vendor_id)
        .exclude(status=BreachStatus.RETRACTED)
        .order_by()
        .values("status", "severity", "currency")
        .annotate(n=Count("pk"), credits=Sum("credit_amount"))
    )
    by_severity: dict[str, int] = defaultdict(int)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    unacknowledged = total = 0
    for row in rows:
        total += row["n"]
        if row["status"] in OPEN_BREACH_STATUSES:
            by_severity[row["severity"]] += row["n"]
        if row["status"] == BreachStatus.OPEN:
            unacknowledged += row["n"]
        if row["status"] in CREDIT_BREACH_STATUSES:
            credits[row["currency"]] += row["credits"] or Decimal(0)
    return BreachCounts(
        open_total=sum(by_severity.values()),
        open_by_severity={str(s): by_severity[s] for s in SEVERITIES_WORST_FIRST},
        unacknowledged=unacknowledged,
        total=total,
        credits=credits_owed(credits, scope=Scope(vendor=vendor_id)),
    )


def _terms(vendor_id: int) -> list[TermStatus]:
    """Three queries: the SLA terms the engine evaluates now — those of the vendor's active contracts,
    and of its expired ones whose last window is still open — with each one's latest closed and open
    evaluation."""
    terms = list(
        sla_term_list()
        .filter(contract__vendor_id=vendor_id, contract__status__in=(ContractStatus.ACTIVE, ContractStatus.EXPIRED))
        .order_by("contract__title", "contract_id", "area", "kpi__name", "pk")
    )
    status = sla_term_current_status(terms=[term.pk for term in terms]) if terms else {}
    return [
        TermStatus(term, status.get(term.pk, {}).get("closed"), status.get(term.pk, {}).get("open"))
        for term in terms
        if term.contract.status == ContractStatus.ACTIVE or status.get(term.pk, {}).get("open") is not None
    ]


def _contracts(vendor_id: int, today: date) -> list[ContractRow]:
    """One query: every contract of the vendor, the current first; an active one with what it adds to
    annual spend (a master agreement: what its active statements of work leave of it)."""
    rows = list(
        contract_list()
        .prefetch_related(None)  # the functions are not shown
        .filter(vendor_id=vendor_id)
        .annotate(
            annual=annual_value_expression(),
            drawn=sows_drawn_expression(),
            drawn_in_other_currency=sows_in_other_currency_expression(),
            current=Case(When(status__in=CURRENT_CONTRACT_STATUSES, then=Value(0)), default=Value(1)),
        )
        .order_by("current", "cancel_by", "-start_date", "pk")
    )
    # A statement of work in another currency than its master agreement: one more query, and the rates.
    foreign = [c.pk for c in rows if c.status == ContractStatus.ACTIVE and c.drawn_in_other_currency]
    draws = sow_draws(foreign) if foreign else {}
    fx = fx_table() if draws else None
    result = []
    for contract in rows:
        days = (
            (contract.cancel_by - today).days
            if contract.cancel_by and contract.status == ContractStatus.ACTIVE
            else None
        )
        if contract.status != ContractStatus.ACTIVE:
            result.append(ContractRow(contract, None, days))
            continue
        own: Decimal = contract.annual
        counted = own
        if contract.pk in draws:
            counted = ceiling_remainder(own, contract.currency, draws[contract.pk], on=today, fx=fx)
        elif contract.parent_id is None and contract.drawn is not None:
            counted = max(Decimal(0), own - contract.drawn)
        drawn_on = contract.parent_id is None and (contract.pk in draws or contract.drawn is not None)
        result.append(ContractRow(contract, round_money(counted), days, round_money(own) if drawn_on else None))
    return result


def _certifications(vendor_id: int, today: date) -> list[CertificationRow]:
    """One query: the vendor's certifications with whether a later one supersedes each."""
    rows = (
        certification_list()
        .filter(vendor_id=vendor_id)
        .annotate(is_superseded=certification_superseded())
        .order_by("is_superseded", "expires_on", "pk")
    )
    return [CertificationRow(c, bool(c.is_superseded), (c.expires_on - today).days) for c in rows]


def vendor_360(*, vendor_id: int, period: Period, today: date, user: Any = None) -> Vendor360:
    """Everything the page shows (``Vendor.DoesNotExist`` when there is no such vendor)."""
    vendor = vendor_list(user=user).get(pk=vendor_id)
    reviews = service_review_list(user=user, as_of=today).filter(vendor=vendor).prefetch_related(None)  # no attendees
    scheduled = list(reviews.filter(status=ReviewStatus.SCHEDULED).order_by("scheduled_for", "pk"))
    held = list(reviews.exclude(status=ReviewStatus.SCHEDULED).order_by("-scheduled_for", "-pk")[:REVIEW_ROWS])
    upcoming = [review for review in scheduled if review.scheduled_for >= today]
    data = Vendor360(
        vendor=vendor,
        today=today,
        period=period,
        performance=vendor_performance(vendor_id=vendor.pk, period=period),
        terms=_terms(vendor.pk),
        breaches=list(
            breach_list(user=user)
            .filter(term__contract__vendor=vendor)
            .exclude(status=BreachStatus.RETRACTED)
            .annotate(is_open=Case(When(status__in=OPEN_BREACH_STATUSES, then=Value(0)), default=Value(1)))
            .order_by("is_open", "-window_end", "pk")[:BREACH_ROWS]
        ),
        breach_counts=_breach_counts(vendor.pk),
        reviews=(scheduled + held)[:REVIEW_ROWS],
        next_review=upcoming[0] if upcoming else None,
        overdue_reviews=sum(1 for review in scheduled if review.scheduled_for < today),
        open_actions=list(
            action_item_list(user=user).filter(review__vendor=vendor, done_on__isnull=True).order_by("due_on", "pk")
        ),
        risks=list(
            vendor_risk_list(user=user)
            .filter(vendor=vendor, status__in=OPEN_RISK_STATUSES)
            .order_by("-risk_score", "title", "pk")  # type: ignore[misc]  # an annotation
        ),
        certifications=_certifications(vendor.pk, today),
        grants=list(
            access_grant_list(user=user, as_of=today)
            .filter(vendor=vendor)
            .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
            .order_by("-finding_rank", "-finding_count", "expires_on", "system", "person", "pk")  # type: ignore[misc]  # finding_rank, finding_count: annotations of the selector
        ),
        contracts=_contracts(vendor.pk, today),
        roster_findings=list(open_roster_findings(user=user, vendor=vendor.pk)),
        team=_team(vendor.pk, today),
    )
    # Which KPIs telemetry measures, for every contract of the vendor at once (one query).
    coverage = telemetry_coverage(contract_ids=[row.contract.pk for row in data.contracts])
    data.term_marks = term_marks(
        terms=[status.term for status in data.terms],
        status={status.term.pk: {"closed": status.closed, "open": status.open} for status in data.terms},
        coverage=coverage,
    )
    data.breach_marks = breach_marks(data.breaches, coverage=coverage)
    data.scorecard_marks = vendor_marks(
        titles={row.contract.pk: row.contract.title for row in data.contracts}, coverage=coverage
    )
    data.drills = _drills(data)
    data.attention = attention_summary(data)
    fx, rates = fx_table(), cost_settings()
    _attention_score(data, user=user, fx=fx, rates=rates)
    data.tco = tco_panel(
        scope=CostScope(vendor_id=vendor.pk),
        vendor_id=vendor.pk,
        contracts=contract_list(user=user).filter(vendor=vendor),
        today=today,
        rate_card=rate_card_text(vendor),
        fx=fx,
        rates=rates,
    )
    return data


def _attention_score(data: Vendor360, *, user: Any, fx: FxTable, rates: CostSettings) -> None:
    """The vendor's attention score as the league table works it out on the unfiltered overview: its
    share of spend is of the whole portfolio's (the portfolio summed per currency in the database, not
    per vendor), its scorecard the page's period's. About ten queries, whatever the portfolio's size."""
    vendor, today = data.vendor, data.today
    own = spend_rows(scope=Scope(vendor=vendor.pk), today=today, user=user, fx=fx)
    total = spend_total(scope=Scope(), today=today, user=user, fx=fx)
    share = vendor_spend_share(vendor_id=vendor.pk, spend=own, total=total, today=today, fx=fx)
    data.open_overrides = list(
        open_overrides_query(scope=data.scope, user=user)
        .select_related("content_type", "actor")
        .prefetch_related("subject")
        .order_by("-changed_at", "-pk")
    )
    exceptions = expired_exceptions_per_vendor(scope=data.scope, today=today, user=user)
    exception_ids = exceptions.get(vendor.pk, set())
    data.expired_exceptions = (
        list(PolicyException.objects.filter(pk__in=exception_ids).order_by("review_on", "pk")) if exception_ids else []
    )
    # Its costs over the league table's window (the 12 months ending with the page's period), so the
    # hidden-cost weight counts here as it does in the ranking. Worked out for this vendor alone (one
    # query), not read from the league table's stored rollup: one vendor's ledger is quick to sum.
    cost_window = trailing_months(data.period.start, LEAGUE_COST_MONTHS)
    costs = vendor_costs(vendor_ids=[vendor.pk], start=cost_window[0], end=cost_window[1], fx=fx, rates=rates)
    scores = attention_scores(
        vendor_ids=[vendor.pk],
        scope=data.scope,
        today=today,
        scorecards={vendor.pk: data.performance.scorecard},
        spend=own,
        spend_shares={vendor.pk: share} if share is not None else {},
        fx=fx,
        overrides={vendor.pk: len(data.open_overrides)},
        expired_exceptions=exceptions,
        costs=costs,
        cost_window=cost_window,
        user=user,
    )
    performance_url = reverse("vendors:vendor-tab", args=[vendor.pk, "performance"]) + f"?period={data.period.key}"
    data.attention_score = build_reasons(
        scores[vendor.pk], vendor_name=vendor.name, scope=Scope(), today=today, performance_url=performance_url
    )


def _drills(data: Vendor360) -> dict[str, Drill]:
    today, scope = data.today, data.scope
    open_statuses = list(OPEN_BREACH_STATUSES)
    return {
        "open_breaches": Drill(
            data.breach_counts.open_total,
            drill_url("performance:breach-list", scope, status=open_statuses),
            "open breaches",
        ),
        "breaches": Drill(
            data.breach_counts.total,
            drill_url(
                "performance:breach-list", scope, status=[s for s in BreachStatus if s != BreachStatus.RETRACTED]
            ),
            "breaches",
        ),
        "at_risk": Drill(
            len(data.at_risk_terms),
            drill_url("performance:sla-evaluation-list", scope, is_closed="false", status=EvaluationStatus.AT_RISK),
            "SLA terms at risk in the open window",
        ),
        "renewals": Drill(
            sum(1 for row in data.contracts if row.renewal_due),
            drill_url(
                "contracts:contract-list",
                scope,
                status=ContractStatus.ACTIVE,
                cancel_by_after=iso_day(today),
                cancel_by_before=iso_day(today + timedelta(days=RENEWAL_DAYS)),
                sort="cancel_by",
            ),
            f"cancel-by dates in the next {RENEWAL_DAYS} days",
        ),
        "certifications": Drill(
            sum(1 for row in data.certifications if row.state in ("expired", "expiring")),
            drill_url(
                "vendors:certification-list",
                scope,
                expires_before=iso_day(today + timedelta(days=CERTIFICATION_DAYS)),
                superseded="false",
            ),
            f"certifications expired or expiring in the next {CERTIFICATION_DAYS} days",
        ),
        "reviews_overdue": Drill(
            data.overdue_reviews,
            drill_url(
                "vendors:review-list",
                scope,
                status=ReviewStatus.SCHEDULED,
                scheduled_before=iso_day(today - timedelta(days=1)),
            ),
            "service reviews overdue",
        ),
        "access_findings": Drill(
            len(data.access_findings),
            drill_url("vendors:access-list", scope, has_findings="true", sort="findings"),
            "access grants with findings",
        ),
        **{
            f"access_findings_{severity}": Drill(
                len(grants),
                drill_url("vendors:access-list", scope, severity=severity, sort="findings"),
                f"access grants whose worst finding is {severity}",
            )
            for severity, grants in data.access_findings_by_severity().items()
        },
        "risks": Drill(
            len(data.risks),
            drill_url("vendors:risk-list", scope, status=list(OPEN_RISK_STATUSES)),
            "open risks",
        ),
        "contracts": Drill(len(data.contracts), drill_url("contracts:contract-list", scope), "contracts"),
        "high_risks": Drill(
            len(data.high_risks),
            drill_url("vendors:risk-list", scope, status=list(OPEN_RISK_STATUSES), score_min=HIGH_RISK_SCORE),
            f"open risks scoring {HIGH_RISK_SCORE} or more",
        ),
        # Every breach that owes a credit, whatever its currency (the tile's amounts link per currency).
        "credits": Drill(
            None,
            drill_url("performance:breach-list", scope, status=list(CREDIT_BREACH_STATUSES)),
            "breaches owing service credits",
            counts_rows=False,
        ),
    }


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def attention_summary(data: Vendor360) -> list[Attention]:
    """What needs attention, most urgent first: each sentence from the rows the page shows."""
    items: list[Attention] = []
    drills, counts, vendor = data.drills, data.breach_counts, data.vendor
    if vendor.status == VendorStatus.EXITED:
        items.append(Attention(INFO, f"{vendor.name} has exited: nothing new should be contracted."))

    if counts.open_total:
        worst = [f"{n} {Severity(severity).label.lower()}" for severity, n in counts.open_by_severity.items() if n]
        text = f"{_plural(counts.open_total, 'open breach', 'open breaches')} ({', '.join(worst)})"
        if counts.unacknowledged == counts.open_total:
            text += ", none acknowledged yet"
        elif counts.unacknowledged:
            text += f", {counts.unacknowledged} not yet acknowledged"
        tone = BAD if counts.open_by_severity.get(Severity.CRITICAL) else WARN
        items.append(Attention(tone, text + ".", drills["open_breaches"]))
    if counts.credits:
        owed = ", ".join(f"{amount.amount:,.2f} {amount.currency}" for amount in counts.credits)
        items.append(Attention(WARN, f"Service credits owed: {owed}.", drills["credits"]))
    for status in data.at_risk_terms:
        term = status.term
        items.append(
            Attention(
                WARN,
                f"{term.kpi.name} on {term.contract.title} is at risk in the open window"
                f" ({status.open.window_start:%-d %b} – {status.open.window_end:%-d %b}).",  # type: ignore[union-attr]  # at_risk_terms keeps terms with an open window only
                drills["at_risk"],
            )
        )
    for row in data.contracts:
        if row.renewal_due:
            contract = row.contract
            days = row.days_to_cancel_by or 0
            when = "today" if days == 0 else f"in {_plural(days, 'day')}"
            deadline = f"{contract.cancel_by:%-d %b %Y} ({when})"
            if contract.renewal == Renewal.AUTOMATIC:
                text = f"{contract.title}: cancel by {deadline} or it renews automatically."
            else:
                text = f"{contract.title}: renewal decision due by {deadline}."
            items.append(Attention(BAD if days <= 30 else WARN, text, drills["renewals"]))
    for cert in data.certifications:
        if cert.state == "expired":
            items.append(
                Attention(
                    BAD,
                    f"{cert.label} expired on {cert.certification.expires_on:%-d %b %Y} and no renewal is on file.",
                    drills["certifications"],
                )
            )
        elif cert.state == "expiring":
            items.append(
                Attention(
                    WARN,
                    f"{cert.label} expires in {_plural(cert.days_left, 'day')}"
                    f" ({cert.certification.expires_on:%-d %b %Y}).",
                    drills["certifications"],
                )
            )
    if data.overdue_reviews:
        items.append(
            Attention(WARN, f"{_plural(data.overdue_reviews, 'service review')} overdue.", drills["reviews_overdue"])
        )
    elif data.next_review is None and vendor.status in (VendorStatus.PILOT, VendorStatus.ACTIVE):
        items.append(
            Attention(
                INFO,
                "No service review is scheduled.",
                Drill(0, reverse("vendors:vendor-tab", args=[vendor.pk, "reviews"]), "service reviews"),
            )
        )
    overdue_actions = [a for a in data.open_actions if a.due_on < data.today]
    if overdue_actions:
        items.append(
            Attention(
                WARN,
                f"{_plural(len(overdue_actions), 'review action')} past due (of {len(data.open_actions)} open).",
                Drill(
                    len(data.open_actions), reverse("vendors:vendor-tab", args=[vendor.pk, "reviews"]), "open actions"
                ),
            )
        )
    for severity, grants in data.access_findings_by_severity().items():
        if not grants:
            continue
        # Each kind of finding once, the most frequent first: "2 past expiry, 1 no MFA".
        kinds: dict[str, int] = defaultdict(int)
        for grant in grants:
            for finding in access_grant_finding_list(grant):
                if finding.severity == severity:
                    kinds[finding.label] += 1
        what = ", ".join(f"{n} {label}" for label, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        items.append(
            Attention(
                BAD if severity == FindingSeverity.HIGH else WARN,
                f"{_plural(len(grants), 'access grant')} with {severity}-severity findings ({what}).",
                drills[f"access_findings_{severity}"],
            )
        )
    if data.roster_findings:
        grave = sum(1 for finding in data.roster_findings if finding.kind in HIGH_KINDS)
        first = data.roster_findings[0] if not grave else next(f for f in data.roster_findings if f.kind in HIGH_KINDS)
        more = len(data.roster_findings) - 1
        items.append(
            Attention(
                BAD if grave else WARN,
                first.message + (f" (and {_plural(more, 'more roster finding')})" if more else ""),
                Drill(
                    len(data.roster_findings),
                    reverse("dashboards:vendor-360", args=[vendor.pk]) + "#team",
                    "open roster findings",
                    counts_rows=False,
                ),
            )
        )
    high = data.high_risks
    if high:
        names = "; ".join(risk.title for risk in high[:3]) + ("; …" if len(high) > 3 else "")
        items.append(
            Attention(
                WARN,
                f"{_plural(len(high), 'high risk')} open (score ≥ {HIGH_RISK_SCORE}): {names}.",
                drills["high_risks"],
            )
        )
    scorecard = data.performance.scorecard
    if scorecard.standing is not None and scorecard.standing.tone in (BAD, WARN):
        items.append(
            Attention(
                scorecard.standing.tone,
                f"Scorecard {scorecard.score:.1f} in {data.period.label}: {scorecard.standing.label.lower()}"
                + (
                    f", down {abs(scorecard.delta_points):.1f} points."
                    if scorecard.trend == "down" and scorecard.delta_points is not None
                    else "."
                ),
            )
        )
    order = {BAD: 0, WARN: 1, INFO: 2}
    return sorted(items, key=lambda item: order[item.tone])
