"""The metrics' SQL (``apps.performance.telemetry.metrics``) computes what the Python reference
(``apps.performance.telemetry.reference``) computes, on randomised events.

The rules are tested table by table in ``test_metrics.py``; here several contracts (active, draft,
starting or ending inside the range) get bindings of every source (some switched off, covering from
various dates, with various production environments) and random events: commit forests with branches,
unknown parents and unknown deployed commits, deployments of every status and environment with ties
on their finish time and rollbacks, incidents that blame deployments by id or by commit, issues,
sprints and pull requests, across a change of summer time and past the day measured. Every row the SQL
computes and every measurement written must equal the reference's; measuring again after new events
from a later date must still equal the reference computed from scratch; a further run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from apps.performance.choices import TELEMETRY_DEFAULT_KPIS, TELEMETRY_KPI_CODES
from apps.performance.models import (
    Change,
    Deployment,
    Incident,
    Measurement,
    PullRequest,
    SourceBinding,
    Sprint,
    TrackerIssue,
)
from apps.performance.telemetry import metrics
from apps.performance.telemetry.reference import reference_rows
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 11, 25)
FIRST = dt.date(2026, 9, 14)  # ten weeks back: across the end of summer time (25 October)
LATER = dt.date(2026, 11, 12)  # where the second round of events starts
_ids = count(1)


def _moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
    naive = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.choice([0, 0, 15, 59]), rng.choice([0, 30])))
    return timezone.make_aware(naive)


def _sid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


class Portfolio:
    """Contracts, bindings and events made at random, and more events from a later date."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.contracts: list[Any] = []
        self.bindings: list[SourceBinding] = []
        self.commits: dict[tuple[int, str], list[Change]] = {}
        self.deployments: list[Deployment] = []

    def make(self, contracts: int) -> None:
        rng = self.rng
        shapes = [
            {},
            {"status": "draft"},
            {"start_date": FIRST + dt.timedelta(days=30)},
            {"end_date": TODAY - dt.timedelta(days=20), "status": "expired"},
        ]
        for index in range(contracts):
            contract = factories.ContractFactory(**(shapes[index] if index < len(shapes) else {}))
            self.contracts.append(contract)
            for source in rng.sample(["github", "gitlab", "generic", "pagerduty", "jira"], k=rng.randint(2, 4)):
                measures = (
                    list(TELEMETRY_DEFAULT_KPIS[source])
                    if rng.random() < 0.6
                    else rng.sample(list(TELEMETRY_KPI_CODES), k=rng.randint(2, 10))
                )
                binding = factories.SourceBindingFactory(
                    contract=contract,
                    source=source,
                    measures=measures,
                    active=rng.random() < 0.85,
                    covers_from=rng.choice([dt.date(2026, 1, 1), FIRST + dt.timedelta(days=rng.randint(0, 60))]),
                    production_environments=rng.choice([["production"], ["prod", "Production"], ["live"]]),
                )
                self.bindings.append(binding)
        self.events(FIRST, TODAY + dt.timedelta(days=2))

    def events(self, start: dt.date, end: dt.date) -> dt.date:
        """Events of every kind for every binding, with times around ``start``–``end``; answers the
        earliest day they touch (what processing asks the metrics to be computed again from)."""
        rng = self.rng
        changes: list[Change] = []
        deployments: list[Deployment] = []
        incidents: list[Incident] = []
        issues: list[TrackerIssue] = []
        sprints: list[Sprint] = []
        pulls: list[PullRequest] = []
        for binding in self.bindings:
            own = {"binding": binding, "contract_id": binding.contract_id}
            for repository in rng.sample(["org/api", "org/web", "org/cli"], k=rng.randint(1, 2)):
                known = self.commits.setdefault((binding.pk, repository), [])
                moments = sorted(_moment(rng, start, end) for _ in range(rng.randint(10, 40)))
                for moment in moments:
                    roll = rng.random()
                    if known and roll < 0.7:
                        parent = known[-1].sha
                    elif known and roll < 0.9:
                        parent = rng.choice(known).sha  # a branch
                    else:
                        parent = rng.choice(["", f"unknown{next(_ids)}"])
                    change = Change(
                        **own,
                        source_id=_sid("c"),
                        observed_at=moment,
                        repository=repository,
                        sha=f"{next(_ids):040x}",
                        parent_sha=parent,
                        authored_at=moment - dt.timedelta(minutes=rng.randint(0, 3000)),
                    )
                    known.append(change)
                    changes.append(change)
                finished = [_moment(rng, start, end) for _ in range(rng.randint(5, 20))]
                finished += rng.sample(finished, k=min(2, len(finished)))  # ties on the finish time
                for moment in finished:
                    sha = rng.choice([*(c.sha for c in known[-8:]), rng.choice(known).sha, "f" * 40, ""])
                    deployment = Deployment(
                        **own,
                        source_id=_sid("d"),
                        observed_at=moment,
                        repository=repository,
                        environment=rng.choice(["production", "Production", "PROD", "live", "staging"]),
                        status=rng.choice(["success"] * 6 + ["failure", "in_progress"]),
                        sha=sha,
                        finished_at=moment if rng.random() < 0.95 else None,
                        is_rollback=rng.random() < 0.15,
                    )
                    deployments.append(deployment)
            for _ in range(rng.randint(2, 8)):
                opened = _moment(rng, start - dt.timedelta(days=10), end)
                blamed = rng.choice(self.deployments + deployments) if (self.deployments or deployments) else None
                resolved = opened + dt.timedelta(minutes=rng.randint(-30, 5000)) if rng.random() < 0.8 else None
                incidents.append(
                    Incident(
                        **own,
                        source_id=_sid("i"),
                        observed_at=resolved or opened,
                        service="svc",
                        status="resolved" if resolved else "triggered",
                        opened_at=opened,
                        resolved_at=resolved,
                        caused_by_deployment=blamed.source_id if blamed and rng.random() < 0.3 else "",
                        caused_by_sha=rng.choice([blamed.sha, rng.choice(changes).sha if changes else ""])
                        if blamed and rng.random() < 0.3
                        else "",
                    )
                )
            for _ in range(rng.randint(2, 10)):
                opened = _moment(rng, start - dt.timedelta(days=10), end)
                issues.append(
                    TrackerIssue(
                        **own,
                        source_id=_sid("t"),
                        observed_at=opened,
                        key=_sid("API"),
                        is_bug=rng.random() < 0.5,
                        opened_at=opened,
                        resolved_at=opened + dt.timedelta(minutes=rng.randint(1, 20000))
                        if rng.random() < 0.6
                        else None,
                        first_response_at=opened + dt.timedelta(seconds=rng.randint(1, 200_000))
                        if rng.random() < 0.7
                        else None,
                    )
                )
            for _ in range(rng.randint(0, 3)):
                closed = _moment(rng, start, end)
                committed = rng.choice([None, D(0), D(rng.randint(5, 40)), D(f"{rng.randint(5, 40)}.5")])
                sprints.append(
                    Sprint(
                        **own,
                        source_id=_sid("s"),
                        observed_at=closed,
                        closed_at=closed,
                        committed_points=committed,
                        completed_points=rng.choice([None, D(rng.randint(0, 45)), D("12.25")]),
                    )
                )
            for _ in range(rng.randint(2, 12)):
                opened = _moment(rng, start - dt.timedelta(days=5), end)
                merged = opened + dt.timedelta(minutes=rng.randint(10, 9000)) if rng.random() < 0.6 else None
                pulls.append(
                    PullRequest(
                        **own,
                        source_id=_sid("p"),
                        observed_at=opened,
                        repository="org/api",
                        number=next(_ids),
                        state="merged" if merged else "open",
                        opened_at=opened,
                        first_review_at=opened + dt.timedelta(seconds=rng.randint(-600, 90_000))
                        if rng.random() < 0.7
                        else None,
                        merged_at=merged,
                        is_revert=rng.random() < 0.15,
                        is_hotfix=rng.random() < 0.1,
                    )
                )
        Change.objects.bulk_create(changes)
        Deployment.objects.bulk_create(deployments)
        Incident.objects.bulk_create(incidents)
        TrackerIssue.objects.bulk_create(issues)
        Sprint.objects.bulk_create(sprints)
        PullRequest.objects.bulk_create(pulls)
        self.deployments += deployments
        names = ("observed_at", "finished_at", "authored_at", "opened_at", "resolved_at", "closed_at")
        touched: list[dt.datetime] = [
            getattr(event, name)
            for event in (*changes, *deployments, *incidents, *issues, *sprints, *pulls)
            for name in names
            if getattr(event, name, None) is not None
        ]
        return timezone.localtime(min(touched)).date()


def _stored(contract_ids: list[int]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = Measurement.objects.filter(contract_id__in=contract_ids, source="telemetry").select_related("kpi")
    return {
        (m.contract_id, m.kpi.code, m.period_start, m.period_end): (m.value, m.numerator, m.denominator, m.note)
        for m in rows
    }


def _expected(rows: list[metrics.MetricRow]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {row.key: (row.value, row.numerator, row.denominator, row.note) for row in rows}


def _key(row: metrics.MetricRow) -> tuple[Any, ...]:
    return row.key


@pytest.mark.parametrize("seed", [7, 2026, 31337])
def test_the_sql_computes_what_the_reference_computes(seed: int) -> None:
    rng = random.Random(seed)
    portfolio = Portfolio(rng)
    portfolio.make(contracts=7)
    ids = [contract.pk for contract in portfolio.contracts]

    summary = metrics.telemetry_measure(contract_ids=ids, since=FIRST, today=TODAY)
    computed = metrics.telemetry_compute(contract_ids=ids, since=FIRST, until=TODAY)
    expected = reference_rows(contract_ids=ids, since=FIRST, today=TODAY)
    assert sorted(computed, key=_key) == sorted(expected, key=_key)
    assert len(expected) > 40  # the randomness produced something to compare
    assert {row.kpi_code for row in expected} >= {"deployment_frequency", "lead_time_for_changes", "rework_rate"}
    assert summary.refused == 0, summary.errors
    # Measuring reaches back by the rollback hours (and to what incidents blame): from those dates.
    starts = metrics.recompute_start(since=dict.fromkeys(ids, FIRST), today=TODAY)
    assert _stored(ids) == _expected(reference_rows(contract_ids=ids, since=starts, today=TODAY))

    # New events from a later date (and incidents blaming older deployments): measured from that date,
    # every stored row still equals the reference worked out from scratch.
    earliest = portfolio.events(LATER, TODAY + dt.timedelta(days=1))
    assert earliest < LATER
    metrics.telemetry_measure(contract_ids=ids, since=earliest, today=TODAY)
    assert _stored(ids) == _expected(reference_rows(contract_ids=ids, since=starts, today=TODAY))

    again = metrics.telemetry_measure(contract_ids=ids, since=FIRST, today=TODAY)
    assert (again.created, again.updated, again.deleted, again.links_added, again.links_removed) == (0, 0, 0, 0, 0)
