"""The columns of the contract list, declared once for the page and the CSV export (``apps.core.tables``)."""

from __future__ import annotations

from django.utils.html import format_html

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.tables import Column, Table, badge, display, money, muted, related_link, row_link
from apps.core.templatetags import ui as ui_tags

# A cancel-by date this close is a decision to take now: the list (and the contract page) badge it.
CANCEL_BY_WARN_DAYS = 90
# Only a contract still running (or about to) has a cancel-by decision ahead of it.
CANCEL_BY_DECIDING = (ContractStatus.ACTIVE, ContractStatus.DRAFT)


def _title(contract: Contract) -> str:
    title = row_link("title")(contract)
    if not contract.parent:
        return title
    return format_html('{}<div class="muted small">under {}</div>', title, contract.parent.title)


def _cancel_by(contract: Contract) -> str:
    if not contract.cancel_by:
        return muted()
    if contract.status in CANCEL_BY_DECIDING:
        return ui_tags.date_badge(contract.cancel_by, CANCEL_BY_WARN_DAYS)
    return display(contract.cancel_by)


class ContractTable(Table):
    title = Column("Contract", sort="title", cell=_title)
    reference = Column("Reference", page=False)
    vendor = Column("Vendor", sort="vendor", cell=related_link("vendor"))
    parent = Column("Master agreement", page=False)
    engagement_model = Column("Engagement", sort="engagement", export_heading="Engagement model")
    status = Column("Status", sort="status", cell=badge("status"))
    start_date = Column("Start", page=False)
    value = Column("Value", sort="value", numeric=True, cell=money("value"))
    end_date = Column("Ends", sort="end", export_heading="End", empty="open-ended")
    renewal = Column("Renewal", page=False)
    notice_days = Column("Notice days", page=False)
    cancel_by = Column("Cancel by", sort="cancel_by", cell=_cancel_by, attrs={"data-cancel-by": True})
    currency = Column("Currency", page=False)
    governing_law = Column("Governing law", page=False)
    functions = Column("Functions", page=False)

    export_order = (
        "title",
        "reference",
        "vendor",
        "parent",
        "engagement_model",
        "status",
        "start_date",
        "end_date",
        "renewal",
        "notice_days",
        "cancel_by",
        "value",
        "currency",
        "governing_law",
        "functions",
    )
