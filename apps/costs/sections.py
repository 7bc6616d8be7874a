"""What the invoices add to the contract page (``apps.core.sections``, ``apps.contracts.sections``): the
*Invoices* panel (anchor ``#invoices``) — the contract's invoices with their status, amount, period and
flags, the approved and paid total against the contract's value, and procurement's buttons. Registered at
``ready()``; two queries whatever the number of invoices (the invoices with their flags' totals, their
hours)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.models import Contract
from apps.contracts.sections import CONTRACT_PAGE
from apps.core.sections import register_section
from apps.costs import selectors
from apps.costs.choices import INVOICE_EDITABLE_STATUSES, INVOICE_TRANSITIONS
from apps.costs.flags import flags_of
from apps.costs.views import TRANSITION_VERBS


def invoices_context(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    user = request.user
    invoices = list(selectors.invoices_for(contract, user=user))
    for invoice in invoices:
        invoice.contract = contract  # the page's own contract: no second read of it per row
    may_write = user.has_perm(selectors.CHANGE_INVOICE_PERMISSION)
    rows = [
        {
            "invoice": invoice,
            "flags": flags_of(invoice),
            "editable": invoice.status in INVOICE_EDITABLE_STATUSES,
            "moves": [(status, TRANSITION_VERBS[status]) for status in INVOICE_TRANSITIONS[invoice.status]],
        }
        for invoice in invoices
    ]
    return {
        "contract": contract,
        "invoice_rows": rows,
        "invoice_totals": selectors.invoice_totals(contract, invoices),
        "may_add_invoice": user.has_perm(selectors.ADD_INVOICE_PERMISSION),
        "may_change_invoice": may_write,
    }


@register_section(
    CONTRACT_PAGE, key="invoices", label="Invoices", template="costs/panels/contract_invoices.html", order=37
)
def contract_invoices_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return invoices_context(request, contract)
