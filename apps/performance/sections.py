"""What the performance app adds to the pages of the floors below it (``apps.core.sections``), which do
not know it: the vendor page's *Performance* tab and the open breaches on its overview; the contract
page's SLA terms, scorecard and breaches panels, and its "Log KPIs" button. Registered at ``ready()``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.models import Contract
from apps.contracts.sections import CONTRACT_ACTIONS, CONTRACT_PAGE
from apps.core.sections import register_section
from apps.performance import selectors
from apps.performance.choices import BreachStatus
from apps.performance.scorecards import PERIOD_PARAMETER, performance_section
from apps.performance.telemetry.explain import breach_marks, term_marks
from apps.vendors.models import Vendor
from apps.vendors.sections import VENDOR_OVERVIEW, VENDOR_PAGE

# The breaches the vendor page shows: those still to be dealt with.
UNSETTLED_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED)


# -- the vendor page --------------------------------------------------------------------------------------
@register_section(
    VENDOR_PAGE, key="performance", label="Performance", template="performance/tabs/vendor_performance.html", order=20
)
def vendor_performance_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return performance_section(
        path=request.path, period_parameter=request.GET.get(PERIOD_PARAMETER), vendor_id=vendor.pk
    )


@register_section(
    VENDOR_OVERVIEW, key="breaches", label="Open SLA breaches", template="performance/panels/vendor_breaches.html"
)
def vendor_open_breaches(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    breaches = (
        selectors.breach_list(user=request.user)
        .filter(term__contract__vendor=vendor, status__in=UNSETTLED_BREACH_STATUSES)
        .order_by("-window_start", "pk")
    )
    return {"breaches": breaches, "telemetry_marks": breach_marks(breaches)}


# -- the contract page ------------------------------------------------------------------------------------
def sla_terms_context(
    request: HttpRequest, contract: Contract, *, form: Any = None, editing: Any = None, inline: bool = False
) -> dict[str, Any]:
    """The SLA-terms panel: the terms with their latest closed and open evaluations, and the form of
    the term being added or edited; ``inline`` when htmx swaps the panel alone (it then shows the
    messages itself). The SLA-term views render it too."""
    terms = selectors.sla_term_list(user=request.user).filter(contract=contract).order_by("area", "pk")
    term_status = selectors.sla_term_current_status(contract=contract)
    return {
        "inline_messages": inline,
        "contract": contract,
        "terms": terms,
        "term_status": term_status,
        "telemetry_marks": term_marks(terms=terms, status=term_status),
        "sla_form": form,
        "editing": editing,
    }


@register_section(
    CONTRACT_PAGE, key="sla-terms", label="SLA terms", template="performance/includes/sla_terms.html", order=10
)
def contract_sla_terms_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return sla_terms_context(request, contract)


@register_section(
    CONTRACT_PAGE,
    key="performance",
    label="Scorecard",
    template="performance/includes/scorecard_section.html",
    order=20,
)
def contract_scorecard_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return performance_section(
        path=request.path, period_parameter=request.GET.get(PERIOD_PARAMETER), contract_id=contract.pk
    )


@register_section(
    CONTRACT_PAGE, key="breaches", label="Breaches", template="performance/panels/contract_breaches.html", order=30
)
def contract_breaches_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    breaches = selectors.breach_list(user=request.user).filter(term__contract=contract).order_by("-window_start", "pk")
    return {"breaches": breaches, "telemetry_marks": breach_marks(breaches)}


@register_section(
    CONTRACT_ACTIONS, key="log-kpis", label="Log KPIs", template="performance/panels/contract_log_kpis.html"
)
def contract_log_kpis_action(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return {"may_log_kpis": selectors.may_log_measurements(user=request.user, contract=contract)}
