"""The invoice list's columns, for the page and its CSV/XLSX export (``apps.core.tables``)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

from apps.core.tables import Column, Table, badge, money, related_link
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
