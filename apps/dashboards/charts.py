"""The overview's charts as data: for each, the JSON its canvas is drawn from (``static/js/dashboards.js``
reads it from a ``json_script`` island) and the table that is its text alternative — the same numbers,
each leading to its rows. Presentation only: every number comes from the tiles (``apps.dashboards.tiles``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse

from apps.core.tables import Cell
from apps.dashboards.scope import Drill
from apps.dashboards.selectors import Overview
from apps.dashboards.tiles.breaches import Breaches
from apps.dashboards.tiles.compliance import Compliance
from apps.dashboards.tiles.spend import Breakdown

# Series colours: CSS custom properties of static/css/app.css where one means something (severities),
# else a palette whose neighbours differ in hue and lightness (each ≥ 3:1 against white).
PALETTE = ("#2d5bd7", "#0f7d80", "#b35c00", "#7a4cc2", "#5d6778")
SEVERITY_COLOURS = {"critical": "#b42318", "major": "#c26a00", "minor": "#1f5fa8"}


@dataclass
class Chart:
    """A chart: ``kind`` is how dashboards.js draws ``data``; ``header`` and ``rows`` its table."""

    key: str
    title: str
    kind: str
    summary: str
    data: dict[str, Any]
    header: list[str]
    rows: list[list[Cell]]
    empty: str = ""  # shown instead of the chart when there is nothing to draw
    note: str = ""
    export: str = ""
    has_data: bool = True

    @property
    def dom_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def xlsx_export(self) -> str:
        """The same table as XLSX: each dashboard export answers ``<table>.csv`` and ``<table>.xlsx``."""
        if not self.export:
            return ""
        path, _, query = self.export.partition("?")
        return path.removesuffix(".csv") + ".xlsx" + (f"?{query}" if query else "")


def _number(value: Decimal | int | None, places: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{places}f}"


def _float(value: Decimal | None) -> float | None:
    # Chart coordinates only (percentages and counts); the numbers people read stay Decimal.
    return None if value is None else float(value)


def drill_cell(drill: Drill, text: str | None = None) -> Cell:
    shown = text if text is not None else _number(drill.value, 0)
    return Cell(shown, drill.url, numeric=True, label=f"{shown} {drill.label}".strip())


def compliance_chart(compliance: Compliance, *, export: str) -> Chart:
    months = compliance.months
    current = compliance.current
    measured = [m for m in months if m.percent is not None]
    if measured:
        lowest = min(measured, key=lambda m: (m.percent, m.month.start))
        change = compliance.change
        moved = ""
        if change is not None and compliance.previous is not None:
            direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
            moved = (
                f" ({direction} {_number(abs(change))} points on {compliance.previous.month.label})"
                if change
                else f" (unchanged on {compliance.previous.month.label})"
            )
        now = (
            f"{_number(current.percent)} % in {current.month.label}"
            if current.percent is not None
            else (f"not measured in {current.month.label}")
        )
        summary = f"SLA compliance was {now}{moved}; lowest {_number(lowest.percent)} % in {lowest.month.label}."
    else:
        summary = "No SLA window closed with data in these 12 months."
    return Chart(
        key="compliance",
        title="SLA compliance, last 12 months",
        kind="line",
        summary=summary,
        data={
            "labels": [m.month.short_label for m in months],
            "unit": "%",
            # A compliance that never fell below 60 % reads better from 50 % up; lower, from 0.
            "min": 50 if measured and min(m.percent for m in measured if m.percent is not None) >= 60 else 0,
            "max": 100,
            "series": [
                {
                    "label": "SLA compliance",
                    "values": [_float(m.percent) for m in months],
                    "links": [m.drill.url for m in months],
                    "colour": PALETTE[0],
                }
            ],
        },
        header=["Month", "Met", "Breached", "Without enough data", "Compliance"],
        rows=[
            [
                Cell(m.month.label),
                Cell(_number(m.met), numeric=True),
                Cell(_number(m.breached), numeric=True),
                drill_cell(m.without_data_drill),
                Cell(
                    f"{_number(m.percent)} %" if m.percent is not None else "—",
                    m.drill.url if m.evaluated else "",
                    numeric=True,
                    label=f"{_number(m.percent)} % of {m.evaluated} SLA windows met in {m.month.label}",
                ),
            ]
            for m in reversed(months)
        ],
        empty="No SLA evaluations in these 12 months yet — they appear after the hourly sweep; run "
        "manage.py evaluate_slas.",
        export=export,
        has_data=bool(measured),
    )


def breaches_by_area_chart(breaches: Breaches, *, export: str) -> Chart:
    areas = breaches.by_area
    total = sum(area.total for area in areas)
    severities = [segment.key for segment in areas[0].by_severity] if areas else []
    labels = {segment.key: segment.label for segment in areas[0].by_severity} if areas else {}
    worst = max(areas, key=lambda area: area.total) if areas else None
    period = f"{breaches.first_month.short_label} – {breaches.last_month.short_label}"
    summary = (
        f"{total} breach{'es' if total != 1 else ''} in {period}; most in {worst.label.lower()} ({worst.total})."
        if total and worst
        else f"No breaches in {period}."
    )
    return Chart(
        key="breaches",
        title="Breaches by area",
        kind="stacked-bar",
        summary=summary,
        note=f"Windows ending {period}; retracted breaches left out.",
        data={
            "labels": [area.label for area in areas],
            "unit": "breaches",
            "series": [
                {
                    "label": labels[severity],
                    "values": [int(area.by_severity[i].value) for area in areas],
                    "links": [area.by_severity[i].drill.url for area in areas],
                    "colour": SEVERITY_COLOURS.get(severity, PALETTE[4]),
                }
                for i, severity in enumerate(severities)
            ],
        },
        header=["Area", *[labels[s] for s in severities], "Total"],
        rows=[
            [Cell(area.label), *[drill_cell(segment.drill) for segment in area.by_severity], drill_cell(area.drill)]
            for area in areas
        ],
        empty=f"No breaches in {period}: every closed SLA window met its target or had no data.",
        export=export,
        has_data=bool(total),
    )


def spend_chart(key: str, title: str, breakdowns: list[Breakdown], *, export: str) -> Chart:
    """Each currency's annual spend as one bar split into its shares (currencies are never added)."""
    segment_labels = [segment.label for segment in breakdowns[0].segments] if breakdowns else []
    biggest = []
    for breakdown in breakdowns:
        top = max(breakdown.segments, key=lambda segment: segment.value)
        if top.share is not None:
            biggest.append(f"{breakdown.currency}: {top.label.lower()} {_number(top.share)} %")
    summary = ("Largest share per currency — " + "; ".join(biggest) + ".") if biggest else "No active contracts."
    return Chart(
        key=key,
        title=title,
        kind="percent-bar",
        summary=summary,
        note="Each bar is one currency's annual contracted spend (100 %); amounts are in the table.",
        data={
            "labels": [f"{b.currency} {_number(b.total, 0)}" for b in breakdowns],
            "unit": "%",
            "series": [
                {
                    "label": label,
                    "values": [_float(b.segments[i].share) for b in breakdowns],
                    "links": [b.segments[i].drill.url for b in breakdowns],
                    "tooltips": [
                        f"{label}: {b.currency} {_number(b.segments[i].value, 0)} ({_number(b.segments[i].share)} %)"
                        for b in breakdowns
                    ],
                    "colour": PALETTE[i % len(PALETTE)],
                }
                for i, label in enumerate(segment_labels)
            ],
        },
        header=["Currency", *segment_labels, "Total"],
        rows=[
            [
                Cell(b.currency),
                *[
                    Cell(
                        f"{_number(s.value, 0)} ({_number(s.share)} %)",
                        s.drill.url if s.value else "",
                        numeric=True,
                        label=f"{b.currency} {_number(s.value, 0)} {s.label.lower()}",
                    )
                    for s in b.segments
                ],
                Cell(f"{_number(b.total, 0)}", numeric=True),
            ]
            for b in breakdowns
        ],
        empty="No active contracts match these filters: annual spend comes from active contracts' values.",
        export=export,
        has_data=bool(breakdowns),
    )


def overview_charts(overview: Overview, *, query: str) -> dict[str, Chart]:
    def export(table: str) -> str:
        return reverse("dashboards:export", args=[table]) + (f"?{query}" if query else "")

    return {
        "compliance": compliance_chart(overview.compliance, export=export("compliance")),
        "breaches": breaches_by_area_chart(overview.breaches, export=export("breaches-by-area")),
        "geography": spend_chart(
            "geography", "Spend by geography", overview.spend_by_geography, export=export("spend-by-geography")
        ),
        "engagement": spend_chart(
            "engagement",
            "Spend by engagement model",
            overview.spend_by_engagement,
            export=export("spend-by-engagement-model"),
        ),
    }
