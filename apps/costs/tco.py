"""The total cost of ownership as the pages show it: the *Total cost* panel of a contract (its section,
``apps.costs.sections``) and of a vendor (the vendor 360, ``apps.dashboards.vendor``), and the rows of the
ledger page and its exports (``apps.costs.views``, ``apps.costs.tables``). Presentation only: every figure
is the ledger's (``apps.costs.ledger``, docs/architecture/costs.md).

Every figure leads to the rows it counts (its *drill-down*), on the lists that already exist:

- invoiced and billed hours — the approved and paid invoices whose period ends in the months;
- management — the service reviews of the vendor held in the months, and the hours owners logged in weeks
  starting in them (the standing overhead of the named owners has no rows: it is the settings' weekly hours
  × the days in force);
- rework — the measurements the escaped defects were read from: telemetry's rework rate where telemetry
  measured it, else the defect rate (when the months of a vendor mix the two, the ledger page, whose lines
  each name theirs);
- delay — the on-time delivery measurements; credits — the breaches owing a credit, neither waived nor
  retracted, whose window ends in the months; story points and deployments — the say/do ratio and the
  change failure rate measurements.

A panel costs the ledger's fixed number of queries whatever the months and contracts it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from apps.contracts.models import Contract
from apps.core.formatting import format_money, format_number
from apps.core.fx import FxTable, fx_table
from apps.core.tables import Cell
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.ledger import (
    CHANGE_FAILURE_RATE,
    COMPONENT_LABELS,
    COMPONENTS,
    CREDIT_EXCLUDED_STATUSES,
    DEFECT_RATE,
    ON_TIME_DELIVERY,
    REWORK_RATE,
    SAY_DO_RATIO,
    LedgerLine,
    LedgerTotals,
    add_months,
    explain,
    ledger_lines,
    month_first,
    month_last,
    months_between,
    totals_by,
    totals_of,
)
from apps.costs.models import CostSettings
from apps.costs.selectors import cost_settings
from apps.performance.choices import BreachStatus, MeasurementSource
from apps.vendors.choices import ReviewStatus

# A panel's months: the last complete ones and the current one.
PANEL_COMPLETE_MONTHS = 12
# The chart's colours (static/js/dashboards.js draws it): the overview's palette, each ≥ 3:1 on white;
# credits, taken off, in the colour of what is owed back.
COMPONENT_COLOURS = {
    "invoiced": "#2d5bd7",
    "management": "#0f7d80",
    "rework": "#b35c00",
    "delay": "#7a4cc2",
    "credits": "#5d6778",
}
CREDIT_STATUSES = tuple(status for status in BreachStatus if status not in CREDIT_EXCLUDED_STATUSES)


def panel_months(today: date) -> tuple[date, date]:
    """The first days of the first and the last month a panel shows: 12 complete months and this one."""
    current = month_first(today)
    return add_months(current, -PANEL_COMPLETE_MONTHS), current


def month_key(month: date) -> str:
    """``2026-10``: how the ledger page's filters name a month."""
    return f"{month:%Y-%m}"


# -- drill-down URLs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Whose rows a drill-down lists: one contract's, or every contract of one vendor."""

    contract_id: int | None = None
    vendor_id: int | None = None

    def __post_init__(self) -> None:
        if (self.contract_id is None) == (self.vendor_id is None):
            raise ValueError("A scope is one contract or one vendor.")

    def params(self) -> dict[str, Any]:
        return {"contract": self.contract_id} if self.contract_id is not None else {"vendor": self.vendor_id}


def _url(name: str, params: Mapping[str, Any], base: str = "") -> str:
    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "")], doseq=True)
    return f"{base}{reverse(name)}?{query}"


def _days(start: date, end: date) -> dict[str, str]:
    return {"after": start.isoformat(), "before": month_last(end).isoformat()}


def invoices_url(scope: Scope, start: date, end: date, *, base: str = "") -> str:
    """The approved and paid invoices whose period ends in the months (invoiced, billed hours)."""
    days = _days(start, end)
    return _url(
        "costs:invoice-list",
        {
            **scope.params(),
            "status": [str(status) for status in INVOICE_COUNTED_STATUSES],
            "period_end_after": days["after"],
            "period_end_before": days["before"],
        },
        base,
    )


def reviews_url(vendor_id: int, start: date, end: date, *, base: str = "") -> str:
    """The vendor's service reviews held in the months (the review part of the management load)."""
    days = _days(start, end)
    return _url(
        "vendors:review-list",
        {
            "vendor": vendor_id,
            "status": str(ReviewStatus.HELD),
            "held_after": days["after"],
            "held_before": days["before"],
            "sort": "date",
        },
        base,
    )


def measurements_url(scope: Scope, kpi: str, start: date, end: date, *, source: str = "", base: str = "") -> str:
    """The measurements of ``kpi`` ending in the months (``source``: one source only)."""
    days = _days(start, end)
    return _url(
        "performance:measurement-list",
        {
            **scope.params(),
            "kpi": kpi,
            "source": source,
            "period_end_after": days["after"],
            "period_end_before": days["before"],
        },
        base,
    )


def credits_url(scope: Scope, start: date, end: date, *, base: str = "") -> str:
    """The breaches owing a credit, neither waived nor retracted, whose window ends in the months."""
    days = _days(start, end)
    return _url(
        "performance:breach-list",
        {
            **scope.params(),
            "status": [str(status) for status in CREDIT_STATUSES],
            "has_credit": "true",
            "window_end_after": days["after"],
            "window_end_before": days["before"],
        },
        base,
    )


def ledger_url(scope: Scope, start: date, end: date, *, base: str = "") -> str:
    """The ledger page on the scope and months: a line per contract and month, each figure linked."""
    return _url("costs:ledger", {**scope.params(), "from_month": month_key(start), "to_month": month_key(end)}, base)


def rework_url(scope: Scope, lines: Iterable[LedgerLine], start: date, end: date, *, base: str = "") -> str:
    """The measurements the escaped defects of ``lines`` were read from; the ledger page when the lines
    read them from both telemetry and the defect rate (no one list holds exactly those rows)."""
    sources = {line.escaped_source for line in lines if line.escaped_source}
    if sources == {"telemetry"}:
        return measurements_url(scope, REWORK_RATE, start, end, source=MeasurementSource.TELEMETRY, base=base)
    if sources == {"defects"}:
        return measurements_url(scope, DEFECT_RATE, start, end, base=base)
    return ledger_url(scope, start, end, base=base) if sources else ""


def logged_url(scope: Scope, start: date, end: date, *, base: str = "") -> str:
    """The hours owners logged in weeks starting in the months (the logged part of the management load)."""
    days = _days(start, end)
    return _url("costs:owner-hours", {**scope.params(), "week_from": days["after"], "week_to": days["before"]}, base)


@dataclass(frozen=True)
class Drills:
    """The drill-down URL of each figure of some ledger lines (an empty string: nothing to list)."""

    invoiced: str
    management: str  # the reviews where there were any, else the logged hours (overhead has no rows)
    reviews: str
    logged: str
    rework: str
    delay: str
    credits: str
    points: str
    deployments: str
    ledger: str

    @property
    def billed_hours(self) -> str:
        return self.invoiced


def drills_for(
    scope: Scope, vendor_id: int, lines: Sequence[LedgerLine], start: date, end: date, *, base: str = ""
) -> Drills:
    reviews = reviews_url(vendor_id, start, end, base=base)
    logged = logged_url(scope, start, end, base=base)
    reviewed = any(line.review_hours for line in lines)
    was_logged = any(line.logged_hours for line in lines)
    return Drills(
        invoiced=invoices_url(scope, start, end, base=base),
        management=reviews if reviewed else logged if was_logged else "",
        reviews=reviews,
        logged=logged,
        rework=rework_url(scope, lines, start, end, base=base),
        delay=measurements_url(scope, ON_TIME_DELIVERY, start, end, base=base),
        credits=credits_url(scope, start, end, base=base),
        points=measurements_url(scope, SAY_DO_RATIO, start, end, base=base),
        deployments=measurements_url(scope, CHANGE_FAILURE_RATE, start, end, base=base),
        ledger=ledger_url(scope, start, end, base=base),
    )


# -- the ledger page's rows --------------------------------------------------------------------------------------
@dataclass
class LedgerRow:
    """One line of the ledger page and its exports: the line, its contract and vendor, its drill-downs."""

    line: LedgerLine
    contract: Contract
    drills: Drills
    currency: str

    def __getattr__(self, name: str) -> Any:
        # The line's figures read as the row's own (the table's columns name them).
        if name in {"line", "contract", "drills", "currency"}:
            raise AttributeError(name)
        return getattr(self.line, name)

    @property
    def vendor(self) -> Any:
        return self.contract.vendor

    @property
    def month_label(self) -> str:
        return f"{self.line.month:%b %Y}"

    @property
    def totals(self) -> LedgerTotals:
        return totals_of([self.line])

    @property
    def effective_rate(self) -> Decimal | None:
        return self.totals.effective_rate

    @property
    def billed_rate(self) -> Decimal | None:
        return self.totals.billed_rate

    @property
    def not_counted(self) -> str:
        return "; ".join([*self.line.missing, *self.line.notes])


def ledger_rows(
    lines: Sequence[LedgerLine], contracts: Mapping[int, Contract], *, currency: str, base: str = ""
) -> list[LedgerRow]:
    """The page's rows, by vendor, contract and month (``contracts``: the lines' contracts with vendors)."""
    rows = []
    for line in lines:
        contract = contracts[line.contract_id]
        scope = Scope(contract_id=line.contract_id)
        drills = drills_for(scope, line.vendor_id, [line], line.month, line.month, base=base)
        rows.append(LedgerRow(line=line, contract=contract, drills=drills, currency=currency))
    rows.sort(
        key=lambda row: (row.contract.vendor.name.lower(), row.contract.title.lower(), row.contract.pk, row.line.month)
    )
    return rows


# -- the panel -------------------------------------------------------------------------------------------------
def number_cell(text: str, url: str = "", *, label: str = "") -> Cell:
    """A right-aligned cell: every figure of the panel's table but the month."""
    return Cell(text, url, numeric=True, label=label)


@dataclass
class TcoChart:
    """The months as stacked bars (``static/js/dashboards.js``, kind "stacked-bar") and its table: the same
    numbers, each leading to its rows."""

    key: str
    title: str
    summary: str
    data: dict[str, Any]
    header: list[str]
    rows: list[list[Cell]]
    footer: list[Cell]
    export: str
    xlsx_export: str
    has_data: bool
    kind: str = "stacked-bar"
    empty: str = "Nothing in these months: no invoice approved, no management time, no measurement, no credit."

    @property
    def dom_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"


@dataclass(frozen=True)
class Figure:
    """One of the panel's key figures: what it is, its value (or why there is none), how it is made."""

    key: str
    label: str
    value: str
    note: str = ""
    url: str = ""
    missing: bool = False  # "not measured", "not set": shown quietly


@dataclass
class TcoPanel:
    scope: Scope
    vendor_id: int
    start: date
    end: date
    currency: str
    lines: list[LedgerLine]
    totals: LedgerTotals
    figures: list[Figure]
    components: list[Figure]
    explanation: str
    chart: TcoChart
    drills: Drills
    not_counted: list[str] = field(default_factory=list)

    @property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    @property
    def period(self) -> str:
        return f"{self.start:%b %Y} – {self.end:%b %Y}"

    @property
    def figure(self) -> dict[str, Figure]:
        return {figure.key: figure for figure in self.figures}


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _money_or(value: Decimal | None, currency: str, otherwise: str) -> tuple[str, bool]:
    return (format_money(value, currency), False) if value is not None else (otherwise, True)


def _chart(scope: Scope, vendor_id: int, lines: list[LedgerLine], months: list[date], currency: str) -> TcoChart:
    per_month = totals_by(lines, "month")
    lines_of: dict[date, list[LedgerLine]] = {}
    for line in lines:
        lines_of.setdefault(line.month, []).append(line)
    blank = LedgerTotals()
    totals = [per_month.get(month, blank) for month in months]
    drills = {month: drills_for(scope, vendor_id, lines_of.get(month, []), month, month) for month in months}

    def link(month: date, component: str) -> str:
        value = per_month.get(month, blank).component(component)
        return getattr(drills[month], component) if value else ""

    series = []
    for component in COMPONENTS:
        sign = -1 if component == "credits" else 1
        label = COMPONENT_LABELS[component]
        series.append(
            {
                "label": label + (" (taken off)" if component == "credits" else ""),
                "values": [float(sign * t.component(component)) for t in totals],
                "links": [link(month, component) for month in months],
                "tooltips": [
                    f"{label}: {'−' if sign < 0 and t.component(component) else ''}{format_money(t.component(component), currency)}"
                    for t in totals
                ],
                "colour": COMPONENT_COLOURS[component],
            }
        )
    everything = totals_of(lines)
    dearest = max(zip(months, totals, strict=True), key=lambda pair: pair[1].tco, default=None)
    summary = (
        f"Total cost {format_money(everything.tco, currency)} over {len(months)} months, of which "
        f"{format_number(everything.share('invoiced') or Decimal(0))} % invoiced; the dearest month "
        f"{dearest[0]:%B %Y} ({format_money(dearest[1].tco, currency)})."
        if lines and dearest is not None
        else "Nothing was recorded in these months."
    )

    def row(month: date, t: LedgerTotals) -> list[Cell]:
        cells = [Cell(f"{month:%b %Y}")]
        for component in COMPONENTS:
            value = t.component(component)
            shown = f"−{_amount(value)}" if component == "credits" and value else _amount(value)
            cells.append(
                number_cell(
                    shown,
                    link(month, component),
                    label=f"{COMPONENT_LABELS[component]} {shown} {currency}, {month:%B %Y}",
                )
            )
        cells.append(
            number_cell(
                _amount(t.tco),
                drills[month].ledger if t.lines else "",
                label=f"Total cost {_amount(t.tco)} {currency}, {month:%B %Y}",
            )
        )
        cells.append(
            number_cell(
                format_number(t.billed_hours),
                drills[month].invoiced if t.billed_hours else "",
                label=f"{format_number(t.billed_hours)} billed hours, {month:%B %Y}",
            )
        )
        cells.append(number_cell(_amount(t.effective_rate) if t.effective_rate is not None else "—"))
        return cells

    start, end = months[0], months[-1]
    whole = drills_for(scope, vendor_id, lines, start, end)
    footer = [Cell("Total")]
    for component in COMPONENTS:
        value = everything.component(component)
        shown = f"−{_amount(value)}" if component == "credits" and value else _amount(value)
        footer.append(number_cell(shown, getattr(whole, component) if value else ""))
    footer.append(number_cell(_amount(everything.tco), whole.ledger if lines else ""))
    footer.append(
        number_cell(format_number(everything.billed_hours), whole.invoiced if everything.billed_hours else "")
    )
    footer.append(number_cell(_amount(everything.effective_rate) if everything.effective_rate is not None else "—"))
    export_params = {**scope.params(), "from_month": month_key(start), "to_month": month_key(end)}
    key = f"tco-{'contract' if scope.contract_id is not None else 'vendor'}"
    return TcoChart(
        key=key,
        title=f"Total cost by month ({currency})",
        summary=summary,
        data={"labels": [f"{month:%b %y}" for month in months], "unit": currency, "series": series},
        header=["Month", *[COMPONENT_LABELS[c] for c in COMPONENTS], "Total cost", "Billed hours", "Effective rate"],
        rows=[row(month, t) for month, t in reversed(list(zip(months, totals, strict=True)))],
        footer=footer,
        export=_url("costs:ledger-csv", export_params),
        xlsx_export=_url("costs:ledger-xlsx", export_params),
        has_data=bool(lines),
    )


def rate_card_text(vendor: Any) -> str:
    """The vendor's rate card, ``rate card 60–90 USD an hour`` (empty without one)."""
    low, high = vendor.rate_min, vendor.rate_max
    if low is None and high is None:
        return ""
    if low is None or high is None or low == high:
        return f"rate card {format_number(low if high is None else high)} {vendor.currency} an hour"
    return f"rate card {format_number(low)}–{format_number(high)} {vendor.currency} an hour"


def tco_panel(
    *,
    scope: Scope,
    vendor_id: int,
    contracts: QuerySet[Contract],
    today: date,
    delay_rate: Decimal | None = None,
    rate_card: str = "",
    fx: FxTable | None = None,
    rates: CostSettings | None = None,
) -> TcoPanel:
    """The *Total cost* panel of ``contracts`` (one contract's, or its vendor's) for the last 12 complete
    months and the current one. ``delay_rate``: a contract's cost of delay per week, for "not set";
    ``rate_card``: the vendor's (``rate_card_text``), shown beside the billed rate."""
    start, end = panel_months(today)
    fx = fx if fx is not None else fx_table()
    rates = rates if rates is not None else cost_settings()
    currency = fx.reporting
    lines = ledger_lines(contracts=contracts, start=start, end=end, fx=fx, rates=rates)
    totals = totals_of(lines)
    drills = drills_for(scope, vendor_id, lines, start, end)
    months = months_between(start, end)

    effective, _ = _money_or(totals.effective_rate, currency, "no billed hours")
    billed, _ = _money_or(totals.billed_rate, currency, "no billed hours")
    per_point, point_missing = _money_or(totals.cost_per_point, currency, "not measured")
    per_deployment, deployment_missing = _money_or(totals.cost_per_deployment, currency, "not measured")
    figures = [
        Figure(
            "tco",
            "Total cost of ownership",
            format_money(totals.tco, currency),
            f"{totals.lines} contract-months",
            drills.ledger,
        ),
        Figure(
            "billed_hours",
            "Billed hours",
            format_number(totals.billed_hours),
            "on approved and paid invoices" if totals.billed_hours else "no approved or paid invoice states its hours",
            drills.invoiced if totals.billed_hours else "",
        ),
        Figure(
            "effective_rate",
            "Effective hourly rate",
            effective,
            "total cost ÷ billed hours",
            missing=totals.effective_rate is None,
        ),
        Figure(
            "billed_rate",
            "Billed rate",
            billed,
            "invoiced ÷ billed hours" + (f"; {rate_card}" if rate_card else ""),
            missing=totals.billed_rate is None,
        ),
        Figure(
            "cost_per_point",
            "Cost per story point",
            per_point,
            f"{format_number(totals.points)} points delivered (say/do ratio)"
            if totals.points is not None
            else "no say/do ratio measured",
            drills.points if totals.points is not None else "",
            missing=point_missing,
        ),
        Figure(
            "cost_per_deployment",
            "Cost per deployment",
            per_deployment,
            f"{format_number(totals.deployments)} deployments (change failure rate)"
            if totals.deployments is not None
            else "no change failure rate measured",
            drills.deployments if totals.deployments is not None else "",
            missing=deployment_missing,
        ),
    ]
    if scope.contract_id is not None:
        delay_text = f"{format_money(delay_rate, currency)} a week" if delay_rate is not None else "not set"
        figures.append(
            Figure(
                "cost_of_delay",
                "Cost of delay",
                delay_text,
                "per week late, the contract's (else its dearest function's)",
                missing=delay_rate is None,
            )
        )
    elif totals.delay_not_set:
        figures.append(
            Figure(
                "cost_of_delay",
                "Cost of delay",
                "not set",
                f"on {totals.delay_not_set} contract-month(s) with missed milestones: not counted",
                missing=True,
            )
        )
    components = []
    for component in COMPONENTS:
        value = totals.component(component)
        share = totals.share(component)
        shown = format_money(value, currency)
        if component == "credits" and value:
            shown = f"−{shown}"
        components.append(
            Figure(
                component,
                COMPONENT_LABELS[component],
                shown,
                f"{format_number(share)} % of the gross cost" if share is not None and component != "credits" else "",
                getattr(drills, component) if value else "",
            )
        )
    sentences = explain(totals, rates=rates, currency=currency)
    if not lines:
        explanation = "Nothing recorded in these months: no approved invoice, no management time, no measurement."
    elif sentences:
        explanation = " ".join(sentences)
    else:
        explanation = "Nothing beyond the invoices: the total cost is what was invoiced."
    return TcoPanel(
        scope=scope,
        vendor_id=vendor_id,
        start=start,
        end=end,
        currency=currency,
        lines=lines,
        totals=totals,
        figures=figures,
        components=components,
        explanation=explanation,
        chart=_chart(scope, vendor_id, lines, months, currency),
        drills=drills,
        not_counted=[*totals.missing, *totals.notes],
    )
