"""Explain every number (issue 14, item 5): the page that lists the events behind a telemetry-measured
value, the "Telemetry" marks the other pages put on measured KPIs, and the evidence a breach
notification carries.

A value measured by telemetry is computed from normalised events (``apps.performance.telemetry.metrics``);
``apps.performance.telemetry.evidence.telemetry_evidence`` says which events of a window count and how,
``apps.performance.telemetry.coverage.telemetry_coverage`` which KPIs of which contracts telemetry
measures. This module only shows them: the explain page of one contract, KPI and window
(``/contracts/<id>/telemetry/explain/<kpi code>/?start=…&end=…``), the marks of the scorecard, the SLA
terms and the breaches, and the lines of a breach's notification.

Privacy by design (docs/telemetry/explain.md): the page shows events and counts, never people — no
author, reviewer or assignee, not even as the identity of a commit (its link leads to the source,
where whoever may see it sees it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.core.formatting import format_count, format_moment
from apps.core.http_errors import error_response
from apps.kpis.models import KpiDefinition
from apps.kpis.selectors import kpi_definition_list
from apps.kpis.units import with_unit
from apps.notifications.emails import absolute_url
from apps.performance.choices import TELEMETRY_KPI_CODES, MeasurementSource
from apps.performance.models import Measurement
from apps.performance.telemetry.coverage import Coverage, telemetry_coverage
from apps.performance.telemetry.evidence import Evidence, EvidenceRow, telemetry_evidence

# The longest window the page explains: a year (the longest SLA window, a rolling 366 days).
MAX_WINDOW_DAYS = 366
# Events per page: a quarter of daily deployments fits one page; a year of them pages.
PAGE_ROWS = 200
# How many events a breach notification lists (the page lists them all).
NOTICE_ROWS = 5

# What an event counts as (``EvidenceRow.counts``) when it is what makes a value bad: a notification lists
# these first (a failed deployment and the incident that failed it, a revert).
COUNTS_AGAINST = frozenset({"failed", "caused a failure", "rework"})
# How the page names each kind of event, in the order the groups are shown.
KIND_LABELS: dict[str, str] = {
    "deployment": "Deployments",
    "change": "Changes (commits)",
    "pull_request": "Pull requests",
    "incident": "Incidents",
    "issue": "Issues",
    "sprint": "Sprints",
}


# -- links and marks ------------------------------------------------------------------------------------
def explain_url(*, contract_id: int, kpi_code: str, start: date, end: date, absolute: bool = False) -> str:
    """The explain page of ``kpi_code`` on ``contract_id`` for ``start``–``end``; ``absolute`` for an
    e-mail (``SITE_URL`` + the path)."""
    path = reverse("performance:telemetry-explain", args=[contract_id, kpi_code])
    path += "?" + urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return absolute_url(path) if absolute else path


def coverage_title(coverage: Coverage) -> str:
    """The badge's title: which binding measures the KPI, and from when."""
    return f"Measured by telemetry: {coverage.binding_label}, for periods ending on or after {coverage.covers_from}."


@dataclass(frozen=True)
class Mark:
    """A KPI a page shows as measured by telemetry: the badge's ``title`` and, where the page names one
    contract and one window, the link to the explain page (``url``)."""

    title: str
    url: str = ""


def contract_coverage(contract_id: int) -> dict[str, Coverage]:
    """KPI code → coverage of one contract (one query)."""
    return telemetry_coverage(contract_ids=[contract_id]).get(contract_id, {})


def scorecard_marks(*, subject: str, subject_id: int, start: date, end: date) -> dict[str, Mark]:
    """KPI code → mark for a scorecard of ``start``–``end``: a contract's rows link to the explain page
    of the period; a vendor's rows pool contracts (``vendor_marks``). One query for a contract, two for
    a vendor."""
    if subject == "contract":
        return {
            code: Mark(
                coverage_title(coverage),
                explain_url(contract_id=subject_id, kpi_code=code, start=start, end=end),
            )
            for code, coverage in contract_coverage(subject_id).items()
        }
    titles = dict(contract_list().filter(vendor_id=subject_id).order_by().values_list("pk", "title"))
    return vendor_marks(titles=titles, coverage=telemetry_coverage(contract_ids=list(titles)))


def vendor_marks(*, titles: Mapping[int, str], coverage: Mapping[int, Mapping[str, Coverage]]) -> dict[str, Mark]:
    """KPI code → mark for a vendor's scorecard, whose rows pool the vendor's contracts (``titles``: id →
    title, every contract of the vendor): the badge's title names each contract telemetry measures the
    KPI of, and its binding; no link (no one contract's window to explain). No query."""
    by_kpi: dict[str, list[str]] = {}
    for contract_id, covered in sorted(coverage.items()):
        for code, found in covered.items():
            by_kpi.setdefault(code, []).append(f"{titles.get(contract_id, contract_id)} ({found.binding_label})")
    return {
        code: Mark(
            f"Measured by telemetry on {len(names)} of {format_count(len(titles), 'contract')}: "
            + "; ".join(names)
            + "."
        )
        for code, names in by_kpi.items()
    }


def window_marks(
    *, coverage: Mapping[int, Mapping[str, Coverage]], windows: Iterable[tuple[Any, int, str, date, date]]
) -> dict[Any, Mark]:
    """A mark per key of ``windows`` ((key, contract id, KPI code, start, end): an evaluation, a breach)
    whose (contract, KPI) telemetry measures, linking to the explain page of its window."""
    marks = {}
    for key, contract_id, code, start, end in windows:
        found = coverage.get(contract_id, {}).get(code)
        if found is not None:
            marks[key] = Mark(
                coverage_title(found), explain_url(contract_id=contract_id, kpi_code=code, start=start, end=end)
            )
    return marks


def breach_marks(
    breaches: Iterable[Any], *, coverage: Mapping[int, Mapping[str, Coverage]] | None = None
) -> dict[int, Mark]:
    """Breach id → mark, for a list of breaches (with ``term`` and ``term.kpi`` loaded): one query, none
    when the page read the ``coverage`` of their contracts already."""
    breaches = list(breaches)
    if not breaches:
        return {}
    if coverage is None:
        coverage = telemetry_coverage(contract_ids={breach.term.contract_id for breach in breaches})
    return window_marks(
        coverage=coverage,
        windows=(
            (b.pk, b.term.contract_id, b.term.kpi.code, b.window_start, b.window_end)
            for b in breaches
            if coverage.get(b.term.contract_id)
        ),
    )


def term_marks(
    *,
    terms: Iterable[Any],
    status: Mapping[int, Mapping[str, Any]],
    coverage: Mapping[int, Mapping[str, Coverage]] | None = None,
) -> dict[int, dict[str, Mark]]:
    """Per SLA term telemetry measures: a mark for the term itself (``"term"``, no link) and one per
    evaluation shown (``"closed"``, ``"open"``), linking to the explain page of its window. One query,
    none when the page read the ``coverage`` of their contracts already."""
    terms = list(terms)
    if not terms:
        return {}
    if coverage is None:
        coverage = telemetry_coverage(contract_ids={term.contract_id for term in terms})
    marks: dict[int, dict[str, Mark]] = {}
    for term in terms:
        found = coverage.get(term.contract_id, {}).get(term.kpi.code)
        if found is None:
            continue
        title = coverage_title(found)
        marks[term.pk] = {"term": Mark(title)}
        for which, evaluation in status.get(term.pk, {}).items():
            if evaluation is not None:
                marks[term.pk][which] = Mark(
                    title,
                    explain_url(
                        contract_id=term.contract_id,
                        kpi_code=term.kpi.code,
                        start=evaluation.window_start,
                        end=evaluation.window_end,
                    ),
                )
    return marks


# -- the breach notification's evidence -----------------------------------------------------------------
def _worst_first(rows: list[EvidenceRow]) -> list[EvidenceRow]:
    """The rows that make the value bad first (a failed deployment before a successful one), else in
    the evidence's own order: what a notification has room for should be what the breach is about."""

    def key(indexed: tuple[int, EvidenceRow]) -> tuple[int, int]:
        index, row = indexed
        return (0 if row.counts in COUNTS_AGAINST else 1, index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def evidence_lines(*, contract_id: int, kpi: KpiDefinition, start: date, end: date, limit: int = NOTICE_ROWS) -> str:
    """The evidence of a breach in a notification's plain text: the value the events give (with the
    numerator and denominator of a ratio), at most ``limit`` events (those that count against the
    target first), how many more, and the explain page's absolute link."""
    evidence = telemetry_evidence(contract_id=contract_id, kpi_code=kpi.code, period_start=start, period_end=end)
    events = format_count(len(evidence.rows), "event")
    lines = [f"Measured by telemetry: {value_words(evidence, kpi)} from {events}."]
    for row in _worst_first(list(evidence.rows))[:limit]:
        when = f"{format_moment(row.at)} " if row.at is not None else ""
        # "failed: rollback … 2 h later" says what it counts as already: say it once.
        detail = row.detail.removeprefix(row.counts).lstrip(" :") if row.detail.startswith(row.counts) else row.detail
        lines.append(f"- {when}{row.label} — {row.counts}" + (f": {detail}" if detail else ""))
    if len(evidence.rows) > limit:
        lines.append(f"… and {len(evidence.rows) - limit:,} more.")
    lines.append(
        "Every event behind it: "
        + explain_url(contract_id=contract_id, kpi_code=kpi.code, start=start, end=end, absolute=True)
    )
    return "\n".join(lines)


def value_words(evidence: Evidence, kpi: KpiDefinition) -> str:
    """ "25 % (2 ÷ 8)" — the value with its unit, and a ratio's numerator and denominator."""
    shown = with_unit(evidence.value, kpi.unit)
    if evidence.numerator is not None and evidence.denominator is not None:
        shown += f" ({_plain(evidence.numerator)} ÷ {_plain(evidence.denominator)})"
    return shown


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else str(number)


# -- the page ---------------------------------------------------------------------------------------------
class BadWindow(ValueError):
    """The query string does not name a window the page can explain (answered with a 400 page)."""


def _day(request: HttpRequest, name: str) -> date:
    text = request.GET.get(name, "").strip()
    if not text:
        raise BadWindow(f"Give the window as ?start=YYYY-MM-DD&end=YYYY-MM-DD: “{name}” is missing.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadWindow(f"“{text[:40]}” is not a date: write {name} as YYYY-MM-DD (e.g. 2026-10-31).") from None


def parse_window(request: HttpRequest) -> tuple[date, date]:
    """The window of ``?start=`` and ``?end=`` (both days included), or ``BadWindow`` saying what is wrong."""
    start, end = _day(request, "start"), _day(request, "end")
    if end < start:
        raise BadWindow(f"The window ends ({end}) before it starts ({start}): end must be on or after start.")
    days = (end - start).days + 1
    if days > MAX_WINDOW_DAYS:
        raise BadWindow(
            f"The window is {days} days long; the page explains at most {MAX_WINDOW_DAYS} days (a year): "
            "choose a shorter one."
        )
    return start, end


@dataclass(frozen=True)
class ShownEvent:
    """An event as the page lists it: the evidence's row and the link it may print."""

    row: EvidenceRow
    link: str


@dataclass(frozen=True)
class EventGroup:
    """The events of one kind on this page."""

    kind: str
    label: str
    rows: list[ShownEvent]


def _grouped(rows: Iterable[EvidenceRow]) -> list[EventGroup]:
    by_kind: dict[str, list[ShownEvent]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(ShownEvent(row, safe_link(row.url)))
    order = list(KIND_LABELS)
    kinds = sorted(by_kind, key=lambda kind: (order.index(kind) if kind in order else len(order), kind))
    return [
        EventGroup(kind, KIND_LABELS.get(kind, kind.replace("_", " ").capitalize()), by_kind[kind]) for kind in kinds
    ]


def safe_link(url: str) -> str:
    """A source link the page may print as ``href``: http(s) only (a payload could carry ``javascript:``)."""
    return url if url.startswith(("https://", "http://")) else ""


def weeks_of(start: date, end: date, *, today: date) -> tuple[date, date] | None:
    """The days the window's events come from: the ISO weeks (Monday–Sunday) whose period ends in it, as
    the SLA engine places weekly measurements — from the Monday of ``start``'s week to the last Sunday in
    the window (today, when the window reaches the current week: it is measured to date). None when no
    week ends in it."""
    first = start - timedelta(days=start.weekday())
    last = today if start <= today <= end else end - timedelta(days=(end.weekday() + 1) % 7)
    return (first, last) if last >= max(first + timedelta(days=6), start) or last == today else None


def explain_context(
    *, contract: Contract, kpi: KpiDefinition, start: date, end: date, page: str | None
) -> dict[str, Any]:
    """What the explain page shows (a bounded number of queries whatever the number of events: the
    coverage, the evidence's own, the window's measurements). ``InvalidPage`` for a page past the end."""
    coverage = contract_coverage(contract.pk).get(kpi.code)
    context: dict[str, Any] = {
        "title": f"{kpi.name} · {contract.title}",
        "contract": contract,
        "kpi": kpi,
        "start": start,
        "end": end,
        "days": (end - start).days + 1,
        "coverage": coverage,
        "coverage_title": coverage_title(coverage) if coverage is not None else "",
        "is_ratio": kpi.aggregation == "ratio",
        "typed_before": coverage is not None and start < coverage.covers_from,
        "weeks": weeks_of(start, end, today=timezone.localdate()),
        "counts_against": COUNTS_AGAINST,
    }
    if coverage is None:
        return context
    evidence = telemetry_evidence(contract_id=contract.pk, kpi_code=kpi.code, period_start=start, period_end=end)
    paginator = Paginator(list(evidence.rows), PAGE_ROWS, allow_empty_first_page=True)
    page_obj = paginator.page(page or 1)
    context.update(
        evidence=evidence,
        value=with_unit(evidence.value, kpi.unit),
        groups=_grouped(page_obj.object_list),
        counts_by_kind={group.label: len(group.rows) for group in _grouped(evidence.rows)},
        paginator=paginator,
        page_obj=page_obj,
        is_paginated=paginator.num_pages > 1,
        query_string=urlencode({"start": start.isoformat(), "end": end.isoformat()}),
        page_rows=PAGE_ROWS,
        measurements=list(
            Measurement.objects.filter(contract=contract, kpi=kpi, period_end__gte=start, period_end__lte=end).order_by(
                "period_end", "period_start", "pk"
            )
        ),
        telemetry_source=MeasurementSource.TELEMETRY,
    )
    return context


@login_required
@require_GET
def telemetry_explain(request: HttpRequest, contract_pk: int, kpi_code: str) -> HttpResponse:
    """The events behind a telemetry-measured value of one contract's KPI in one window (any signed-in
    user reads it, as they read the contract). A window the query string does not give right is a 400
    page saying why; an unknown contract, or a KPI telemetry does not measure, a 404."""
    if kpi_code not in TELEMETRY_KPI_CODES:
        raise Http404("Telemetry does not measure this KPI.")
    contract = contract_list(user=request.user).prefetch_related(None).filter(pk=contract_pk).first()
    kpi = kpi_definition_list(user=request.user).filter(code=kpi_code).first()
    if contract is None or kpi is None:
        raise Http404("No such contract or KPI.")
    try:
        start, end = parse_window(request)
        context = explain_context(contract=contract, kpi=kpi, start=start, end=end, page=request.GET.get("page"))
    except BadWindow as refused:
        return error_response(request, 400, str(refused))
    except InvalidPage:
        return error_response(
            request, 400, "There is no such page of events: page is a number from 1 to the last page."
        )
    return render(request, "performance/telemetry/explain.html", context)
