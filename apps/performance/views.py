"""The performance pages: breaches and SLA evaluations across the portfolio, the SLA terms of a contract
(added, edited and removed in place on the contract page with htmx), breach actions, the measurements
logged against contracts, and the entry grid where a manager logs a period of KPIs for one engagement.
The CSV import pages are ``import_views``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from apps.contracts.filters import ContractFilterSet
from apps.contracts.models import Contract
from apps.contracts.selectors import contract_detail, contract_list
from apps.core.ui import (
    FilteredListView,
    ServiceActionView,
    ServiceCreateView,
    ServiceDeleteView,
    ServiceFormView,
    ServiceUpdateView,
    require_permission,
)
from apps.performance import selectors, services
from apps.performance.bulk import BREACH_BULK_ACTIONS
from apps.performance.filters import BreachFilterSet, MeasurementFilterSet, SlaEvaluationFilterSet
from apps.performance.forms import MeasurementGrid, PeriodForm, SlaTermForm, default_period_data
from apps.performance.models import Breach
from apps.performance.sections import sla_terms_context
from apps.performance.tables import BreachTable, EngagementTable, MeasurementTable, SlaEvaluationTable
from apps.vendors import ownership


# -- breaches and evaluations across the portfolio --------------------------------------------------------
class BreachListView(FilteredListView):
    """Breaches across the portfolio, with their action buttons for those who may use them (the
    dashboards' open breaches, service credits and breaches by area drill down here)."""

    title = "Breaches"
    template_name = "performance/breach_list.html"
    selector = selectors.breach_list
    filterset_class = BreachFilterSet
    filter_fields = ("vendor", "status", "severity", "area")
    sort_fields = {
        "window": ("window_end", "term__contract__title"),
        "contract": ("term__contract__title", "window_end"),
        "vendor": ("term__contract__vendor__name", "window_end"),
        "severity": ("severity", "window_end"),
        "credit": ("credit_amount", "window_end"),
        "status": ("status", "window_end"),
    }
    default_sort = "-window"
    table_class = BreachTable
    csv_filename = "breaches"
    bulk_actions = BREACH_BULK_ACTIONS
    bulk_noun = ("breach", "breaches")


class SlaEvaluationListView(FilteredListView):
    """Every SLA term's evaluation per window (the dashboards' SLA compliance and at-risk terms drill
    down here)."""

    title = "SLA evaluations"
    template_name = "performance/sla_evaluation_list.html"
    selector = selectors.sla_evaluation_list
    filterset_class = SlaEvaluationFilterSet
    filter_fields = ("status", "area")
    sort_fields = {
        "window": ("window_end", "term__contract__title"),
        "contract": ("term__contract__title", "window_end"),
        "status": ("status", "window_end"),
    }
    default_sort = "-window"
    table_class = SlaEvaluationTable
    csv_filename = "sla-evaluations"

    def base_queryset(self) -> Any:
        return super().base_queryset().select_related("term__contract__vendor")


# -- SLA terms, added / edited / removed in place ---------------------------------------------------------
class SlaTermCreateView(ServiceCreateView):
    permission = "performance.add_slaterm"
    form_class = SlaTermForm
    create_service = services.sla_term_create
    section_template = "performance/includes/sla_terms.html"
    success_message = "Added the SLA term {object}."
    contract: Contract

    def setup_objects(self) -> None:
        self.contract = get_object_or_404(contract_detail(user=self.request.user), pk=self.kwargs["contract_pk"])

    def extra_data(self) -> dict[str, Any]:
        return {"contract": self.contract}

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"New SLA term for {self.contract}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        return sla_terms_context(
            self.request, self.contract, form=form, editing="new" if form is not None else None, inline=True
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.contract, **kwargs)


class SlaTermUpdateView(ServiceUpdateView):
    permission = "performance.change_slaterm"
    form_class = SlaTermForm
    update_service = services.sla_term_update
    section_template = "performance/includes/sla_terms.html"
    success_message = "Saved the SLA term {object}."
    delete_url_name = "performance:sla-term-delete"
    delete_permission = "performance.delete_slaterm"

    selector = selectors.sla_term_list

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit SLA term {self.object}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        return sla_terms_context(
            self.request,
            self.object.contract,
            form=form,
            editing=self.object.pk if form is not None else None,
            inline=True,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.object.contract, **kwargs)


class SlaTermDeleteView(ServiceDeleteView):
    permission = "performance.delete_slaterm"
    delete_service = services.sla_term_delete
    section_template = "performance/includes/sla_terms.html"

    selector = selectors.sla_term_list

    def section_context(self) -> dict[str, Any]:
        return sla_terms_context(self.request, self.object.contract, inline=True)


# -- breaches ---------------------------------------------------------------------------------------------
BREACH_ACTIONS = {
    "acknowledge": "performance.acknowledge_breach",
    "resolve": "performance.resolve_breach",
    "waive": "performance.waive_breach",
}


# The breach actions that need a reason (the waiver's and the resolution's): asked on the list and
# the contract page inline, and on a page of their own when it was left blank.
BREACH_REASON_ACTIONS = {"resolve": "Resolve", "waive": "Waive"}


def _breach_message(verb: str, breach: Breach) -> str:
    return f"{verb} the breach of {breach.term.kpi.name} ({breach.window_start} – {breach.window_end})."


class BreachActionView(ServiceActionView):
    """Acknowledge, resolve (with how, the reason) or waive (executives, with a reason) a breach; the
    service refuses what the breach's state does not allow, and the message says why. An engineering
    manager acts only on the breaches of the engagements they own (403: ``apps.vendors.ownership``)."""

    def get_object(self) -> Breach:
        if self.kwargs["action"] not in BREACH_ACTIONS:
            raise Http404("No such breach action.")
        return get_object_or_404(selectors.breach_list(user=self.request.user), pk=self.kwargs["pk"])

    @property
    def permission(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return BREACH_ACTIONS[self.kwargs["action"]]

    def check_object_permission(self) -> None:
        if not ownership.may_write(self.request.user, self.object):
            raise PermissionDenied(ownership.refusal(self.object))

    def perform(self) -> str:
        action, breach, user = self.kwargs["action"], self.object, self.request.user
        if action == "acknowledge":
            services.breach_acknowledge(breach=breach, actor=user)
            return _breach_message("Acknowledged", breach)
        # ``note`` is what the resolve form used to send; a blank one is refused like a blank reason.
        reason = self.request.POST.get("reason") or self.request.POST.get("note", "")
        if action == "resolve":
            services.breach_resolve(breach=breach, actor=user, reason=reason)
            return _breach_message("Resolved", breach)
        services.breach_waive(breach=breach, actor=user, reason=reason)
        return _breach_message("Waived", breach)


# -- measurements and the entry grid --------------------------------------------------------------------
class MeasurementListView(FilteredListView):
    title = "Measurements"
    template_name = "performance/measurement_list.html"
    selector = selectors.measurement_list
    filterset_class = MeasurementFilterSet
    filter_fields = ("contract", "source", "period_end_after", "period_end_before")
    sort_fields = {
        "period": ("period_end", "kpi__name"),
        "kpi": ("kpi__name", "period_end"),
        "contract": ("contract__title", "period_end"),
        "value": "value",
    }
    default_sort = "-period"
    table_class = MeasurementTable
    csv_filename = "measurements"
    create_url_name = "performance:grid-start"  # "Log KPIs": the entry grid
    create_permission = selectors.LOG_MEASUREMENTS_PERMISSION


# -- the entry grid: choose an engagement, a period, and log its KPIs ---------------------------------------
class MeasurementGridStartView(FilteredListView):
    """Step 1 of logging KPIs: the engagements the user logs for (an engineering manager: the contracts
    of the vendors they own as engineering or delivery owner; admins: every one)."""

    title = "Log KPIs"
    template_name = "performance/grid_start.html"
    selector = selectors.measurement_contracts_for
    filterset_class = ContractFilterSet
    filter_fields = ("q",)
    sort_fields = {
        "contract": ("title", "vendor__name"),
        "vendor": ("vendor__name", "title"),
        "last_logged": ("last_logged", "vendor__name", "title"),
    }
    default_sort = "vendor"
    table_class = EngagementTable
    csv_filename = "engagements"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            require_permission(request, selectors.LOG_MEASUREMENTS_PERMISSION)
        return super().dispatch(request, *args, **kwargs)


class MeasurementGridView(ServiceFormView):
    """Steps 2 and 3: a period (week, month or sprint) and a row per KPI; saving records every filled
    row through ``measurement_record``, all of them or none (``apps.performance.forms.MeasurementGrid``).
    A plain POST redirects back to the grid of the period; htmx swaps the grid section in place."""

    permission = selectors.LOG_MEASUREMENTS_PERMISSION
    template_name = "performance/grid.html"
    section_template = "performance/grid_section.html"
    success_message = ""  # ``perform`` says what happened, with the counts
    contract: Any
    grid: MeasurementGrid

    def setup_objects(self) -> None:
        # The engagements the grid offers (``measurement_contracts_for``): active and expired contracts.
        contracts = (
            contract_list(user=self.request.user)
            .prefetch_related(None)
            .filter(status__in=selectors.MEASURED_CONTRACT_STATUSES)
        )
        self.contract = get_object_or_404(contracts, pk=self.kwargs["contract_pk"])

    def check_object_permission(self) -> None:
        if not selectors.may_log_measurements(user=self.request.user, contract=self.contract):
            raise PermissionDenied(
                f"Only the engineering or delivery owner of {self.contract.vendor} logs the KPIs of {self.contract}."
            )

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Log KPIs · {self.contract}"

    def new_grid(self, source: Any, *, data: Any = None) -> MeasurementGrid:
        """The grid of the period ``source`` names (a query string or the POST), or of last month."""
        period_data = source if source.get("kind") else default_period_data(timezone.localdate())
        return MeasurementGrid(
            contract=self.contract,
            period_form=PeriodForm(period_data, contract=self.contract),
            user=self.request.user,
            data=data,
            show_all=source.get("all") == "1",
        )

    def get_form(self, form_class: Any = None) -> Any:
        if self.request.method == "POST":
            self.grid = self.new_grid(self.request.POST, data=self.request.POST)
        else:
            self.grid = self.new_grid(self.request.GET)
        return self.grid

    def perform(self, form: forms.BaseForm) -> Any:
        grid = self.grid
        assert grid.period is not None
        if not grid.filled_rows:
            messages.info(self.request, "Nothing to save: every row is empty.")
            return {}
        counts = grid.save(actor=self.request.user)
        summary = ", ".join(f"{count} {result}" for result, count in counts.items())
        messages.success(self.request, f"Saved {grid.period.label} ({grid.period.dates}): {summary}.")
        return counts

    def get_success_url_for(self, result: Any) -> str:
        return f"{reverse('performance:grid', args=[self.contract.pk])}?{self.grid.query()}"

    def render_form(self, form: Any) -> HttpResponse:
        form.set_autofocus()
        return super().render_form(form)

    def section_context(self, *, form: Any) -> dict[str, Any]:
        if form is None:  # saved: the grid again, showing what is now stored
            form = self.new_grid(self.request.POST)
            form.set_autofocus()
        return {"grid": form, "contract": self.contract, "inline_messages": True}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(grid=context["form"], contract=self.contract, period_form=context["form"].period_form)
        return context
