"""Reads of the team roster: the lists the API and the pages scope, and what one contract's *Team* panel
shows — its team on a day, its staffing plan against the active mix, its substitutions and open findings.

Everyone signed in reads every contract (``apps.contracts.selectors``), so ``user`` narrows nothing yet; it
is taken so every caller already passes it. Each read joins what its callers show, so a page costs the same
number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.roster.choices import SubstitutionStatus
from apps.roster.models import Assignment, RosterFinding, StaffingPlan, StaffingPlanLine, Substitution
from apps.vendors.choices import SENIORITY_WEIGHTS, SeniorityBand

# The ended assignments the Team panel still shows, counted back from the day it shows.
RECENTLY_ENDED_DAYS = 90
HUNDRED = Decimal(100)


# -- scoped lists (the API's, the admin's) ---------------------------------------------------------------
def assignment_list(*, user: Any | None = None) -> QuerySet[Assignment]:
    return Assignment.objects.select_related("engineer", "contract__vendor")


def staffing_plan_list(*, user: Any | None = None) -> QuerySet[StaffingPlan]:
    return StaffingPlan.objects.select_related("contract__vendor").prefetch_related("lines")


def substitution_list(*, user: Any | None = None) -> QuerySet[Substitution]:
    return Substitution.objects.select_related(
        "contract__vendor__engineering_owner",
        "leaver_assignment__engineer",
        "joiner",
        "joiner_assignment",
        "requested_by",
        "decided_by",
    )


def roster_finding_list(*, user: Any | None = None) -> QuerySet[RosterFinding]:
    return RosterFinding.objects.select_related("vendor", "contract", "engineer")


def active_on_q(day: date, prefix: str = "") -> Q:
    """Assignments (at ``prefix``) active on ``day``: started on or before it, not ended before it."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


# -- one contract's team -----------------------------------------------------------------------------------
@dataclass
class Team:
    """A contract's assignments as of ``on``: active that day, starting later, and ended within
    ``RECENTLY_ENDED_DAYS`` before it; the key personnel among the active and upcoming."""

    on: date
    active: list[Assignment] = field(default_factory=list)
    upcoming: list[Assignment] = field(default_factory=list)
    recently_ended: list[Assignment] = field(default_factory=list)

    @property
    def key_personnel(self) -> list[Assignment]:
        return [assignment for assignment in [*self.active, *self.upcoming] if assignment.key_person]


def team_for_contract(contract: Any, *, on: date | None = None, user: Any | None = None) -> Team:
    """The contract's team on ``on`` (default today), each assignment with its engineer: one query."""
    day = on or timezone.localdate()
    since = day - timedelta(days=RECENTLY_ENDED_DAYS)
    team = Team(on=day)
    rows = (
        assignment_list(user=user)
        .filter(contract=contract)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=since))
        .order_by("-key_person", "engineer__name", "start_date", "pk")
    )
    for assignment in rows:
        if assignment.start_date > day:
            team.upcoming.append(assignment)
        elif assignment.end_date is not None and assignment.end_date < day:
            team.recently_ended.append(assignment)
        else:
            team.active.append(assignment)
    team.recently_ended.sort(key=lambda assignment: assignment.end_date or day, reverse=True)
    return team


def staffing_plan_for(contract: Any, *, user: Any | None = None) -> StaffingPlan | None:
    """The contract's staffing plan with its lines (prefetched), or None: two queries."""
    return staffing_plan_list(user=user).filter(contract=contract).first()


@dataclass(frozen=True)
class BandMix:
    """One seniority band: the plan's headcount (None: the plan has no line for it) and the active team's
    allocation-weighted headcount (a full-time engineer 1, one at 50 % 0.5) and number of people."""

    band: str
    label: str
    planned: Decimal | None
    actual: Decimal
    people: int

    @property
    def gap(self) -> Decimal | None:
        return None if self.planned is None else self.actual - self.planned


@dataclass(frozen=True)
class StaffingMix:
    """The staffing plan against the active team, band by band, with both totals and weighted seniorities
    (junior 1 … principal 4, ``SENIORITY_WEIGHTS``; None when the headcount is 0)."""

    bands: list[BandMix]
    planned_total: Decimal | None
    actual_total: Decimal
    planned_seniority: Decimal | None
    actual_seniority: Decimal | None


def _weighted_seniority(headcounts: dict[str, Decimal]) -> Decimal | None:
    total = sum(headcounts.values(), Decimal(0))
    if not total:
        return None
    weighted = sum((Decimal(SENIORITY_WEIGHTS[band]) * count for band, count in headcounts.items()), Decimal(0))
    return (weighted / total).quantize(Decimal("0.01"))


def staffing_mix(*, plan_lines: list[StaffingPlanLine] | None, active: list[Assignment]) -> StaffingMix:
    """The plan's lines (None: no plan) against ``active`` assignments (with their engineers): no query."""
    planned = {line.seniority: line.headcount for line in plan_lines or []}
    actual: dict[str, Decimal] = {band: Decimal(0) for band in SeniorityBand.values}
    people: dict[str, set[int]] = {band: set() for band in SeniorityBand.values}
    for assignment in active:
        band = assignment.engineer.seniority
        if band not in actual:
            continue
        actual[band] += Decimal(assignment.allocation_percent) / HUNDRED
        people[band].add(assignment.engineer_id)
    bands = [
        BandMix(band=band, label=str(label), planned=planned.get(band), actual=actual[band], people=len(people[band]))
        for band, label in SeniorityBand.choices
    ]
    return StaffingMix(
        bands=bands,
        planned_total=sum(planned.values(), Decimal(0)) if plan_lines is not None else None,
        actual_total=sum(actual.values(), Decimal(0)),
        planned_seniority=_weighted_seniority(planned) if plan_lines is not None else None,
        actual_seniority=_weighted_seniority(actual),
    )


def substitutions_for(contract: Any, *, user: Any | None = None) -> QuerySet[Substitution]:
    """The contract's substitutions, pending first then the latest decided: one query."""
    return substitution_list(user=user).filter(contract=contract).order_by("-joins_on", "-pk")


def pending_first(substitutions: list[Substitution]) -> list[Substitution]:
    return sorted(substitutions, key=lambda item: item.status != SubstitutionStatus.REQUESTED)


def open_findings_for(*, contract: Any = None, vendor: Any = None, user: Any | None = None) -> QuerySet[RosterFinding]:
    """The roster findings still open (``closed_at`` empty) about ``contract``, or about ``vendor`` (its
    contracts' and its own), the latest first: one query. Written by the roster job (``apps.roster.findings``)."""
    findings = roster_finding_list(user=user).filter(closed_at__isnull=True)
    if contract is not None:
        findings = findings.filter(contract=contract)
    if vendor is not None:
        findings = findings.filter(vendor=vendor)
    return findings.order_by("kind", "-opened_at", "pk")


def leaver_assignment_choices(contract: Any, *, on: date | None = None) -> QuerySet[Assignment]:
    """The assignments a substitution may replace: the contract's, not ended before ``on`` (default today)."""
    day = on or timezone.localdate()
    return (
        Assignment.objects.filter(contract=contract)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("engineer")
        .order_by("engineer__name", "start_date", "pk")
    )
