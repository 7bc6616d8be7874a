"""What the contracts app adds to other apps' pages — the vendor page's *Contracts* tab — and the pages
of its own that apps above it add to (``apps.core.sections``): the contract page's panels (the SLA
terms, the scorecard and the breaches come from ``apps.performance``) and its header's actions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.selectors import contract_list
from apps.core.sections import register_section
from apps.vendors.models import Vendor
from apps.vendors.sections import VENDOR_PAGE

# The panels of the contract page that other apps register, shown in their order between the clause
# checklist and the contract's text; each renders with the page's context plus its own.
CONTRACT_PAGE = "contracts.contract"
# Buttons other apps add to the contract page's header (before its status buttons).
CONTRACT_ACTIONS = "contracts.contract.actions"


@register_section(
    VENDOR_PAGE,
    key="contracts",
    label="Contracts",
    template="contracts/tabs/vendor_contracts.html",
    order=70,
    count="contract_count",
)
def vendor_contracts_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return {"contracts": contract_list(user=request.user).filter(vendor=vendor).order_by("-start_date")}
