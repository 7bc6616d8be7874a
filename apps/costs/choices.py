from django.db import models

from apps.core.tones import BAD, GOOD, INFO, QUIET, register_tones


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    APPROVED = "approved", "Approved"
    DISPUTED = "disputed", "Disputed"
    PAID = "paid", "Paid"


register_tones(
    {
        InvoiceStatus.RECEIVED: INFO,  # as a received delivery (a badge sees only the value)
        InvoiceStatus.APPROVED: GOOD,
        InvoiceStatus.DISPUTED: BAD,
        InvoiceStatus.PAID: QUIET,
    }
)

# An invoice: status → the statuses it may move to. A paid invoice is final.
INVOICE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    InvoiceStatus.RECEIVED: (InvoiceStatus.APPROVED, InvoiceStatus.DISPUTED),
    InvoiceStatus.DISPUTED: (InvoiceStatus.RECEIVED, InvoiceStatus.APPROVED),
    InvoiceStatus.APPROVED: (InvoiceStatus.PAID, InvoiceStatus.DISPUTED),
    InvoiceStatus.PAID: (),
}

# The statuses whose amount, period, number, currency and billed hours may still be edited.
INVOICE_EDITABLE_STATUSES = frozenset({InvoiceStatus.RECEIVED, InvoiceStatus.DISPUTED})
# The statuses that count as invoiced (spent against the contract's value).
INVOICE_COUNTED_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.PAID)
