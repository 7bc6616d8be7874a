"""The roster findings (docs/architecture/roster-findings.md): what the scheduled roster job finds about
every vendor's team, kept in ``RosterFinding`` while it holds.

``roster_findings_evaluate`` reads the whole portfolio in a fixed number of queries (the active contracts
with their plans, every assignment, the approved substitutions, the unrevoked access grants of roster
people, and the delivery-telemetry authors of the last ``ROSTER_INACTIVE_DAYS`` grouped in SQL), works
out every finding in memory, and syncs the table in three more statements: new findings inserted, the
ones still holding refreshed when their words or figures changed (or last seen on an earlier day),
the ones no longer holding closed. A second run on the same day writes nothing.

The kinds (``FindingKind``) and their subjects (a finding is stored, and reminded, once per vendor,
kind and subject):

- ``unapproved_swap`` — a key person's assignment ended (a day before today, and the engineer does not
  carry on in another assignment of the contract the next day), or a joiner started in the same role
  while the key person is still there, without an approved substitution of that assignment. Subject:
  the key person's assignment id.
- ``seniority_drift`` — the active team's allocation-weighted seniority below the staffing plan's by
  more than ``ROSTER_DRIFT_TOLERANCE``. Subject: the contract id.
- ``understaffed`` — the allocation-weighted headcount below the plan's by more than
  ``ROSTER_UNDERSTAFFED_PERCENT`` %. Subject: the contract id.
- ``leaver_with_access`` — an unrevoked access grant of an engineer whose assignments all ended.
  Subject: the grant id.
- ``unlisted_contributor`` — a vendor identity with commits or pull requests on the contract in the
  last ``ROSTER_INACTIVE_DAYS`` days matching no engineer actively assigned to it. Subject:
  ``<contract id>:<identity in lower case>`` (one vendor may have the same identity on two contracts).
- ``key_person_inactive`` — a key person assigned for ``ROSTER_INACTIVE_DAYS`` or more on a contract
  with an active code binding (GitHub, GitLab, generic), with no commit or pull request of theirs there
  in that time. Subject: the assignment id.

Contract-level kinds look at active contracts only (an ended contract's team has ended with it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.formatting import format_count, format_date, format_number, format_percent
from apps.performance.choices import TelemetrySource
from apps.performance.telemetry.models import Change, PullRequest, SourceBinding
from apps.roster.choices import FindingKind, SubstitutionStatus
from apps.roster.models import Assignment, RosterFinding, StaffingPlanLine, Substitution
from apps.vendors.choices import SENIORITY_WEIGHTS, SeniorityBand
from apps.vendors.models import AccessGrant

# The kinds of the attention ranking's two weights (``apps.dashboards.attention``).
HIGH_KINDS = (FindingKind.UNAPPROVED_SWAP, FindingKind.LEAVER_WITH_ACCESS)
# Telemetry sources that carry commits and pull requests: only these make a key person "inactive".
CODE_SOURCES = (TelemetrySource.GITHUB, TelemetrySource.GITLAB, TelemetrySource.GENERIC)
# Only one roster job writes the findings at a time (a transaction-level advisory lock).
EVALUATE_LOCK = 7_240_517
HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")


# -- what the job read ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stint:
    """One assignment with what the rules read of it and of its engineer."""

    pk: int
    contract_id: int
    title: str  # the contract's
    vendor_id: int
    engineer_id: int
    name: str
    email: str
    git_handle: str
    seniority: str
    role: str
    allocation: int
    start: date
    end: date | None
    key_person: bool

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    @property
    def who(self) -> str:
        band = SeniorityBand(self.seniority).label.lower() if self.seniority in SeniorityBand.values else "no band"
        return f"{self.name} ({band}{', key person' if self.key_person else ''})"


@dataclass(frozen=True)
class Found:
    """One finding as the job works it out (before it meets the stored rows)."""

    vendor_id: int
    kind: str
    subject: str
    message: str
    contract_id: int | None = None
    engineer_id: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.vendor_id, self.kind, self.subject)


@dataclass
class EvaluateSummary:
    """What one run did: findings opened, refreshed, closed, and how many hold now per kind."""

    opened: int = 0
    refreshed: int = 0
    closed: int = 0
    holding: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"opened": self.opened, "refreshed": self.refreshed, "closed": self.closed, "holding": self.holding}


def _stints() -> list[Stint]:
    """One query: every assignment with its engineer and contract's vendor."""
    rows = Assignment.objects.order_by("contract_id", "start_date", "pk").values_list(
        "pk",
        "contract_id",
        "contract__title",
        "contract__vendor_id",
        "engineer_id",
        "engineer__name",
        "engineer__email",
        "engineer__git_handle",
        "engineer__seniority",
        "role",
        "allocation_percent",
        "start_date",
        "end_date",
        "key_person",
    )
    return [Stint(*row) for row in rows]


def _weight(seniority: str) -> Decimal:
    return Decimal(SENIORITY_WEIGHTS.get(seniority, 0))


def _same_role(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _quantize(value: Decimal, places: Decimal = TWO_PLACES) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# -- the rules ---------------------------------------------------------------------------------------------
def carries_on(stint: Stint, on_contract: Iterable[Stint]) -> bool:
    """Whether the engineer of an ended ``stint`` has another assignment of the same contract active on
    the day after its end (a re-allocation or role change: not a leaver)."""
    if stint.end is None:
        return True
    after = stint.end + timedelta(days=1)
    return any(
        other.pk != stint.pk and other.engineer_id == stint.engineer_id and other.active_on(after)
        for other in on_contract
    )


def _unapproved_swaps(
    by_contract: dict[int, list[Stint]], active: set[int], approved: set[int], today: date
) -> list[Found]:
    found = []
    for contract_id in sorted(active):
        team = by_contract.get(contract_id, [])
        for leaver in team:
            if not leaver.key_person or leaver.end is None or leaver.pk in approved or carries_on(leaver, team):
                continue
            # A joiner: another engineer who started in the same role after the key person did, up to the
            # day after the key person's last one; the first of them.
            joiners = sorted(
                (
                    other
                    for other in team
                    if other.engineer_id != leaver.engineer_id
                    and _same_role(other.role, leaver.role)
                    and leaver.start < other.start <= min(leaver.end + timedelta(days=1), today)
                ),
                key=lambda other: (other.start, other.pk),
            )
            joiner = joiners[0] if joiners else None
            ended = leaver.end < today
            if not ended and joiner is None:
                continue  # leaving later, nobody in the role yet: a plan, not a swap
            title = leaver.title
            if joiner is None:
                message = (
                    f"{leaver.who} left the {leaver.role} role on “{title}” on {format_date(leaver.end)} "
                    "without an approved substitution."
                )
            elif ended:
                message = (
                    f"{leaver.who} left on {format_date(leaver.end)} and {joiner.who} took the {leaver.role} role "
                    f"on “{title}” on {format_date(joiner.start)} without an approved substitution."
                )
            else:
                message = (
                    f"{joiner.who} took the {leaver.role} role on “{title}” on {format_date(joiner.start)} while "
                    f"{leaver.who} leaves on {format_date(leaver.end)}, without an approved substitution."
                )
            found.append(
                Found(
                    leaver.vendor_id,
                    FindingKind.UNAPPROVED_SWAP,
                    str(leaver.pk),
                    message,
                    contract_id,
                    leaver.engineer_id,
                    {
                        "assignment": leaver.pk,
                        "role": leaver.role,
                        "leaver": leaver.name,
                        "leaver_seniority": leaver.seniority,
                        "ends_on": leaver.end.isoformat(),
                        "joiner_assignment": joiner.pk if joiner else None,
                        "joiner": joiner.name if joiner else None,
                        "joiner_seniority": joiner.seniority if joiner else None,
                        "joins_on": joiner.start.isoformat() if joiner else None,
                    },
                )
            )
    return found


@dataclass(frozen=True)
class TeamMix:
    """A contract's active team on a day, allocation-weighted: full-time equivalents and seniority."""

    headcount: Decimal  # Σ allocation ÷ 100
    seniority: Decimal | None  # Σ allocation × weight ÷ Σ allocation; None without anyone
    by_band: dict[str, Decimal]  # band → full-time equivalents


def team_mix(stints: Iterable[Stint], day: date) -> TeamMix:
    allocation, weighted = Decimal(0), Decimal(0)
    by_band: dict[str, Decimal] = defaultdict(Decimal)
    for stint in stints:
        if stint.active_on(day):
            allocation += stint.allocation
            weighted += stint.allocation * _weight(stint.seniority)
            by_band[stint.seniority] += Decimal(stint.allocation) / HUNDRED
    return TeamMix(allocation / HUNDRED, weighted / allocation if allocation else None, dict(by_band))


def plan_mix(lines: Iterable[tuple[str, Decimal]]) -> tuple[Decimal, Decimal | None]:
    """(total headcount, headcount-weighted seniority) of a staffing plan's lines."""
    total = Decimal(0)
    weighted = Decimal(0)
    for seniority, headcount in lines:
        total += headcount
        weighted += headcount * _weight(seniority)
    return total, (weighted / total if total else None)


def _bands(by_band: dict[str, Decimal]) -> str:
    parts = [f"{format_number(by_band[band])} {band}" for band in SeniorityBand.values if by_band.get(band)]
    return ", ".join(parts) if parts else "nobody"


def _plan_findings(
    by_contract: dict[int, list[Stint]],
    plans: dict[int, list[tuple[str, Decimal]]],
    contracts: dict[int, tuple[int, str]],
    today: date,
) -> list[Found]:
    tolerance = Decimal(str(settings.ROSTER_DRIFT_TOLERANCE))
    short_percent = Decimal(str(settings.ROSTER_UNDERSTAFFED_PERCENT))
    found = []
    for contract_id, lines in plans.items():
        if contract_id not in contracts:
            continue
        vendor_id, title = contracts[contract_id]
        planned, planned_seniority = plan_mix(lines)
        if not planned or planned_seniority is None:
            continue
        mix = team_mix(by_contract.get(contract_id, []), today)
        planned_bands = {seniority: headcount for seniority, headcount in lines if headcount}
        if mix.seniority is not None and planned_seniority - mix.seniority > tolerance:
            gap = planned_seniority - mix.seniority
            found.append(
                Found(
                    vendor_id,
                    FindingKind.SENIORITY_DRIFT,
                    str(contract_id),
                    f"The team on “{title}” averages {format_number(mix.seniority)} in seniority ({_bands(mix.by_band)}),"
                    f" below the staffing plan's {format_number(planned_seniority)} ({_bands(planned_bands)}) by"
                    f" {format_number(gap)}: more than the tolerance of {format_number(tolerance)}"
                    " (junior 1, mid 2, senior 3, principal 4).",
                    contract_id,
                    figures={
                        "active_seniority": str(_quantize(mix.seniority)),
                        "planned_seniority": str(_quantize(planned_seniority)),
                        "gap": str(_quantize(gap)),
                        "tolerance": str(tolerance),
                    },
                )
            )
        short = (planned - mix.headcount) * HUNDRED / planned
        if short > short_percent:
            found.append(
                Found(
                    vendor_id,
                    FindingKind.UNDERSTAFFED,
                    str(contract_id),
                    f"“{title}” has {format_number(mix.headcount)} full-time engineers against"
                    f" {format_number(planned)} in its staffing plan: {format_percent(_quantize(short, ONE_PLACE))}"
                    f" short, more than the {format_percent(short_percent)} allowed.",
                    contract_id,
                    figures={
                        "active_headcount": str(_quantize(mix.headcount)),
                        "planned_headcount": str(_quantize(planned)),
                        "short_percent": str(_quantize(short, ONE_PLACE)),
                        "tolerance_percent": str(short_percent),
                    },
                )
            )
    return found


def _leavers_with_access(by_engineer: dict[int, list[Stint]], today: date) -> list[Found]:
    """One query: unrevoked grants of roster people whose assignments have all ended."""
    leavers = {
        engineer_id: max(stints, key=lambda s: (s.end or date.max, s.pk))
        for engineer_id, stints in by_engineer.items()
        if stints and all(s.end is not None and s.end < today for s in stints)
    }
    if not leavers:
        return []
    rows = list(
        AccessGrant.objects.filter(engineer_id__in=leavers)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .order_by("pk")
        .values_list("pk", "vendor_id", "engineer_id", "system", "privilege", "account_name")
    )
    found = []
    for pk, vendor_id, engineer_id, system, privilege, account in rows:
        last = leavers[engineer_id]
        assert last.end is not None
        found.append(
            Found(
                vendor_id,
                FindingKind.LEAVER_WITH_ACCESS,
                str(pk),
                f"{last.name}'s {privilege} access to {system} (account {account}) is not revoked, though their last"
                f" assignment ended on {format_date(last.end)} (“{last.title}”).",
                last.contract_id,
                engineer_id,
                {"grant": pk, "system": system, "privilege": privilege, "last_day": last.end.isoformat()},
            )
        )
    return found


@dataclass
class Activity:
    """One author's commits and pull requests on one contract in the window."""

    email: str
    login: str
    by_vendor: bool
    events: int
    last: datetime


def _activity(contract_ids: set[int], since: datetime) -> dict[int, list[Activity]]:
    """Two queries: the authors of the commits and of the pull requests on these contracts since
    ``since``, grouped in SQL by contract and (lower-cased) e-mail and login."""
    found: dict[int, list[Activity]] = defaultdict(list)
    if not contract_ids:
        return found
    changes = (
        Change.objects.filter(contract_id__in=contract_ids, authored_at__gte=since)
        .order_by()
        .annotate(email=Lower("author_email"), login=Lower("author_login"))
        .values("contract_id", "email", "login", "by_vendor")
        .annotate(n=Count("pk"), last=Max("authored_at"))
    )
    for row in changes:
        found[row["contract_id"]].append(
            Activity(row["email"], row["login"], bool(row["by_vendor"]), row["n"], row["last"])
        )
    pulls = (
        PullRequest.objects.filter(contract_id__in=contract_ids)
        .filter(Q(opened_at__gte=since) | Q(merged_at__gte=since))
        .order_by()
        .annotate(login=Lower("author_login"))
        .values("contract_id", "login", "by_vendor")
        .annotate(n=Count("pk"), last=Max(Coalesce("merged_at", "opened_at")))
    )
    for pull in pulls:
        found[pull["contract_id"]].append(Activity("", pull["login"], bool(pull["by_vendor"]), pull["n"], pull["last"]))
    return found


def _people(authors: list[Activity]) -> list[tuple[str, list[Activity]]]:
    """The authors grouped by person: a commit that carries both an e-mail and a login says they are
    one person, so a pull request by the login and a commit by the e-mail are not two contributors.
    Each person is named by their login where known (the Git handle the roster records), else their
    e-mail; sorted by that name."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for author in authors:
        keys = [f"login:{author.login}" if author.login else "", f"email:{author.email}" if author.email else ""]
        keys = [key for key in keys if key]
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    groups: dict[str, list[Activity]] = defaultdict(list)
    for author in authors:
        key = f"login:{author.login}" if author.login else f"email:{author.email}" if author.email else ""
        if key:
            groups[root(key)].append(author)
    people = []
    for rows in groups.values():
        logins = sorted({row.login for row in rows if row.login})
        people.append((logins[0] if logins else min(row.email for row in rows), rows))
    return sorted(people, key=lambda person: person[0])


def _matches(activity: Activity, stint: Stint) -> bool:
    return bool(
        (activity.email and stint.email and activity.email == stint.email.lower())
        or (activity.login and stint.git_handle and activity.login == stint.git_handle.lower())
    )


def _telemetry_findings(
    by_contract: dict[int, list[Stint]], contracts: dict[int, tuple[int, str]], today: date
) -> list[Found]:
    days = int(settings.ROSTER_INACTIVE_DAYS)
    # The window: the last ``days`` days up to today, from local midnight.
    since = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    bound = set(
        SourceBinding.objects.filter(contract_id__in=contracts, active=True, source__in=CODE_SOURCES)
        .order_by()
        .values_list("contract_id", flat=True)
        .distinct()
    )
    activity = _activity(bound, since)
    found = []
    for contract_id in sorted(bound):
        vendor_id, title = contracts[contract_id]
        team = [s for s in by_contract.get(contract_id, []) if s.active_on(today)]
        authors = activity.get(contract_id, [])
        # A person is listed when any of their identities (e-mail or login) is an active assignee's.
        people = _people([author for author in authors if author.by_vendor])
        unlisted = [(name, rows) for name, rows in people if not any(_matches(r, s) for r in rows for s in team)]
        for identity, rows in unlisted:
            events = sum(row.events for row in rows)
            last = max(row.last for row in rows)
            emails = sorted({row.email for row in rows if row.email and row.email != identity})
            named = f"{identity} ({', '.join(emails)})" if emails else identity
            found.append(
                Found(
                    vendor_id,
                    FindingKind.UNLISTED_CONTRIBUTOR,
                    f"{contract_id}:{identity}"[:255],
                    f"{named}, a vendor identity, authored "
                    f"{format_count(events, 'commit or pull request', 'commits or pull requests')}"
                    f" on “{title}” in the last {days} days (the last on {format_date(last)}) but is on no active"
                    " assignment of the contract.",
                    contract_id,
                    figures={"identity": identity, "events": events, "last_seen": last.isoformat(), "days": days},
                )
            )
        for stint in team:
            if not stint.key_person or (today - stint.start).days < days:
                continue
            if any(_matches(author, stint) for author in authors):
                continue
            found.append(
                Found(
                    vendor_id,
                    FindingKind.KEY_PERSON_INACTIVE,
                    str(stint.pk),
                    f"{stint.who}, {stint.role} on “{title}” since {format_date(stint.start)}, has no commit or pull"
                    f" request there in the last {days} days.",
                    contract_id,
                    stint.engineer_id,
                    {"assignment": stint.pk, "role": stint.role, "days": days, "since": stint.start.isoformat()},
                )
            )
    return found


def roster_findings_compute(*, today: date) -> list[Found]:
    """Every finding that holds on ``today``, for every vendor: a fixed number of queries."""
    contracts = {
        pk: (vendor_id, title)
        for pk, vendor_id, title in Contract.objects.filter(status=ContractStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "vendor_id", "title")
    }
    stints = _stints()
    by_contract: dict[int, list[Stint]] = defaultdict(list)
    by_engineer: dict[int, list[Stint]] = defaultdict(list)
    for stint in stints:
        by_contract[stint.contract_id].append(stint)
        by_engineer[stint.engineer_id].append(stint)
    approved = set(
        Substitution.objects.filter(status=SubstitutionStatus.APPROVED).values_list("leaver_assignment_id", flat=True)
    )
    plans: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for contract_id, seniority, headcount in StaffingPlanLine.objects.filter(
        plan__contract_id__in=contracts
    ).values_list("plan__contract_id", "seniority", "headcount"):
        plans[contract_id].append((seniority, headcount))
    return [
        *_unapproved_swaps(by_contract, set(contracts) & set(by_contract), approved, today),
        *_plan_findings(by_contract, plans, contracts, today),
        *_leavers_with_access(by_engineer, today),
        *_telemetry_findings(by_contract, contracts, today),
    ]


# -- keeping the table true ------------------------------------------------------------------------------------
def roster_findings_evaluate(*, today: date | None = None) -> EvaluateSummary:
    """Work out every roster finding as of ``today`` (default: the local date) and sync ``RosterFinding``:
    open the new ones, refresh the ones still holding (message, figures; ``last_seen_at`` once a day),
    close the ones that no longer hold. One transaction, one run at a time; a fixed number of queries
    whatever the size of the portfolio; a second run on the same day writes nothing."""
    now = timezone.now()
    today = today or timezone.localdate()
    summary = EvaluateSummary()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVALUATE_LOCK])
        wanted = {found.key: found for found in roster_findings_compute(today=today)}
        stored = {(f.vendor_id, f.kind, f.subject): f for f in RosterFinding.objects.filter(closed_at__isnull=True)}
        new = [
            RosterFinding(
                vendor_id=found.vendor_id,
                contract_id=found.contract_id,
                kind=found.kind,
                subject=found.subject,
                engineer_id=found.engineer_id,
                message=found.message,
                figures=found.figures,
                opened_at=now,
                last_seen_at=now,
            )
            for key, found in wanted.items()
            if key not in stored
        ]
        changed = []
        for key, finding in stored.items():
            found = wanted.get(key)
            if found is None:
                continue
            fresh = (found.message, found.figures, found.contract_id, found.engineer_id)
            if (
                fresh == (finding.message, finding.figures, finding.contract_id, finding.engineer_id)
                and timezone.localtime(finding.last_seen_at).date() >= today
            ):
                continue
            finding.message, finding.figures, finding.contract_id, finding.engineer_id = fresh
            finding.last_seen_at = now
            changed.append(finding)
        gone = [finding.pk for key, finding in stored.items() if key not in wanted]
        if new:
            RosterFinding.objects.bulk_create(new)
        if changed:
            RosterFinding.objects.bulk_update(
                changed, ["message", "figures", "contract_id", "engineer_id", "last_seen_at"], batch_size=500
            )
        if gone:
            RosterFinding.objects.filter(pk__in=gone).update(closed_at=now)
    summary.opened, summary.refreshed, summary.closed = len(new), len(changed), len(gone)
    counts: dict[str, int] = defaultdict(int)
    for found in wanted.values():
        counts[found.kind] += 1
    summary.holding = dict(counts)
    return summary


# -- reads ----------------------------------------------------------------------------------------------------
def open_roster_findings(*, user: Any = None, vendor: Any = None, contract: Any = None) -> QuerySet[RosterFinding]:
    """The open findings (everyone signed in reads every vendor and contract), of one vendor or one
    contract when given, the gravest kinds first."""
    findings = RosterFinding.objects.filter(closed_at__isnull=True).select_related("vendor", "contract", "engineer")
    if vendor is not None:
        findings = findings.filter(vendor_id=getattr(vendor, "pk", vendor))
    if contract is not None:
        findings = findings.filter(contract_id=getattr(contract, "pk", contract))
    return findings.order_by("vendor__name", "contract__title", "kind", "-opened_at", "pk")


def open_roster_findings_query(*, vendor_ids: Iterable[int] | None = None) -> Any:
    """The open findings counted per vendor and kind: rows of ``(vendor_id, kind, n)``."""
    rows = RosterFinding.objects.filter(closed_at__isnull=True)
    if vendor_ids is not None:
        rows = rows.filter(vendor_id__in=list(vendor_ids))
    return rows.order_by().values("vendor_id", "kind").annotate(n=Count("pk")).values_list("vendor_id", "kind", "n")


def open_roster_findings_per_vendor(*, vendor_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """One query: vendor id → kind → open findings (the attention ranking's count)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for vendor_id, kind, n in open_roster_findings_query(vendor_ids=vendor_ids):
        counts[vendor_id][kind] = n
    return dict(counts)
