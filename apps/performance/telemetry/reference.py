"""The telemetry metrics in plain Python, from the same event rows as the SQL
(``apps.performance.telemetry.metrics``): the definitions written the obvious way, one contract and one
event at a time. It is too slow for production and exists to be read and compared:

- ``tests/performance/telemetry/test_metrics_parity.py`` proves the SQL gives the same rows on
  randomised events (as ``test_sweep_matches_rules.py`` does for the SLA sweep);
- ``apps.performance.telemetry.evidence`` lists, with this module's ``counted``, the events behind a
  value — so what the explain page shows is what the value was computed from.

Each metric turns events into ``Counted`` items (an event, the week it counts in, and how: a duration,
a deploy-day, a numerator and denominator), and ``weekly_rows`` aggregates them per KPI and week as
the SQL does. ``first_shipped`` is the commit walk in order: each successful production deployment,
earliest first, walks down from its commit until a commit an earlier one deployed or shipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.kpis.models import KpiDefinition
from apps.performance.choices import DeploymentStatus
from apps.performance.telemetry import metrics as m
from apps.performance.telemetry.models import (
    Change,
    Deployment,
    DeploymentChange,
    Incident,
    PullRequest,
    SourceBinding,
    Sprint,
    TelemetryEvent,
    TrackerIssue,
)

ONE_MICROSECOND = timedelta(microseconds=1)

# What each KPI measures, as the explain page and docs/telemetry/metrics.md say it.
DEFINITIONS: dict[str, str] = {
    m.DEPLOYMENT_FREQUENCY: "The days of the week with at least one successful production deployment, per week "
    "(the current week: per the days elapsed, × 7).",
    m.LEAD_TIME: "For each successful production deployment finishing in the week, each commit it shipped for "
    "the first time (reachable from it and not from an earlier production deployment of the repository) "
    "counts deployment finished − commit authored; the median of those commits, in hours.",
    m.CHANGE_FAILURE_RATE: "Production deployments finishing in the week that caused a failure — blamed by an "
    "incident (by the deployment's id, its commit or a commit it shipped first), or followed by a rollback or "
    "hot-fix deployment of the repository within the rollback hours — ÷ production deployments finishing in "
    "the week.",
    m.TIME_TO_RESTORE: "For the incidents resolved in the week: resolved − opened; the median, in hours.",
    m.BUG_RESOLUTION_TIME: "For the bugs resolved in the week: resolved − reported; the median, in hours.",
    m.FIRST_RESPONSE_TIME: "For the issues whose first response came in the week: first response − opened; "
    "the median, in hours.",
    m.SPRINT_VELOCITY: "The story points completed in the sprints closed in the week.",
    m.SAY_DO_RATIO: "Completed ÷ committed points of the sprints closed in the week (a sprint's completed "
    "points count up to its commitment).",
    m.PR_REVIEW_TURNAROUND: "For the pull requests first reviewed in the week: first review − opened; the "
    "median, in hours.",
    m.REWORK_RATE: "Pull requests merged in the week that revert or hot-fix earlier work ÷ pull requests merged "
    "in the week.",
}


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def micros_between(later: datetime, earlier: datetime) -> int:
    """A duration in microseconds, never negative (clocks of different tools disagree)."""
    return max(0, (later - earlier) // ONE_MICROSECOND)


def quantized(number: Decimal) -> Decimal:
    return number.quantize(m.FOUR_PLACES, ROUND_HALF_UP)


def median_hours(micros: Iterable[int]) -> Decimal:
    """The median duration in hours, exactly (the mean of the two middle values for an even count)."""
    ordered = sorted(micros)
    middle = len(ordered) // 2
    doubled = 2 * ordered[middle] if len(ordered) % 2 else ordered[middle - 1] + ordered[middle]
    return m.hours_of_micros(doubled)


# -- the events of a contract ---------------------------------------------------------------------------
@dataclass
class ContractEvents:
    """What the metrics read of one contract: its run, what its active bindings measure (and from
    when), and the events of its active bindings."""

    contract_id: int
    status: str
    start_date: date
    end_date: date | None
    measured: dict[str, date] = field(default_factory=dict)  # KPI code → covers_from
    measures: dict[int, frozenset[str]] = field(default_factory=dict)  # active binding → its KPIs
    production: list[Deployment] = field(default_factory=list)  # by (finished_at, id)
    shipped: dict[int, list[Change]] = field(default_factory=dict)  # deployment id → commits it shipped first
    incidents: list[Incident] = field(default_factory=list)
    issues: list[TrackerIssue] = field(default_factory=list)
    sprints: list[Sprint] = field(default_factory=list)
    pull_requests: list[PullRequest] = field(default_factory=list)

    def measures_of(self, event: TelemetryEvent, code: str) -> bool:
        return code in self.measures.get(event.binding_id, frozenset())


def is_production(deployment: Deployment, binding: SourceBinding) -> bool:
    environments = {name.lower() for name in binding.production_environments}
    return (
        deployment.status == DeploymentStatus.SUCCESS
        and deployment.finished_at is not None
        and deployment.environment.lower() in environments
    )


def _order(deployment: Deployment) -> tuple[datetime, int]:
    assert deployment.finished_at is not None
    return (deployment.finished_at, deployment.pk)


def first_shipped(
    production: Iterable[Deployment], changes: Iterable[Change], *, cap: int | None = None
) -> dict[int, list[Change]]:
    """The commits each successful production deployment shipped for the first time: walking the
    deployments in order (finished_at, then id), each from its commit down ``parent_sha`` until a
    commit an earlier deployment of the same binding and repository deployed or shipped, where the
    chain ends (a parent no push told us of), or after ``cap`` commits."""
    limit = m.WALK_MAX_COMMITS if cap is None else cap
    by_sha: dict[tuple[int, str, str], Change] = {}
    for change in sorted(changes, key=lambda c: c.pk, reverse=True):  # the lowest id wins a duplicate
        by_sha[(change.binding_id, change.repository, change.sha)] = change
    seen: dict[tuple[int, str], set[str]] = defaultdict(set)
    result: dict[int, list[Change]] = {}
    for deployment in sorted(production, key=_order):
        repository = (deployment.binding_id, deployment.repository)
        before = seen[repository]
        commits: list[Change] = []
        walked: set[str] = set()
        sha = deployment.sha
        while sha and sha not in before and sha not in walked and len(commits) < limit:
            found = by_sha.get((deployment.binding_id, deployment.repository, sha))
            if found is None:
                break
            commits.append(found)
            walked.add(sha)
            sha = found.parent_sha
        result[deployment.pk] = commits
        if deployment.sha:
            before.add(deployment.sha)
        before.update(walked)
    return result


def _window_q(name: str, lo: datetime | None, hi: datetime) -> Q:
    q = Q(**{f"{name}__lt": hi})
    return q & Q(**{f"{name}__gte": lo}) if lo is not None else q


def contract_events(
    contract_ids: Iterable[int], *, today: date, lo: datetime | None = None, links: str = "walk"
) -> dict[int, ContractEvents]:
    """The events of these contracts' active bindings up to the end of ``today``: all of them (``lo``
    None), or those whose metric time is from ``lo`` (the evidence of some weeks: deployments up to the
    rollback hours after the end, and every incident that blames something). ``links``: ``walk`` works
    the first-shipped commits out from the commit chains (``first_shipped``: needs all history),
    ``stored`` reads the links the SQL derived (``DeploymentChange``)."""
    ids = {int(pk) for pk in contract_ids}
    hi = m.local_midnight(today + timedelta(days=1))
    found: dict[int, ContractEvents] = {
        pk: ContractEvents(pk, status, start, end)
        for pk, status, start, end in Contract.objects.filter(pk__in=ids).values_list(
            "pk", "status", "start_date", "end_date"
        )
    }
    bindings = {b.pk: b for b in SourceBinding.objects.filter(contract_id__in=found, active=True)}
    for binding in sorted(bindings.values(), key=lambda b: (b.covers_from, b.pk)):
        facts = found[binding.contract_id]
        facts.measures[binding.pk] = frozenset(binding.measures)
        for code in binding.measures:
            facts.measured.setdefault(code, binding.covers_from)
    active = list(bindings)

    deployments = Deployment.objects.filter(binding_id__in=active, finished_at__isnull=False, finished_at__lt=hi)
    if lo is not None:
        deployments = deployments.filter(finished_at__gte=lo)
    production = [d for d in deployments if is_production(d, bindings[d.binding_id])]
    shipped: dict[int, list[Change]]
    if links == "walk":
        shipped = first_shipped(production, Change.objects.filter(binding_id__in=active))
    else:
        shipped = defaultdict(list)
        stored = DeploymentChange.objects.filter(deployment__in=[d.pk for d in production]).select_related("change")
        for link in stored.order_by("change__authored_at", "change_id"):
            shipped[link.deployment_id].append(link.change)
    incidents = Incident.objects.filter(binding_id__in=active).filter(
        _window_q("resolved_at", lo, hi) | ~Q(caused_by_deployment="") | ~Q(caused_by_sha="")
    )
    issues = TrackerIssue.objects.filter(binding_id__in=active).filter(
        _window_q("resolved_at", lo, hi) | _window_q("first_response_at", lo, hi)
    )
    sprints = Sprint.objects.filter(binding_id__in=active).filter(_window_q("closed_at", lo, hi))
    pull_requests = PullRequest.objects.filter(binding_id__in=active).filter(
        _window_q("first_review_at", lo, hi) | _window_q("merged_at", lo, hi)
    )
    for deployment in sorted(production, key=_order):
        found[deployment.contract_id].production.append(deployment)
    for deployment in production:
        found[deployment.contract_id].shipped[deployment.pk] = list(shipped.get(deployment.pk, []))
    for name, rows in (
        ("incidents", incidents),
        ("issues", issues),
        ("sprints", sprints),
        ("pull_requests", pull_requests),
    ):
        for row in rows.order_by("pk"):
            getattr(found[row.contract_id], name).append(row)
    return found


# -- what each metric counts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Counted:
    """One event a metric counts in a week, and how: a duration (``micros``) for the medians, a
    deploy-day, points, or a numerator and denominator for the ratios. ``causes`` are what failed a
    deployment (incidents, the rollback deployment); ``shipped_by`` the deployment that shipped a
    commit first."""

    kpi_code: str
    week: date
    at: datetime
    event: TelemetryEvent
    micros: int | None = None
    day: date | None = None
    amount: Decimal | None = None
    numerator: Decimal = Decimal(0)
    denominator: Decimal = Decimal(0)
    causes: tuple[TelemetryEvent, ...] = ()
    shipped_by: Deployment | None = None


def _item(code: str, at: datetime, event: TelemetryEvent, **how: Any) -> Counted:
    return Counted(code, m.week_start(local_day(at)), at, event, **how)


def _failures(events: ContractEvents, rollback_hours: int) -> dict[int, tuple[TelemetryEvent, ...]]:
    """Deployment id → what failed it: the incidents that blame it (by its source id, its commit, or
    a commit it shipped first) and the next production deployment of its repository when that is a
    rollback within ``rollback_hours``."""
    causes: dict[int, list[TelemetryEvent]] = defaultdict(list)
    blaming = [i for i in events.incidents if i.caused_by_deployment or i.caused_by_sha]
    for deployment in events.production:
        shipped = {change.sha for change in events.shipped.get(deployment.pk, [])}
        for incident in blaming:
            if (incident.caused_by_deployment and incident.caused_by_deployment == deployment.source_id) or (
                incident.caused_by_sha
                and (incident.caused_by_sha == deployment.sha or incident.caused_by_sha in shipped)
            ):
                causes[deployment.pk].append(incident)
    by_repository: dict[tuple[int, str], list[Deployment]] = defaultdict(list)
    for deployment in events.production:  # in order already
        by_repository[(deployment.binding_id, deployment.repository)].append(deployment)
    window = timedelta(hours=rollback_hours)
    for deployments in by_repository.values():
        for deployment, following in pairwise(deployments):
            assert deployment.finished_at is not None and following.finished_at is not None
            if following.is_rollback and following.finished_at - deployment.finished_at <= window:
                causes[deployment.pk].append(following)
    return {pk: tuple(found) for pk, found in causes.items()}


def counted(events: ContractEvents, *, rollback_hours: int | None = None) -> list[Counted]:
    """Every event each metric counts, with its week (only the KPIs the event's binding measures)."""
    hours = settings.TELEMETRY_ROLLBACK_HOURS if rollback_hours is None else rollback_hours
    items: list[Counted] = []
    failures = _failures(events, hours)
    for deployment in events.production:
        at = deployment.finished_at
        assert at is not None
        if events.measures_of(deployment, m.DEPLOYMENT_FREQUENCY):
            items.append(_item(m.DEPLOYMENT_FREQUENCY, at, deployment, day=local_day(at)))
        if events.measures_of(deployment, m.CHANGE_FAILURE_RATE):
            causes = failures.get(deployment.pk, ())
            items.append(
                _item(
                    m.CHANGE_FAILURE_RATE,
                    at,
                    deployment,
                    numerator=Decimal(1 if causes else 0),
                    denominator=Decimal(1),
                    causes=causes,
                )
            )
        if events.measures_of(deployment, m.LEAD_TIME):
            for change in events.shipped.get(deployment.pk, []):
                items.append(
                    _item(
                        m.LEAD_TIME,
                        at,
                        change,
                        micros=micros_between(at, change.authored_at),
                        shipped_by=deployment,
                    )
                )
    for incident in events.incidents:
        if incident.resolved_at is not None and events.measures_of(incident, m.TIME_TO_RESTORE):
            items.append(
                _item(
                    m.TIME_TO_RESTORE,
                    incident.resolved_at,
                    incident,
                    micros=micros_between(incident.resolved_at, incident.opened_at),
                )
            )
    for issue in events.issues:
        if issue.is_bug and issue.resolved_at is not None and events.measures_of(issue, m.BUG_RESOLUTION_TIME):
            items.append(
                _item(
                    m.BUG_RESOLUTION_TIME,
                    issue.resolved_at,
                    issue,
                    micros=micros_between(issue.resolved_at, issue.opened_at),
                )
            )
        if issue.first_response_at is not None and events.measures_of(issue, m.FIRST_RESPONSE_TIME):
            items.append(
                _item(
                    m.FIRST_RESPONSE_TIME,
                    issue.first_response_at,
                    issue,
                    micros=micros_between(issue.first_response_at, issue.opened_at),
                )
            )
    for sprint in events.sprints:
        if sprint.closed_at is None or sprint.completed_points is None:
            continue
        if events.measures_of(sprint, m.SPRINT_VELOCITY):
            items.append(_item(m.SPRINT_VELOCITY, sprint.closed_at, sprint, amount=sprint.completed_points))
        committed = sprint.committed_points
        if committed is not None and committed > 0 and events.measures_of(sprint, m.SAY_DO_RATIO):
            items.append(
                _item(
                    m.SAY_DO_RATIO,
                    sprint.closed_at,
                    sprint,
                    numerator=min(sprint.completed_points, committed),
                    denominator=committed,
                )
            )
    for pr in events.pull_requests:
        if pr.first_review_at is not None and events.measures_of(pr, m.PR_REVIEW_TURNAROUND):
            items.append(
                _item(
                    m.PR_REVIEW_TURNAROUND,
                    pr.first_review_at,
                    pr,
                    micros=micros_between(pr.first_review_at, pr.opened_at),
                )
            )
        if pr.merged_at is not None and events.measures_of(pr, m.REWORK_RATE):
            rework = pr.is_revert or pr.is_hotfix
            items.append(
                _item(m.REWORK_RATE, pr.merged_at, pr, numerator=Decimal(1 if rework else 0), denominator=Decimal(1))
            )
    return items


# -- weekly rows -------------------------------------------------------------------------------------------
def written(events: ContractEvents, code: str, week: date, today: date) -> bool:
    """Whether telemetry writes this KPI's period: a KPI an active binding measures, a period ending
    on or after its covers_from, and one the measurement rules take (not a draft contract, not
    outside its run)."""
    end = m.period_end(week, today)
    covers_from = events.measured.get(code)
    return (
        covers_from is not None
        and end >= covers_from
        and events.status != ContractStatus.DRAFT
        and end >= events.start_date
        and (events.end_date is None or week <= events.end_date)
    )


def row_of(
    contract_id: int, code: str, week: date, items: list[Counted], *, today: date, multiplier: Decimal
) -> m.MetricRow | None:
    """The measurement of one KPI and week from the items it counts (None when nothing counts)."""
    end = m.period_end(week, today)
    if not items:
        return None
    numerator = denominator = None
    extra = 0
    if code == m.DEPLOYMENT_FREQUENCY:
        days = len({item.day for item in items})
        value = quantized(Decimal(days * 7) / Decimal((end - week).days + 1))
        extra = days
    elif code == m.SPRINT_VELOCITY:
        value = quantized(sum((item.amount or Decimal(0) for item in items), Decimal(0)))
    elif code in m.RATIO_CODES:
        numerator = sum((item.numerator for item in items), Decimal(0))
        denominator = sum((item.denominator for item in items), Decimal(0))
        if denominator <= 0:
            return None
        value = quantized(numerator / denominator * multiplier)
        extra = int(numerator) if code != m.SAY_DO_RATIO else 0
    else:
        value = median_hours(item.micros or 0 for item in items)
    return m.MetricRow(contract_id, code, week, end, value, numerator, denominator, len(items), extra)


def weekly_rows(
    events: ContractEvents,
    items: Iterable[Counted],
    *,
    first_week: date,
    today: date,
    multipliers: Mapping[str, Decimal],
) -> list[m.MetricRow]:
    """The rows telemetry writes for one contract from ``first_week`` to the week of ``today``."""
    by_period: dict[tuple[str, date], list[Counted]] = defaultdict(list)
    for item in items:
        if first_week <= item.week and local_day(item.at) <= today:
            by_period[(item.kpi_code, item.week)].append(item)
    rows = []
    for (code, week), grouped in sorted(by_period.items()):
        if code not in multipliers or not written(events, code, week, today):
            continue
        row = row_of(events.contract_id, code, week, grouped, today=today, multiplier=multipliers[code])
        if row is not None:
            rows.append(row)
    return rows


def multipliers() -> dict[str, Decimal]:
    """KPI code → multiplier (1 for plain values; 100 for percentages) of the KPIs in the catalogue."""
    return {
        code: multiplier if multiplier is not None else Decimal(1)
        for code, multiplier in KpiDefinition.objects.filter(code__in=DEFINITIONS).values_list("code", "multiplier")
    }


def reference_rows(*, contract_ids: Iterable[int], since: date | Mapping[int, date], today: date) -> list[m.MetricRow]:
    """What ``metrics.telemetry_compute`` answers, worked out in Python from all the events (the
    first-shipped commits walked from the commit chains, not read from the derived links)."""
    starts = dict(since) if isinstance(since, Mapping) else dict.fromkeys(contract_ids, since)
    factors = multipliers()
    rows: list[m.MetricRow] = []
    for contract_id, events in sorted(contract_events(starts, today=today).items()):
        rows.extend(
            weekly_rows(
                events,
                counted(events),
                first_week=m.week_start(starts[contract_id]),
                today=today,
                multipliers=factors,
            )
        )
    return rows
