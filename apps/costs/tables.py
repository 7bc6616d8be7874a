"""The columns of the invoice list and of the cost ledger, each for the page and its CSV/XLSX export
(``apps.core.tables``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.html import format_html, format_html_join

from apps.core.formatting import format_number
from apps.core.tables import Column, Table, badge, money, muted, related_link
from apps.costs import services
from apps.costs.flags import flags_of
from apps.costs.models import Invoice


def _flags_cell(invoice: Invoice) -> str:
    flags = flags_of(invoice)
    if not flags:
        return ""
    return format_html_join(
        " ",
        '<span class="badge badge-warn" data-flag="{}" title="{}">{}</span>',
        ((f.code, f.message, f.message) for f in flags),
    )


def _period(invoice: Invoice) -> str:
    return format_html("{} – {}", invoice.period_start, invoice.period_end)


class InvoiceTable(Table):
    number = Column("Invoice", sort="number")
    contract = Column("Contract", sort="contract", cell=related_link("contract"))
    vendor = Column("Vendor", value="contract.vendor", cell=related_link("contract.vendor"))
    period = Column("Period", sort="period", cell=_period, export=False)
    period_start = Column("Period start", page=False)
    period_end = Column("Period end", page=False)
    amount = Column("Amount", sort="amount", numeric=True, cell=money("amount"))
    currency = Column("Currency", page=False)
    status = Column("Status", sort="status", cell=badge("status"))
    received_on = Column("Received", page=False)
    hours = Column(
        "Billed hours", page=False, value=lambda invoice: services.hours_text(services.invoice_hours_of(invoice))
    )
    flags = Column(
        "Flags", cell=_flags_cell, value=lambda invoice: "; ".join(flag.message for flag in flags_of(invoice))
    )

    export_order = (
        "number",
        "contract",
        "vendor",
        "period_start",
        "period_end",
        "amount",
        "currency",
        "status",
        "received_on",
        "hours",
        "flags",
    )
    empty_text = "No invoices recorded: procurement adds them on each contract's Invoices panel, or imports them."


# -- the ledger (apps.costs.tco.LedgerRow) -------------------------------------------------------------------------
def _figure(name: str, url: str, *, negative: bool = False, hours: bool = False) -> Callable[[Any], str]:
    """A figure of the line, linked to the rows it counts (``url``: the drill-down's name); zero is not
    linked (nothing to list)."""

    def render(row: Any) -> str:
        value = getattr(row, name)
        shown = format_number(value) if hours else f"{value:,.2f}"
        if negative and value:
            shown = f"−{shown}"
        target = getattr(row.drills, url)
        if not value:
            return format_html('<span class="muted">{}</span>', shown)
        if not target:
            return shown
        return format_html(
            '<a href="{}" data-drill="{}" aria-label="{} {} of {}, {}">{}</a>',
            target,
            name,
            name.replace("_", " "),
            shown,
            row.contract.title,
            row.month_label,
            shown,
        )

    return render


def _rate(name: str) -> Callable[[Any], str]:
    def render(row: Any) -> str:
        value = getattr(row, name)
        return f"{value:,.2f}" if value is not None else muted()

    return render


def _drill(name: str) -> Callable[[Any], str]:
    return lambda row: getattr(row.drills, name)


class LedgerTable(Table):
    """One row per contract and month (``apps.costs.tco.LedgerRow``), every figure in the reporting
    currency and linked to its rows; the export adds the parts of each figure and the drill-down URLs."""

    month = Column("Month", value="month_label", export_value="month", classes="nowrap")
    vendor = Column("Vendor", cell=related_link("contract.vendor"), value="contract.vendor.name")
    contract = Column("Contract", cell=related_link("contract"), value="contract.title")
    contract_id = Column("Contract id", page=False, value="contract.pk")
    currency = Column("Currency", page=False)
    invoiced = Column("Invoiced", numeric=True, cell=_figure("invoiced", "invoiced"))
    management = Column("Management", numeric=True, cell=_figure("management", "management"))
    review_hours = Column("Review hours", page=False)
    overhead_hours = Column("Overhead hours", page=False)
    logged_hours = Column("Logged hours", page=False)
    rework = Column("Rework", numeric=True, cell=_figure("rework", "rework"))
    escaped_defects = Column("Escaped defects", page=False)
    escaped_source = Column("Escaped defects from", page=False)
    delay = Column("Delay", numeric=True, cell=_figure("delay", "delay"))
    late_milestones = Column("Late milestones", page=False)
    delay_rate = Column("Cost of delay per week", page=False)
    credits = Column("Credits", numeric=True, cell=_figure("credits", "credits", negative=True))
    tco = Column(
        "Total cost",
        numeric=True,
        cell=lambda row: format_html("<strong>{}</strong>", f"{row.tco:,.2f}") if row.tco else muted("0.00"),
    )
    billed_hours = Column("Billed hours", numeric=True, cell=_figure("billed_hours", "invoiced", hours=True))
    effective_rate = Column("Effective rate", numeric=True, cell=_rate("effective_rate"))
    billed_rate = Column("Billed rate", page=False)
    points = Column("Story points", page=False)
    deployments = Column("Deployments", page=False)
    not_counted = Column("Not counted", page=False)
    invoiced_url = Column("Invoiced: rows", page=False, value=_drill("invoiced"))
    reviews_url = Column("Management: reviews", page=False, value=_drill("reviews"))
    logged_url = Column("Management: logged hours", page=False, value=_drill("logged"))
    rework_url = Column("Rework: rows", page=False, value=_drill("rework"))
    delay_url = Column("Delay: rows", page=False, value=_drill("delay"))
    credits_url = Column("Credits: rows", page=False, value=_drill("credits"))
    points_url = Column("Story points: rows", page=False, value=_drill("points"))
    deployments_url = Column("Deployments: rows", page=False, value=_drill("deployments"))

    empty_text = "Nothing in these months: no contract in force, no invoice approved, nothing measured."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"data-ledger-line": f"{row.contract.pk}-{row.month:%Y-%m}"}


class OwnerHoursTable(Table):
    week_of = Column("Week of", sort="week")
    contract = Column("Contract", sort="contract", cell=related_link("contract"))
    vendor = Column("Vendor", value="contract.vendor", cell=related_link("contract.vendor"))
    person = Column("Person", sort="person")
    hours = Column("Hours", sort="hours", numeric=True)
    note = Column("Note")
    actions = Column("", template="costs/owner_hours_actions.html", export=False)

    empty_text = "No hours logged: the vendor's named owners log the hours a contract took beyond the usual overhead."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"data-owner-hours-entry": row.pk}
