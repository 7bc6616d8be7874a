"""What delivery telemetry adds to the pages of the floors below it (``apps.core.sections``): the contract
page's *Telemetry* panel (its source bindings with their health and setup, where each of its KPIs
comes from, the latest deliveries) and the vendor page's *Telemetry* tab (the vendor's identity rules,
which say who its people are, and the sources bound to its contracts).

The identity rules are a vendors record (``VendorIdentityRule``, its services in ``apps.vendors``), but
only telemetry reads them, and the tab that manages them also lists the vendor's bindings, which the
vendors floor cannot see: so the tab is registered from here. Registered at ``ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from apps.contracts.models import Contract
from apps.contracts.sections import CONTRACT_PAGE
from apps.core.sections import register_section
from apps.performance.telemetry import selectors
from apps.performance.telemetry.models import SourceBinding
from apps.performance.telemetry.views import ADD_BINDING, ADD_IDENTITY_RULE, CHANGE_BINDING, DELETE_IDENTITY_RULE
from apps.vendors import ownership
from apps.vendors.models import Vendor
from apps.vendors.sections import VENDOR_PAGE


@dataclass(frozen=True)
class BindingRow:
    """A binding as its panel shows it: its health in words, its measured KPIs by name."""

    binding: SourceBinding
    health: str
    health_text: str
    measures: list[str]

    @property
    def last_event_at(self) -> datetime | None:
        return self.binding.last_event_at


def binding_rows(bindings: list[SourceBinding], names: dict[str, str]) -> list[BindingRow]:
    return [
        BindingRow(
            binding=binding,
            health=binding.health,
            health_text=selectors.health_text(binding),
            measures=[names.get(code, code) for code in binding.measures],
        )
        for binding in bindings
    ]


# -- the contract page ------------------------------------------------------------------------------------
@register_section(
    CONTRACT_PAGE, key="telemetry", label="Telemetry", template="performance/telemetry/contract_panel.html", order=40
)
def contract_telemetry_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    user = request.user
    found = selectors.contract_telemetry(user=user, contract=contract)
    names = selectors.kpi_names()
    may_write = ownership.may_write(user, ownership.prospective(SourceBinding, contract))
    return {
        "binding_rows": binding_rows(found["bindings"], names),
        "kpi_sources": found["kpi_sources"],
        "deliveries": found["deliveries"],
        "may_add_binding": may_write and user.has_perm(ADD_BINDING),
        "may_change_binding": may_write and user.has_perm(CHANGE_BINDING),
    }


# -- the vendor page --------------------------------------------------------------------------------------
@register_section(
    VENDOR_PAGE, key="telemetry", label="Telemetry", template="performance/telemetry/vendor_tab.html", order=75
)
def vendor_telemetry_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    user = request.user
    bindings = list(
        selectors.binding_list(user=user).filter(contract__vendor=vendor).order_by("contract__title", "source", "pk")
    )
    may_write = ownership.may_write(user, vendor)
    return {
        "identity_rules": selectors.identity_rule_list(user=user).filter(vendor=vendor).order_by("kind", "value"),
        "binding_rows": binding_rows(bindings, selectors.kpi_names()),
        "may_add_rule": may_write and user.has_perm(ADD_IDENTITY_RULE),
        "may_delete_rule": may_write and user.has_perm(DELETE_IDENTITY_RULE),
    }
