"""The telemetry metrics, rule by rule (docs/telemetry/metrics.md): each metric's definition, the ISO
weeks in TIME_ZONE, no events → no measurement, the current week to date, covers_from, inactive
bindings, draft contracts, production environments, the rollback window, incidents that blame a
deployment, the commits a deployment ships first, medians of even counts — through
``telemetry_measure`` (SQL) and, for every table, the same rows from the Python reference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from apps.performance.choices import TELEMETRY_KPI_CODES
from apps.performance.models import (
    Change,
    Deployment,
    DeploymentChange,
    Incident,
    Measurement,
    PullRequest,
    SourceBinding,
    Sprint,
    TelemetryRecompute,
    TrackerIssue,
)
from apps.performance.telemetry import metrics
from apps.performance.telemetry.reference import reference_rows
from apps.performance.telemetry.services import binding_set_active
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 11, 25)  # a Wednesday: its week is written to date
THIS_WEEK = dt.date(2026, 11, 23)
LAST_WEEK = dt.date(2026, 11, 16)
SINCE = dt.date(2026, 11, 2)
REPO = "vendor-org/api"
_ids = count(1)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment in TIME_ZONE (Europe/London in the tests)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def bind(contract: Any = None, **fields: Any) -> SourceBinding:
    fields.setdefault("source", "generic")
    fields.setdefault("measures", list(TELEMETRY_KPI_CODES))
    if contract is not None:
        fields["contract"] = contract
    return factories.SourceBindingFactory(**fields)


def _event(model: type, binding: SourceBinding, moment: dt.datetime, **fields: Any) -> Any:
    fields.setdefault("source_id", f"{model.__name__.lower()}-{next(_ids)}")
    return model.objects.create(binding=binding, contract_id=binding.contract_id, observed_at=moment, **fields)


def deploy(binding: SourceBinding, finished: dt.datetime, sha: str = "", **fields: Any) -> Deployment:
    fields.setdefault("repository", REPO)
    fields.setdefault("environment", "production")
    fields.setdefault("status", "success")
    return _event(Deployment, binding, finished, sha=sha, finished_at=finished, **fields)


def commit(binding: SourceBinding, sha: str, parent: str, authored: dt.datetime, **fields: Any) -> Change:
    fields.setdefault("repository", REPO)
    return _event(Change, binding, authored, sha=sha, parent_sha=parent, authored_at=authored, **fields)


def incident(
    binding: SourceBinding, opened: dt.datetime, resolved: dt.datetime | None = None, **fields: Any
) -> Incident:
    status = "resolved" if resolved else "triggered"
    return _event(
        Incident,
        binding,
        resolved or opened,
        service="api",
        status=status,
        opened_at=opened,
        resolved_at=resolved,
        **fields,
    )


def issue(binding: SourceBinding, opened: dt.datetime, **fields: Any) -> TrackerIssue:
    return _event(TrackerIssue, binding, opened, key=f"API-{next(_ids)}", opened_at=opened, **fields)


def sprint(binding: SourceBinding, closed: dt.datetime, committed: str | None, completed: str | None) -> Sprint:
    return _event(
        Sprint,
        binding,
        closed,
        closed_at=closed,
        committed_points=None if committed is None else D(committed),
        completed_points=None if completed is None else D(completed),
    )


def pull(binding: SourceBinding, opened: dt.datetime, **fields: Any) -> PullRequest:
    fields.setdefault("state", "merged" if fields.get("merged_at") else "open")
    return _event(PullRequest, binding, opened, repository=REPO, number=next(_ids), opened_at=opened, **fields)


def _key(row: metrics.MetricRow) -> tuple[Any, ...]:
    return row.key


def measure(contract: Any, *, since: dt.date = SINCE, today: dt.date = TODAY) -> metrics.MeasureSummary:
    """Measure with the SQL, and check that the Python reference gives the same rows."""
    summary = metrics.telemetry_measure(contract_ids=[contract.pk], since=since, today=today)
    computed = metrics.telemetry_compute(contract_ids=[contract.pk], since=since, until=today)
    expected = reference_rows(contract_ids=[contract.pk], since=since, today=today)
    assert sorted(computed, key=_key) == sorted(expected, key=_key)
    return summary


def stored(contract: Any, code: str) -> dict[tuple[dt.date, dt.date], tuple[Any, ...]]:
    """The telemetry measurements of one KPI: (period) → (value, numerator, denominator)."""
    rows = Measurement.objects.filter(contract=contract, kpi__code=code, source="telemetry")
    return {(m.period_start, m.period_end): (m.value, m.numerator, m.denominator) for m in rows}


def value_of(contract: Any, code: str, week: dt.date = LAST_WEEK) -> Any:
    found = [v for (start, _end), v in stored(contract, code).items() if start == week]
    return found[0][0] if found and found[0][1] is None else (found[0] if found else None)


# -- deployment frequency, periods ------------------------------------------------------------------------
def test_deployment_frequency_counts_deploy_days_of_successful_production_deployments() -> None:
    binding = bind(production_environments=["production", "Live"])
    contract = binding.contract
    deploy(binding, at(LAST_WEEK, 9), "a1")
    deploy(binding, at(LAST_WEEK, 17), "a2")  # the same day: one deploy-day
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=2)), "a3", environment="LIVE")  # case-insensitive
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=3)), "a4", environment="staging")  # not production
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=4)), "a5", status="failure")  # did not succeed
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=5)), "a6", status="in_progress")
    measure(contract)
    assert stored(contract, "deployment_frequency") == {
        (LAST_WEEK, LAST_WEEK + dt.timedelta(days=6)): (D(2), None, None)
    }
    note = Measurement.objects.get(contract=contract, kpi__code="deployment_frequency").note
    assert note == "Delivery telemetry: 3 production deployments on 2 days"


def test_weeks_are_iso_weeks_in_the_time_zone() -> None:
    """Summer time (UTC+1): 23:30 on a Sunday is in that week; 00:30 on Monday (Sunday 23:30 UTC) in the next."""
    binding = bind()
    sunday, monday = dt.date(2026, 6, 7), dt.date(2026, 6, 8)
    deploy(binding, at(sunday, 23, 30), "s1")
    late = deploy(binding, at(monday, 0, 30), "m1")
    assert late.finished_at.astimezone(dt.UTC).date() == sunday
    measure(binding.contract, since=dt.date(2026, 6, 1))
    weeks = dict(stored(binding.contract, "deployment_frequency").keys())  # period start → end
    assert weeks == {dt.date(2026, 6, 1): sunday, monday: dt.date(2026, 6, 14)}


def test_a_week_without_events_has_no_measurement_never_zero() -> None:
    binding = bind()
    deploy(binding, at(dt.date(2026, 11, 3)), "x1")
    deploy(binding, at(LAST_WEEK), "x2")
    incident(binding, at(LAST_WEEK, 8), at(LAST_WEEK, 10))
    measure(binding.contract)
    assert sorted(start for start, _ in stored(binding.contract, "deployment_frequency")) == [
        dt.date(2026, 11, 2),
        LAST_WEEK,
    ]  # not the week of 9 November
    assert list(stored(binding.contract, "time_to_restore")) == [(LAST_WEEK, LAST_WEEK + dt.timedelta(days=6))]
    for code in ("bug_resolution_time", "first_response_time", "sprint_velocity", "say_do_ratio", "rework_rate"):
        assert stored(binding.contract, code) == {}


def test_the_current_week_is_written_to_date_and_replaced_as_it_grows() -> None:
    binding = bind()
    deploy(binding, at(THIS_WEEK, 10), "c1")
    deploy(binding, at(THIS_WEEK + dt.timedelta(days=1), 10), "c2")
    measure(binding.contract, since=THIS_WEEK)
    # Two deploy-days in three days (Monday to Wednesday): 2 ÷ (3 / 7).
    assert stored(binding.contract, "deployment_frequency") == {(THIS_WEEK, TODAY): (D("4.6667"), None, None)}
    assert Measurement.objects.get(contract=binding.contract, kpi__code="deployment_frequency").note.endswith(
        "(week to date)"
    )
    summary = measure(binding.contract, since=THIS_WEEK, today=TODAY + dt.timedelta(days=1))
    assert stored(binding.contract, "deployment_frequency") == {
        (THIS_WEEK, TODAY + dt.timedelta(days=1)): (D("3.5000"), None, None)
    }
    assert summary.deleted >= 1  # the Monday-to-Wednesday row is gone


def test_only_periods_ending_on_or_after_covers_from() -> None:
    binding = bind(covers_from=LAST_WEEK + dt.timedelta(days=6))  # the Sunday of last week
    deploy(binding, at(LAST_WEEK - dt.timedelta(days=7)), "e1")
    deploy(binding, at(LAST_WEEK), "e2")
    measure(binding.contract)
    assert [start for start, _ in stored(binding.contract, "deployment_frequency")] == [LAST_WEEK]


def test_the_earliest_covers_from_of_the_bindings_measuring_a_kpi_counts() -> None:
    late = bind(covers_from=TODAY)  # measures everything from today
    bind(late.contract, covers_from=LAST_WEEK, measures=["time_to_restore"])
    deploy(late, at(LAST_WEEK), "f1")
    incident(late, at(LAST_WEEK, 8), at(LAST_WEEK, 9))
    measure(late.contract)
    # Deployment frequency: only the late binding measures it, and last week ended before its covers_from.
    assert stored(late.contract, "deployment_frequency") == {}
    # Time to restore: both measure it; the earlier covers_from counts (for the late binding's events too).
    assert list(stored(late.contract, "time_to_restore")) == [(LAST_WEEK, LAST_WEEK + dt.timedelta(days=6))]


def test_only_the_kpis_an_active_binding_measures_from_its_own_events() -> None:
    github = bind(source="github", measures=["deployment_frequency"])
    pagerduty = bind(github.contract, source="pagerduty", measures=["time_to_restore"])
    deploy(github, at(LAST_WEEK), "g1")
    deploy(pagerduty, at(LAST_WEEK + dt.timedelta(days=1)), "g2")  # pagerduty does not measure deployments
    incident(github, at(LAST_WEEK, 8), at(LAST_WEEK, 9))  # github does not measure time to restore
    incident(pagerduty, at(LAST_WEEK, 8), at(LAST_WEEK, 12))
    measure(github.contract)
    assert value_of(github.contract, "deployment_frequency") == D(1)
    assert value_of(github.contract, "time_to_restore") == D(4)
    assert stored(github.contract, "change_failure_rate") == {}


def test_an_inactive_binding_measures_nothing_and_its_values_go() -> None:
    binding = bind()
    deploy(binding, at(LAST_WEEK), "h1")
    measure(binding.contract)
    assert stored(binding.contract, "deployment_frequency")
    assert Measurement.objects.filter(source="telemetry").count() == 2  # frequency and failure rate
    binding_set_active(instance=binding, actor=None, active=False)
    summary = measure(binding.contract)
    assert summary.deleted == 2
    assert not Measurement.objects.filter(source="telemetry").exists()


def test_a_draft_contract_and_periods_outside_its_run_are_skipped() -> None:
    draft = bind(contract=factories.ContractFactory(status="draft"))
    deploy(draft, at(LAST_WEEK), "i1")
    ended = bind(contract=factories.ContractFactory(end_date=LAST_WEEK - dt.timedelta(days=1)))
    deploy(ended, at(LAST_WEEK - dt.timedelta(days=7)), "i2")
    deploy(ended, at(LAST_WEEK), "i3")
    assert measure(draft.contract).refused == 0
    assert measure(ended.contract).refused == 0
    assert stored(draft.contract, "deployment_frequency") == {}
    assert [start for start, _ in stored(ended.contract, "deployment_frequency")] == [LAST_WEEK - dt.timedelta(days=7)]


# -- change failure rate ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hours_later", "failed"),
    [(1, True), (24, True), (25, False)],
)
def test_a_rollback_within_the_rollback_hours_fails_the_deployment_before_it(hours_later: int, failed: bool) -> None:
    binding = bind()
    first = at(LAST_WEEK, 8)
    deploy(binding, first, "r1")
    deploy(binding, first + dt.timedelta(hours=hours_later), "r2", is_rollback=True)
    measure(binding.contract)
    # Both are production deployments of the week (the rollback too); the first failed or not.
    assert value_of(binding.contract, "change_failure_rate")[1:] == (D(1 if failed else 0), D(2))


def test_a_rollback_fails_only_the_deployment_right_before_it() -> None:
    binding = bind()
    deploy(binding, at(LAST_WEEK, 8), "q1")
    deploy(binding, at(LAST_WEEK, 9), "q2")
    deploy(binding, at(LAST_WEEK, 10), "q3", is_rollback=True)
    deploy(binding, at(LAST_WEEK, 11), "q4", repository="vendor-org/web", is_rollback=True)  # another repository
    measure(binding.contract)
    assert value_of(binding.contract, "change_failure_rate") == (D("25.0000"), D(1), D(4))


def test_incidents_blame_a_deployment_by_its_id_its_commit_or_a_commit_it_shipped_first() -> None:
    github = bind(measures=["change_failure_rate"])
    pagerduty = bind(github.contract, source="pagerduty", measures=["time_to_restore"])
    commit(github, "c1", "", at(LAST_WEEK - dt.timedelta(days=1)))
    commit(github, "c2", "c1", at(LAST_WEEK - dt.timedelta(days=1), 13))
    commit(github, "c3", "c2", at(LAST_WEEK, 7))
    deploy(github, at(LAST_WEEK, 8), "c1", source_id="dep-1")
    deploy(github, at(LAST_WEEK, 9), "c3", source_id="dep-2")  # ships c2 and c3
    deploy(github, at(LAST_WEEK, 10), "c9", source_id="dep-3")
    deploy(github, at(LAST_WEEK, 11), "c8", source_id="dep-4")
    deploy(github, at(LAST_WEEK, 12), "c7", source_id="dep-5")
    measure(github.contract)
    assert value_of(github.contract, "change_failure_rate") == (D(0), D(0), D(5))
    incident(pagerduty, at(LAST_WEEK, 13), caused_by_deployment="dep-3")  # by id
    incident(pagerduty, at(LAST_WEEK, 14), caused_by_sha="c8")  # by the commit it deployed
    incident(pagerduty, at(LAST_WEEK, 15), caused_by_sha="c2")  # by a commit it shipped first (dep-2)
    incident(pagerduty, at(LAST_WEEK, 15), caused_by_deployment="dep-unknown")
    measure(github.contract)
    assert value_of(github.contract, "change_failure_rate") == (D("60.0000"), D(3), D(5))


def test_an_incident_observed_later_reaches_back_to_the_week_it_blames() -> None:
    binding = bind()
    deploy(binding, at(LAST_WEEK - dt.timedelta(days=14)), "old", source_id="dep-old")
    measure(binding.contract, since=SINCE)
    old_week = LAST_WEEK - dt.timedelta(days=14)
    assert value_of(binding.contract, "change_failure_rate", old_week)[1] == D(0)
    incident(binding, at(THIS_WEEK), caused_by_deployment="dep-old")
    metrics.telemetry_measure(contract_ids=[binding.contract_id], since=THIS_WEEK, today=TODAY)
    assert value_of(binding.contract, "change_failure_rate", old_week)[1] == D(1)


# -- lead time: the commits a deployment ships first -----------------------------------------------------------
def test_lead_time_counts_the_commits_each_deployment_ships_first() -> None:
    binding = bind(measures=["lead_time_for_changes"])
    monday = at(LAST_WEEK, 0)
    commit(binding, "a", "", monday)
    commit(binding, "b", "a", monday + dt.timedelta(hours=1))
    commit(binding, "c", "b", monday + dt.timedelta(hours=2))
    commit(binding, "d", "c", monday + dt.timedelta(hours=3))
    first = deploy(binding, monday + dt.timedelta(hours=4), "b")  # ships a (4 h) and b (3 h)
    second = deploy(binding, monday + dt.timedelta(hours=10), "d")  # ships c (8 h) and d (7 h), not b or a
    again = deploy(binding, monday + dt.timedelta(hours=11), "d")  # the same commit again: nothing new
    staging = deploy(binding, monday + dt.timedelta(hours=3, minutes=30), "c", environment="staging")
    measure(binding.contract)
    links = {(link.deployment_id, link.change.sha) for link in DeploymentChange.objects.select_related("change")}
    assert links == {(first.pk, "a"), (first.pk, "b"), (second.pk, "c"), (second.pk, "d")}
    assert not DeploymentChange.objects.filter(deployment__in=[again, staging]).exists()
    # The median of 3, 4, 7 and 8 hours: the mean of the two middle ones.
    assert value_of(binding.contract, "lead_time_for_changes") == D("5.5")
    assert Measurement.objects.get(contract=binding.contract).note == (
        "Delivery telemetry: 4 commits shipped for the first time"
    )


def test_a_commit_shipped_by_another_branch_first_is_not_shipped_again() -> None:
    """a ← b (main) and a ← x (a branch): deploying x ships x and a; deploying b then ships b only."""
    binding = bind(measures=["lead_time_for_changes"])
    base = at(LAST_WEEK, 0)
    commit(binding, "a", "", base)
    commit(binding, "b", "a", base + dt.timedelta(hours=1))
    commit(binding, "x", "a", base + dt.timedelta(hours=2))
    branch = deploy(binding, base + dt.timedelta(hours=3), "x")
    main = deploy(binding, base + dt.timedelta(hours=5), "b")
    measure(binding.contract)
    links = {(link.deployment_id, link.change.sha) for link in DeploymentChange.objects.select_related("change")}
    assert links == {(branch.pk, "x"), (branch.pk, "a"), (main.pk, "b")}
    assert value_of(binding.contract, "lead_time_for_changes") == D(3)  # median of 1, 3 and 4 hours


def test_the_walk_stops_where_the_chain_ends_or_at_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    binding = bind(measures=["lead_time_for_changes"])
    base = at(LAST_WEEK, 0)
    commit(binding, "k1", "unknown-parent", base)  # its parent was never pushed: the chain ends
    for index in range(2, 6):
        commit(binding, f"k{index}", f"k{index - 1}", base + dt.timedelta(hours=index))
    deploy(binding, base + dt.timedelta(hours=10), "k5")
    monkeypatch.setattr(metrics, "WALK_MAX_COMMITS", 3)
    measure(binding.contract)
    assert sorted(DeploymentChange.objects.values_list("change__sha", flat=True)) == ["k3", "k4", "k5"]
    monkeypatch.setattr(metrics, "WALK_MAX_COMMITS", 5_000)
    measure(binding.contract)
    assert sorted(DeploymentChange.objects.values_list("change__sha", flat=True)) == ["k1", "k2", "k3", "k4", "k5"]


def test_links_of_deployments_before_the_range_stay_shipped() -> None:
    binding = bind(measures=["lead_time_for_changes"])
    base = at(LAST_WEEK - dt.timedelta(days=7), 0)
    commit(binding, "p", "", base)
    commit(binding, "q", "p", base + dt.timedelta(hours=1))
    deploy(binding, base + dt.timedelta(hours=2), "q")
    measure(binding.contract)
    wednesday = LAST_WEEK + dt.timedelta(days=2)
    commit(binding, "r", "q", at(wednesday, 1))
    deploy(binding, at(wednesday, 3), "r")
    # From Wednesday (less the rollback hours: Tuesday): the week of 16 November, not the one before.
    assert metrics.recompute_start(since={binding.contract_id: wednesday}, today=TODAY) == {
        binding.contract_id: wednesday - dt.timedelta(days=1)
    }
    summary = measure(binding.contract, since=wednesday)
    assert (summary.links_removed, summary.links_added) == (0, 1)
    assert value_of(binding.contract, "lead_time_for_changes") == D(2)


# -- the other metrics, and medians --------------------------------------------------------------------------
def test_time_to_restore_bug_resolution_and_first_response_are_medians_of_their_events() -> None:
    binding = bind()
    opened = at(LAST_WEEK, 0)
    incident(binding, opened, opened + dt.timedelta(hours=1))
    incident(binding, opened, opened + dt.timedelta(hours=2))
    incident(binding, opened, None)  # not resolved: not counted
    incident(binding, opened - dt.timedelta(days=30), opened + dt.timedelta(hours=3))  # resolved this week
    issue(binding, opened, is_bug=True, resolved_at=opened + dt.timedelta(hours=10))
    issue(binding, opened, is_bug=False, resolved_at=opened + dt.timedelta(hours=1))  # not a bug
    issue(binding, opened, first_response_at=opened + dt.timedelta(minutes=30))
    issue(binding, opened, first_response_at=opened + dt.timedelta(minutes=90))
    measure(binding.contract)
    assert value_of(binding.contract, "time_to_restore") == D(2)  # of 1, 2 and 723 hours
    assert value_of(binding.contract, "bug_resolution_time") == D(10)
    assert value_of(binding.contract, "first_response_time") == D(1)  # of 0.5 and 1.5 hours
    assert value_of(binding.contract, "pr_review_turnaround") is None


@pytest.mark.parametrize(
    ("reviews", "hours"),
    [
        ([dt.timedelta(0), dt.timedelta(seconds=0.36)], D("0.0001")),  # 0.00005 h exactly: half up
        ([dt.timedelta(0), dt.timedelta(seconds=0.359998)], D("0.0000")),  # a microsecond less
        ([dt.timedelta(hours=1), dt.timedelta(hours=2), dt.timedelta(hours=4), dt.timedelta(hours=9)], D(3)),
        ([dt.timedelta(hours=1), dt.timedelta(hours=2), dt.timedelta(hours=40)], D(2)),
    ],
)
def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two_exactly(
    reviews: list[dt.timedelta], hours: Decimal
) -> None:
    binding = bind()
    opened = at(LAST_WEEK, 0)
    for review in reviews:
        pull(binding, opened, first_review_at=opened + review)
    measure(binding.contract)
    assert value_of(binding.contract, "pr_review_turnaround") == hours


def test_a_time_before_its_start_counts_as_zero() -> None:
    binding = bind()
    opened = at(LAST_WEEK, 10)
    pull(binding, opened, first_review_at=opened - dt.timedelta(hours=1))  # clocks of two tools disagree
    measure(binding.contract)
    assert value_of(binding.contract, "pr_review_turnaround") == D(0)


def test_sprint_velocity_and_say_do_ratio() -> None:
    binding = bind()
    sprint(binding, at(LAST_WEEK, 9), "30", "24")
    sprint(binding, at(LAST_WEEK, 10), "10", "12")  # more than committed: counts 10 for say/do
    sprint(binding, at(LAST_WEEK, 11), None, "5")  # no commitment: velocity only
    sprint(binding, at(LAST_WEEK, 12), "8", None)  # not completed: neither
    measure(binding.contract)
    assert value_of(binding.contract, "sprint_velocity") == D(41)
    assert value_of(binding.contract, "say_do_ratio") == (D("85.0000"), D(34), D(40))


def test_rework_rate_is_reverts_and_hotfixes_of_the_merged_pull_requests() -> None:
    binding = bind()
    opened = at(LAST_WEEK - dt.timedelta(days=3))
    merged = at(LAST_WEEK, 15)
    pull(binding, opened, merged_at=merged)
    pull(binding, opened, merged_at=merged, is_revert=True)
    pull(binding, opened, merged_at=merged, is_hotfix=True, is_revert=True)
    pull(binding, opened)  # open: not merged
    measure(binding.contract)
    assert value_of(binding.contract, "rework_rate") == (D("66.6667"), D(2), D(3))
    assert Measurement.objects.get(contract=binding.contract, kpi__code="rework_rate").note == (
        "Delivery telemetry: 2 of 3 merged pull requests revert or hot-fix"
    )


# -- writing -----------------------------------------------------------------------------------------------------
def test_measuring_twice_writes_nothing_the_second_time() -> None:
    binding = bind()
    commit(binding, "w1", "", at(LAST_WEEK, 1))
    deploy(binding, at(LAST_WEEK, 2), "w1", source_id="dep-w")
    incident(binding, at(LAST_WEEK, 3), at(LAST_WEEK, 4), caused_by_deployment="dep-w")
    first = measure(binding.contract)
    assert first.created == 4 and first.refused == 0  # frequency, lead time, failure rate, restore
    rows = {m.pk: m.updated_at for m in Measurement.objects.all()}
    links = list(DeploymentChange.objects.values_list("pk", flat=True))
    again = measure(binding.contract)
    assert (again.created, again.updated, again.deleted, again.links_added, again.links_removed) == (0, 0, 0, 0, 0)
    assert again.unchanged == 4
    assert {m.pk: m.updated_at for m in Measurement.objects.all()} == rows
    assert list(DeploymentChange.objects.values_list("pk", flat=True)) == links


def test_pending_recomputes_are_consumed(django_capture_on_commit_callbacks: Any) -> None:
    one, two = bind(), bind()
    deploy(one, at(LAST_WEEK), "n1")
    deploy(two, at(LAST_WEEK), "n2")
    TelemetryRecompute.objects.create(contract=one.contract, since=LAST_WEEK)
    TelemetryRecompute.objects.create(contract=two.contract, since=LAST_WEEK)
    assert metrics.telemetry_measure_pending(today=TODAY) == 2
    assert not TelemetryRecompute.objects.exists()
    assert value_of(one.contract, "deployment_frequency") == value_of(two.contract, "deployment_frequency") == D(1)
    assert metrics.telemetry_measure_pending(today=TODAY) == 0


def test_the_daily_refresh_asks_for_the_last_days_of_contracts_with_an_active_binding(
    django_capture_on_commit_callbacks: Any,
) -> None:
    active, inactive = bind(), bind(active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        assert metrics.telemetry_refresh_recent(today=TODAY) == 1
    assert list(TelemetryRecompute.objects.values_list("contract_id", "since")) == [
        (active.contract_id, TODAY - dt.timedelta(days=8))
    ]
    assert callbacks  # the measuring task is enqueued
    assert inactive.contract_id != active.contract_id


def test_the_floor_reads_the_same_rows() -> None:
    binding = bind()
    deploy(binding, at(LAST_WEEK), "fl1")
    incident(binding, at(LAST_WEEK), at(LAST_WEEK, 14))
    assert metrics.telemetry_floor(contract_ids=[binding.contract_id], since=SINCE, until=TODAY) == 2


def test_beat_refreshes_the_recent_days_daily() -> None:
    from celery import current_app

    from apps.performance.telemetry import tasks
    from config.celery import app

    entry = app.conf.beat_schedule["telemetry-refresh-recent-daily"]
    assert entry["task"] == tasks.refresh_recent.name == "telemetry.refresh_recent"
    assert tasks.refresh_recent.name in current_app.tasks
    assert tasks.measure_pending.name == "telemetry.measure"


# -- evidence: the events behind a value agree with it -----------------------------------------------------
def test_the_evidence_of_a_week_lists_the_events_behind_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.performance.telemetry.evidence import telemetry_evidence

    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    binding = bind()
    commit(binding, "v1", "", at(LAST_WEEK, 1), message="Add the thing")
    commit(binding, "v2", "v1", at(LAST_WEEK, 2))
    deploy(binding, at(LAST_WEEK, 4), "v2", source_id="dep-v2", url="https://ci.example/deploys/2")
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=1), 4), "v3", source_id="dep-v3")
    deploy(binding, at(LAST_WEEK + dt.timedelta(days=1), 6), "v4", is_rollback=True)
    incident(binding, at(LAST_WEEK, 5), at(LAST_WEEK, 7), caused_by_deployment="dep-v2", title="Checkout down")
    measure(binding.contract)
    end = LAST_WEEK + dt.timedelta(days=6)
    for code in ("deployment_frequency", "change_failure_rate", "lead_time_for_changes", "time_to_restore"):
        evidence = telemetry_evidence(
            contract_id=binding.contract_id, kpi_code=code, period_start=LAST_WEEK, period_end=end
        )
        written = Measurement.objects.get(contract=binding.contract, kpi__code=code)
        assert (evidence.value, evidence.numerator, evidence.denominator) == (
            written.value,
            written.numerator,
            written.denominator,
        ), code
        assert evidence.definition
    failure = telemetry_evidence(
        contract_id=binding.contract_id, kpi_code="change_failure_rate", period_start=LAST_WEEK, period_end=end
    )
    counts = {(row.kind, row.counts) for row in failure.rows}
    assert counts == {("deployment", "failed"), ("deployment", "succeeded"), ("incident", "caused a failure")}
    failed = [row for row in failure.rows if row.counts == "failed"]
    assert {row.url for row in failed} >= {"https://ci.example/deploys/2"}
    assert any("incident Checkout down" in row.detail for row in failed)
    assert any("rollback" in row.detail for row in failed)
    lead = telemetry_evidence(
        contract_id=binding.contract_id, kpi_code="lead_time_for_changes", period_start=LAST_WEEK, period_end=end
    )
    assert sorted(row.counts for row in lead.rows) == ["deployed", "shipped", "shipped"]
    assert any("in production after 3.00 h" in row.detail for row in lead.rows)


def test_the_evidence_of_a_window_aggregates_its_weeks_as_the_sla_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.performance.telemetry.evidence import telemetry_evidence

    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    binding = bind()
    for week, durations in ((LAST_WEEK - dt.timedelta(days=7), (1, 3)), (LAST_WEEK, (10,))):
        for hours in durations:
            incident(binding, at(week, 1), at(week, 1 + hours))
    deploy(binding, at(LAST_WEEK - dt.timedelta(days=7)), "z1", source_id="z1")
    deploy(binding, at(LAST_WEEK), "z2", source_id="z2")
    incident(binding, at(LAST_WEEK, 20), caused_by_deployment="z2")
    measure(binding.contract)
    window = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}  # weeks ending 15 and 22 Nov
    restore = telemetry_evidence(contract_id=binding.contract_id, kpi_code="time_to_restore", **window)
    assert restore.value == D("6.0000")  # the mean of the weekly medians 2 h and 10 h
    assert len(restore.rows) == 3
    failure = telemetry_evidence(contract_id=binding.contract_id, kpi_code="change_failure_rate", **window)
    assert (failure.value, failure.numerator, failure.denominator) == (D("50.0000"), D(1), D(2))
    nothing = telemetry_evidence(contract_id=binding.contract_id, kpi_code="sprint_velocity", **window)
    assert (nothing.value, nothing.rows) == (None, [])
