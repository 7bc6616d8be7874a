"""What the costs add to the contract page (``apps.core.sections``, ``apps.contracts.sections``), registered
at ``ready()``:

- the *Invoices* panel (anchor ``#invoices``) — the contract's invoices with their status, amount, period
  and flags, the approved and paid total against the contract's value, and procurement's buttons; two
  queries whatever the number of invoices (the invoices with their flags' totals, their hours);
- the *Total cost* panel (anchor ``#costs``) — the contract's ledger over the last 12 complete months and
  this one (``apps.costs.tco``): its key figures, components, where the cost beyond the invoices comes
  from, the chart by month with its table, and the links to log hours and to the hours logged; a fixed number
  of queries (the FX table, the settings, the ledger's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.contracts.models import Contract
from apps.contracts.sections import CONTRACT_PAGE
from apps.core.sections import register_section
from apps.costs import selectors
from apps.costs.choices import INVOICE_EDITABLE_STATUSES, INVOICE_TRANSITIONS
from apps.costs.flags import flags_of
from apps.costs.tco import Scope, rate_card_text, tco_panel
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


def contract_delay_rate(contract: Contract) -> Decimal | None:
    """The contract's cost of delay per week, else the dearest of its functions' (None: not set). The
    contract page's contract has its functions already (``apps.contracts.selectors.contract_list``)."""
    if contract.cost_of_delay_per_week is not None:
        return contract.cost_of_delay_per_week
    rates = [f.cost_of_delay_per_week for f in contract.functions.all() if f.cost_of_delay_per_week is not None]
    return max(rates, default=None)


@register_section(CONTRACT_PAGE, key="costs", label="Total cost", template="costs/panels/contract_costs.html", order=38)
def contract_costs_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    panel = tco_panel(
        scope=Scope(contract_id=contract.pk),
        vendor_id=contract.vendor_id,
        contracts=Contract.objects.filter(pk=contract.pk),
        today=timezone.localdate(),
        delay_rate=contract_delay_rate(contract),
        rate_card=rate_card_text(contract.vendor),
    )
    return {
        "contract": contract,
        "tco": panel,
        "log_hours_url": reverse("costs:owner-hours-new") + f"?contract={contract.pk}",
        "owner_hours_url": panel.drills.logged,
    }
