"""The columns of the performance lists, each declared once for the page and the CSV export
(``apps.core.tables``): breaches, SLA evaluations, measurements, CSV imports, and the engagements the
entry grid starts from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from apps.core.tables import CellRenderer, Column, Table, badge, display, link, money, muted, related_link
from apps.kpis.templatetags.kpi_units import sla_target
from apps.kpis.units import with_unit
from apps.performance.choices import BreachStatus, EvaluationStatus
from apps.performance.imports import register_label
from apps.performance.models import Breach, ImportJob, SlaEvaluation

# How much of a waiver's or a resolution's reason the breach list shows under the status.
NOTE_CHARS = 60


def _window(row: Any) -> str:
    return f"{display(row.window_start)} – {display(row.window_end)}"


def _contract_link(anchor: str | Callable[[Any], str]) -> CellRenderer:
    """The contract's title, linked to its page at ``anchor`` (a callable of the row, or a fixed one)."""
    return link(
        "term.contract.title",
        lambda row: row.term.contract.get_absolute_url() + (anchor(row) if callable(anchor) else anchor),
        css="row-link",
    )


# -- breaches ----------------------------------------------------------------------------------------------
def _breach_kpi(breach: Breach) -> str:
    return format_html('{}<div class="muted small">{}</div>', breach.term.kpi.name, breach.term.get_area_display())


def _value_and_target(breach: Breach) -> str:
    return f"{with_unit(breach.value, breach.term.kpi.unit)} / {sla_target(breach.term, breach.target)}"


def _breach_status(breach: Breach) -> str:
    html = badge("status")(breach)
    for label, note in (("waived", breach.waiver_reason), ("resolved", breach.resolution_note)):
        if note:
            html = format_html(
                '{}<div class="muted small">{}: {}</div>', html, label, Truncator(note).chars(NOTE_CHARS)
            )
    return html


class BreachTable(Table):
    contract = Column(
        "Contract", sort="contract", value="term.contract", cell=_contract_link(lambda breach: f"#breach-{breach.pk}")
    )
    vendor = Column("Vendor", sort="vendor", value="term.contract.vendor", cell=related_link("term.contract.vendor"))
    area = Column("Area", value="term.area", page=False)
    kpi = Column("KPI", value="term.kpi", cell=_breach_kpi)
    window = Column("Window", sort="window", cell=_window, export=False)
    window_start = Column("Window start", page=False)
    window_end = Column("Window end", page=False)
    value = Column("Value / target", numeric=True, cell=_value_and_target, export_heading="Value")
    target = Column("Target", page=False)
    unit = Column("Unit", value="term.kpi.unit", page=False)
    severity = Column("Severity", sort="severity", cell=badge("severity"))
    credit_amount = Column("Credit owed", sort="credit", numeric=True, cell=money("credit_amount"))
    status = Column("Status", sort="status", cell=_breach_status)
    currency = Column("Currency", page=False)
    detected_at = Column("Detected", page=False)
    actions = Column("Actions", template="performance/cells/breach_actions.html", export=False)

    export_order = (
        "contract",
        "vendor",
        "area",
        "kpi",
        "window_start",
        "window_end",
        "value",
        "target",
        "unit",
        "severity",
        "status",
        "credit_amount",
        "currency",
        "detected_at",
    )
    empty_text = (
        "No breaches: a closed SLA window that misses its target opens one (manage.py evaluate_slas runs the sweep)."
    )

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {
            "id": f"breach-{row.pk}",
            "data-breach": row.pk,
            "class": "finding" if row.status == BreachStatus.OPEN else False,
        }


# -- SLA evaluations -----------------------------------------------------------------------------------------
def _sla_term(evaluation: SlaEvaluation) -> str:
    term = evaluation.term
    return format_html(
        '{} {}<div class="muted small">{} · {}</div>',
        term.kpi.name,
        sla_target(term),
        term.get_area_display(),
        term.get_window_display(),
    )


def _evaluation_window(evaluation: SlaEvaluation) -> str:
    if evaluation.is_closed:
        return _window(evaluation)
    return format_html('{}<div class="muted small">open window</div>', _window(evaluation))


class SlaEvaluationTable(Table):
    contract = Column("Contract", sort="contract", value="term.contract", cell=_contract_link("#sla-terms"))
    vendor = Column("Vendor", value="term.contract.vendor", cell=related_link("term.contract.vendor"))
    area = Column("Area", value="term.area", page=False)
    kpi = Column("KPI", value="term.kpi", page=False)
    target = Column("Target", value="term.target", page=False)
    term = Column("SLA term", cell=_sla_term, export=False)
    window_start = Column("Window start", page=False)
    window_end = Column("Window end", page=False)
    is_closed = Column("Closed", page=False)
    window = Column("Window", sort="window", cell=_evaluation_window, export=False)
    value = Column("Value", numeric=True, cell=lambda evaluation: with_unit(evaluation.value, evaluation.term.kpi.unit))
    unit = Column("Unit", value="term.kpi.unit", page=False)
    samples = Column("Samples", numeric=True)
    status = Column("Status", sort="status", cell=badge("status"))
    evaluated_at = Column("Evaluated", page=False)

    empty_text = "No SLA evaluations yet — they appear after the hourly sweep; run manage.py evaluate_slas."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"class": "finding" if row.status == EvaluationStatus.BREACHED else False}


# -- measurements ------------------------------------------------------------------------------------------
class MeasurementTable(Table):
    period_end = Column("Period end", sort="period")
    period_start = Column("Period start")
    contract = Column("Contract", sort="contract", cell=related_link("contract"))
    vendor = Column("Vendor", value="contract.vendor", page=False)
    kpi = Column("KPI", sort="kpi", value="kpi.name", export=False)
    kpi_code = Column("KPI code", value="kpi.code", page=False)
    value = Column("Value", sort="value", numeric=True, cell=lambda m: with_unit(m.value, m.kpi.unit))
    numerator = Column("Numerator", page=False)
    denominator = Column("Denominator", page=False)
    source = Column("Source")
    recorded_by = Column("Recorded by")
    note = Column("Note", page=False)

    export_order = (
        "contract",
        "vendor",
        "kpi_code",
        "period_start",
        "period_end",
        "value",
        "numerator",
        "denominator",
        "source",
        "recorded_by",
        "note",
    )


# -- imports -------------------------------------------------------------------------------------------------
def _count(field: str) -> CellRenderer:
    return lambda job: intcomma(getattr(job, field))


def _errors(job: ImportJob) -> str:
    if not job.error_count:
        return "0"
    return format_html('<span class="text-bad">{}</span>', intcomma(job.error_count))


def _register(job: ImportJob) -> str:
    return register_label(job.register)


class ImportJobTable(Table):
    file_name = Column("File", sort="file", cell=link("file_name", lambda job: job.get_absolute_url(), css="row-link"))
    register = Column("Register", sort="register", cell=_register)
    status = Column("Status", template="performance/cells/import_status.html")
    total_rows = Column("Rows", sort="rows", numeric=True, cell=_count("total_rows"))
    created_count = Column("Created", numeric=True, cell=_count("created_count"))
    updated_count = Column("Updated", numeric=True, cell=_count("updated_count"))
    unchanged_count = Column("Unchanged", numeric=True, cell=_count("unchanged_count"))
    error_count = Column("Errors", numeric=True, cell=_errors)
    created_by = Column("Uploaded by")
    created_at = Column(
        "Uploaded",
        sort="uploaded",
        cell=lambda job: date_filter(timezone.localtime(job.created_at), "Y-m-d H:i"),
    )

    empty_text = "No imports yet."


# -- the entry grid's engagements -------------------------------------------------------------------------
def _grid_url(contract: Any) -> str:
    return reverse("performance:grid", args=[contract.pk])


class EngagementTable(Table):
    """Step 1 of logging KPIs: the engagements (contracts) the user logs for."""

    title = Column("Contract", sort="contract", cell=link("title", _grid_url, css="row-link"))
    vendor = Column("Vendor", sort="vendor")
    status = Column("Status", cell=badge("status"))
    sla_kpi_count = Column("SLA KPIs", numeric=True)
    last_logged = Column(
        "Last period logged",
        sort="last_logged",
        cell=lambda c: display(c.last_logged) if c.last_logged else muted("never"),
    )
    log = Column(
        "",
        classes="num",  # the button sits at the row's end; its heading is empty
        cell=lambda contract: format_html(
            '<a class="button small primary" href="{}">Log KPIs</a>', _grid_url(contract)
        ),
        export=False,
    )

    empty_text = (
        "No active engagement of yours: the engineering and delivery owners of a vendor log the KPIs of its contracts."
    )

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"data-contract": row.pk}
