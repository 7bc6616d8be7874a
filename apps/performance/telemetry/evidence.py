"""The events behind a telemetry value: for a contract, a KPI and a period — one week, or an SLA window
of several — the deployments, commits, incidents, issues, sprints and pull requests it was computed
from, each with how it counts and its link in its source.

The evidence is the reference computation (``apps.performance.telemetry.reference``) run on the
period's events with the links the SQL derived, so it always agrees with the value written: the same
``Counted`` items make the value and the rows. A window's weeks are those whose period ends in it (as
the SLA engine places measurements); its value is the KPI's own aggregation of their values (the mean,
or the ratio of the sums), as the SLA window's evaluation computes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from apps.performance.telemetry import metrics as m
from apps.performance.telemetry import reference
from apps.performance.telemetry.models import (
    Change,
    Deployment,
    Incident,
    PullRequest,
    Sprint,
    TelemetryEvent,
    TrackerIssue,
)


@dataclass(frozen=True)
class EvidenceRow:
    """One event behind a value: its kind (``deployment``, ``change``, ``incident``, ``pull_request``,
    ``issue``, ``sprint``), what to call it, its link in its source, its time, a line of detail, and
    how it counts (``counted``, ``failed``, ``succeeded``, ``shipped``, ``deployed``, ``caused a
    failure``, ``rework``, ``merged``)."""

    kind: str
    label: str
    url: str
    at: datetime | None
    detail: str
    counts: str


@dataclass(frozen=True)
class Evidence:
    """A KPI's value for a period (None when no event of its kind fell in it: no measurement), a
    ratio's numerator and denominator, the definition, and the events behind it."""

    kpi_code: str
    period_start: date
    period_end: date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    definition: str
    rows: list[EvidenceRow]


def _hours(micros: int | None) -> str:
    hours = Decimal(micros or 0) / Decimal(m.MICROSECONDS_PER_HOUR)
    return f"{hours.quantize(Decimal('0.01'), ROUND_HALF_UP)} h"


def _moment(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%-d %b %Y %H:%M}" if moment is not None else "—"


def _points(points: Decimal | None) -> str:
    if points is None:
        return "—"
    return format(points.normalize(), "f") if points == points.to_integral_value() else str(points)


def _label(event: TelemetryEvent) -> str:
    if isinstance(event, Deployment):
        what = event.title or (f"{event.sha[:7]}" if event.sha else event.source_id)
        return f"{event.repository} → {event.environment}: {what}"
    if isinstance(event, Change):
        return f"{event.repository}@{event.sha[:7]}" + (f" {event.message}" if event.message else "")
    if isinstance(event, PullRequest):
        return f"{event.repository}#{event.number}" + (f" {event.title}" if event.title else "")
    if isinstance(event, Incident):
        return event.title or event.source_id
    if isinstance(event, TrackerIssue):
        return event.key + (f" {event.title}" if event.title else "")
    if isinstance(event, Sprint):
        return event.name or event.source_id
    return event.source_id


KIND_OF: dict[type[TelemetryEvent], str] = {
    Deployment: "deployment",
    Change: "change",
    Incident: "incident",
    PullRequest: "pull_request",
    TrackerIssue: "issue",
    Sprint: "sprint",
}


def _row(event: TelemetryEvent, *, at: datetime | None, detail: str, counts: str) -> EvidenceRow:
    return EvidenceRow(KIND_OF[type(event)], _label(event), event.url, at, detail, counts)


def _cause_words(cause: TelemetryEvent, deployment: Deployment) -> str:
    if isinstance(cause, Incident):
        return f"incident {_label(cause)}"
    assert isinstance(cause, Deployment) and cause.finished_at and deployment.finished_at
    later = reference.micros_between(cause.finished_at, deployment.finished_at)
    return f"rollback {_label(cause)} {_hours(later)} later"


def _rows(code: str, items: list[reference.Counted]) -> list[EvidenceRow]:
    """The evidence rows of the counted items of one KPI, in time order."""
    rows: list[tuple[datetime, int, EvidenceRow]] = []
    causes: dict[int, Incident] = {}

    def add(at: datetime | None, row: EvidenceRow) -> None:
        rows.append((at or datetime.min.replace(tzinfo=timezone.get_current_timezone()), len(rows), row))

    by_deployment: dict[int, list[reference.Counted]] = defaultdict(list)
    for item in items:
        event = item.event
        if code == m.DEPLOYMENT_FREQUENCY:
            add(item.at, _row(event, at=item.at, detail=f"deploy-day {item.day:%a %-d %b}", counts="counted"))
        elif code == m.CHANGE_FAILURE_RATE:
            assert isinstance(event, Deployment)
            if item.causes:
                detail = "; ".join(_cause_words(cause, event) for cause in item.causes)
                add(item.at, _row(event, at=item.at, detail=f"failed: {detail}", counts="failed"))
                for cause in item.causes:
                    if isinstance(cause, Incident):
                        causes.setdefault(cause.pk, cause)
            else:
                window = settings.TELEMETRY_ROLLBACK_HOURS
                detail = f"no incident blames it, no rollback within {window} h"
                add(item.at, _row(event, at=item.at, detail=detail, counts="succeeded"))
        elif code == m.LEAD_TIME:
            assert isinstance(event, Change) and item.shipped_by is not None
            by_deployment[item.shipped_by.pk].append(item)
            detail = f"authored {_moment(event.authored_at)}, in production after {_hours(item.micros)}"
            add(event.authored_at, _row(event, at=event.authored_at, detail=detail, counts="shipped"))
        elif code in (m.TIME_TO_RESTORE, m.BUG_RESOLUTION_TIME, m.FIRST_RESPONSE_TIME, m.PR_REVIEW_TURNAROUND):
            opened: datetime | None = getattr(event, "opened_at", None)
            ended = {
                m.TIME_TO_RESTORE: "resolved",
                m.BUG_RESOLUTION_TIME: "resolved",
                m.FIRST_RESPONSE_TIME: "first response",
                m.PR_REVIEW_TURNAROUND: "first review",
            }[code]
            detail = f"opened {_moment(opened)}, {ended} {_moment(item.at)}: {_hours(item.micros)}"
            add(item.at, _row(event, at=item.at, detail=detail, counts="counted"))
        elif code == m.SPRINT_VELOCITY:
            assert isinstance(event, Sprint)
            detail = f"{_points(event.completed_points)} points completed (committed {_points(event.committed_points)})"
            add(item.at, _row(event, at=item.at, detail=detail, counts="counted"))
        elif code == m.SAY_DO_RATIO:
            assert isinstance(event, Sprint)
            detail = (
                f"{_points(event.completed_points)} of {_points(event.committed_points)} committed points completed"
                f" (counts {_points(item.numerator)})"
            )
            add(item.at, _row(event, at=item.at, detail=detail, counts="counted"))
        elif code == m.REWORK_RATE:
            assert isinstance(event, PullRequest)
            what = " and ".join(
                word for word, flag in (("revert", event.is_revert), ("hot-fix", event.is_hotfix)) if flag
            )
            counts = "rework" if item.numerator else "merged"
            add(
                item.at,
                _row(
                    event,
                    at=item.at,
                    detail=f"merged {_moment(item.at)}" + (f": {what}" if what else ""),
                    counts=counts,
                ),
            )
    for deployment_items in by_deployment.values():
        deployment = deployment_items[0].shipped_by
        assert deployment is not None
        detail = f"first shipped {m.plural(len(deployment_items), 'commit')}"
        add(deployment.finished_at, _row(deployment, at=deployment.finished_at, detail=detail, counts="deployed"))
    for incident in causes.values():
        detail = f"opened {_moment(incident.opened_at)}; blames " + (
            f"deployment {incident.caused_by_deployment}"
            if incident.caused_by_deployment
            else f"commit {incident.caused_by_sha[:7]}"
        )
        add(incident.opened_at, _row(incident, at=incident.opened_at, detail=detail, counts="caused a failure"))
    return [row for _at, _index, row in sorted(rows, key=lambda entry: (entry[0], entry[1]))]


def _weeks(period_start: date, period_end: date, today: date) -> list[date]:
    """The Mondays of the weeks whose period (a whole week, or the current one to date) ends in
    ``period_start``–``period_end``."""
    weeks = []
    week = m.week_start(period_start)
    while week <= min(period_end, today):
        if period_start <= m.period_end(week, today) <= period_end:
            weeks.append(week)
        week += timedelta(days=7)
    return weeks


def telemetry_evidence(*, contract_id: int, kpi_code: str, period_start: date, period_end: date) -> Evidence:
    """The events behind ``kpi_code``'s value for ``contract_id`` in ``period_start``–``period_end``:
    of every week whose period ends in it and that telemetry writes (the KPI measured by an active
    binding, the period on or after its covers_from, inside the contract's run). A bounded number of
    queries whatever the number of events."""
    today = timezone.localdate()
    definition = reference.DEFINITIONS.get(kpi_code, "")
    empty = Evidence(kpi_code, period_start, period_end, None, None, None, definition, [])
    weeks = _weeks(period_start, period_end, today)
    if not weeks or kpi_code not in reference.DEFINITIONS:
        return empty
    lo = m.local_midnight(weeks[0])
    events = reference.contract_events([contract_id], today=today, lo=lo, links="stored").get(contract_id)
    if events is None:
        return empty
    last = m.period_end(weeks[-1], today)
    wanted = {week for week in weeks if reference.written(events, kpi_code, week, today)}
    items = [
        item
        for item in reference.counted(events)
        if item.kpi_code == kpi_code and item.week in wanted and reference.local_day(item.at) <= last
    ]
    factor = reference.multipliers().get(kpi_code, Decimal(1))
    by_week: dict[date, list[reference.Counted]] = defaultdict(list)
    for item in items:
        by_week[item.week].append(item)
    rows = [
        row
        for week in sorted(by_week)
        if (row := reference.row_of(contract_id, kpi_code, week, by_week[week], today=today, multiplier=factor))
    ]
    value = numerator = denominator = None
    if rows and kpi_code in m.RATIO_CODES:
        numerator = sum((row.numerator or Decimal(0) for row in rows), Decimal(0))
        denominator = sum((row.denominator or Decimal(0) for row in rows), Decimal(0))
        value = reference.quantized(numerator / denominator * factor)
    elif rows:
        value = reference.quantized(sum((row.value for row in rows), Decimal(0)) / len(rows))
    return Evidence(
        kpi_code, period_start, period_end, value, numerator, denominator, definition, _rows(kpi_code, items)
    )
