"""What the contracts app adds to other apps' pages: the vendor page's *Contracts* tab and the open
SLA breaches on its overview (``apps.core.sections``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.choices import BreachStatus
from apps.contracts.selectors import breach_list, contract_list
from apps.core.sections import register_section
from apps.vendors.models import Vendor
from apps.vendors.sections import VENDOR_OVERVIEW, VENDOR_PAGE

# The breaches the vendor page shows: those still to be dealt with.
UNSETTLED_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)


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


@register_section(
    VENDOR_OVERVIEW, key="breaches", label="Open SLA breaches", template="contracts/panels/vendor_breaches.html"
)
def vendor_open_breaches(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return {
        "breaches": breach_list(user=request.user)
        .filter(term__contract__vendor=vendor, status__in=UNSETTLED_BREACH_STATUSES)
        .order_by("-window_start", "pk")
    }
