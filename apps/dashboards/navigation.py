"""The workspace's navigation: the areas everyone signed in reads, the "New" menu, which lists
only what the signed-in user's role may create (the server refuses the rest anyway), and the count of
unread notifications on the bell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from apps.accounts.choices import Role
from apps.notifications.selectors import unread_count


@dataclass(frozen=True)
class NavArea:
    label: str
    url_name: str
    prefix: str  # the path prefix that marks the area as the current one


@dataclass(frozen=True)
class NewEntry:
    label: str
    url_name: str
    permission: str


AREAS = (
    NavArea("Dashboard", "home", "/"),
    NavArea("Functions", "functions:function-list", "/functions/"),
    NavArea("Vendors", "vendors:vendor-list", "/vendors/"),
    NavArea("Contracts", "contracts:contract-list", "/contracts/"),
    # The cost ledger; the invoices (/costs/invoices/) are a link of its page and of each contract's.
    NavArea("Costs", "costs:ledger", "/costs/"),
    NavArea("KPIs", "kpis:kpi-list", "/kpis/"),
    NavArea("Reviews", "vendors:review-list", "/reviews/"),
    NavArea("Risks", "vendors:risk-list", "/risks/"),
    NavArea("Exceptions", "exception-list", "/exceptions/"),
)

DASHBOARD_PREFIX = "/dashboard/"  # the portfolio overview (apps/dashboards) belongs to the Dashboard area

NEW_ENTRIES = (
    NewEntry("Function", "functions:function-create", "functions.add_function"),
    NewEntry("Vendor", "vendors:vendor-create", "vendors.add_vendor"),
    NewEntry("Contract", "contracts:contract-create", "contracts.add_contract"),
    NewEntry("Service review", "vendors:review-create", "vendors.add_servicereview"),
    NewEntry("Risk", "vendors:risk-create", "vendors.add_vendorrisk"),
    NewEntry("KPI measurements", "performance:grid-start", "performance.add_measurement"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    # The dashboard is "/" itself and the portfolio overview under /dashboard/; other areas own
    # everything under their prefix.
    is_dashboard = path == "/" or path.startswith(DASHBOARD_PREFIX)
    current = max(
        (area for area in AREAS if (is_dashboard if area.prefix == "/" else path.startswith(area.prefix))),
        key=lambda a: len(a.prefix),
        default=None,
    )
    areas = [{"label": a.label, "url": reverse(a.url_name), "current": a == current} for a in AREAS]
    new_entries = [{"label": e.label, "url": reverse(e.url_name)} for e in NEW_ENTRIES if user.has_perm(e.permission)]
    role_labels = [str(label) for value, label in Role.choices if value in user.roles]
    if user.is_superuser and not role_labels:
        role_labels = ["Superuser"]
    return {
        "nav_areas": areas,
        "nav_new_entries": new_entries,
        "nav_role_labels": role_labels,
        "nav_unread_count": unread_count(user=user),  # the number on the bell: one COUNT query per page
    }
