"""Reads of the invoices: the scoped list the API and the list page share (each invoice with what its
contract had counted before it, for its flags), and what one contract's *Invoices* panel shows.

Everyone signed in reads every contract (``apps.contracts.selectors``), so ``user`` narrows nothing yet; it
is taken so every caller already passes it. Each read joins what its callers show, so a page costs the same
number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.flags import ZERO, with_invoiced_before
from apps.costs.models import CostSettings, Invoice, InvoiceHours

# Who writes invoices (procurement and administrators, apps.accounts.roles).
ADD_INVOICE_PERMISSION = "costs.add_invoice"
CHANGE_INVOICE_PERMISSION = "costs.change_invoice"


def invoice_list(*, user: Any | None = None) -> QuerySet[Invoice]:
    """Every invoice with its contract and vendor, its billed hours and ``invoiced_before`` (the flags)."""
    return with_invoiced_before(
        Invoice.objects.select_related("contract__vendor").prefetch_related(
            Prefetch("hours", queryset=InvoiceHours.objects.order_by("role"))
        )
    )


def invoices_for(contract: Any, *, user: Any | None = None) -> QuerySet[Invoice]:
    return invoice_list(user=user).filter(contract=contract).order_by("-period_end", "-id")


@dataclass
class InvoiceTotals:
    """What a contract's invoices add up to: approved and paid in the contract's currency against its
    value, and the counted amounts in other currencies, listed apart (never added)."""

    currency: str
    value: Decimal
    invoiced: Decimal = ZERO
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def remaining(self) -> Decimal:
        return self.value - self.invoiced

    @property
    def over(self) -> bool:
        return self.invoiced > self.value


def invoice_totals(contract: Any, invoices: list[Invoice]) -> InvoiceTotals:
    """The totals of ``contract`` from its invoices already read (no query)."""
    totals = InvoiceTotals(currency=contract.currency, value=contract.value)
    for invoice in invoices:
        if invoice.status not in INVOICE_COUNTED_STATUSES:
            continue
        if invoice.currency == contract.currency:
            totals.invoiced += invoice.amount
        else:
            totals.other_currencies[invoice.currency] = (
                totals.other_currencies.get(invoice.currency, ZERO) + invoice.amount
            )
    return totals


def cost_settings() -> CostSettings:
    """The figures the total cost of ownership is computed with: the one row administrators keep, or —
    before anyone saved it — the defaults (one query)."""
    return CostSettings.objects.filter(pk=1).first() or CostSettings(pk=1)
