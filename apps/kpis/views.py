"""The KPI pages: the catalogue and the measurements logged against contracts (read and exported
here; the entry grid, bulk entry and scorecards are their own pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from apps.contracts import selectors as contract_selectors
from apps.contracts.filters import ContractFilterSet
from apps.core.ui import Column, FilteredListView, ServiceFormView, require_permission
from apps.kpis import selectors
from apps.kpis.filters import KpiDefinitionFilterSet, MeasurementFilterSet
from apps.kpis.forms import MeasurementGrid, PeriodForm, default_period_data


class KpiListView(FilteredListView):
    title = "KPI catalogue"
    template_name = "kpis/kpi_list.html"
    selector = selectors.kpi_definition_list
    filterset_class = KpiDefinitionFilterSet
    filter_fields = ("direction",)
    sort_fields = {"name": "name", "code": "code", "unit": ("unit", "name")}
    default_sort = "name"
    columns = (
        Column("KPI", "name", "name"),
        Column("Code", "code", "code"),
        Column("Unit", "unit", "unit"),
        Column("Direction", None, "direction"),
        Column("Default aggregation", None, "aggregation"),
        Column("Definition", None, "description"),
    )
    csv_filename = "kpis"


class MeasurementListView(FilteredListView):
    title = "Measurements"
    template_name = "kpis/measurement_list.html"
    selector = selectors.measurement_list
    filterset_class = MeasurementFilterSet
    filter_fields = ("source", "period_end_after", "period_end_before")
    sort_fields = {
        "period": ("period_end", "kpi__name"),
        "kpi": ("kpi__name", "period_end"),
        "contract": ("contract__title", "period_end"),
        "value": "value",
    }
    default_sort = "-period"
    columns = (
        Column("Period end", "period", "period_end"),
        Column("Period start", None, "period_start"),
        Column("Contract", "contract", "contract"),
        Column("KPI", "kpi", "kpi.name"),
        Column("Value", "value", "value", numeric=True),
        Column("Source", None, "source"),
        Column("Recorded by", None, "recorded_by"),
    )
    csv_columns = (
        Column("Contract", value="contract"),
        Column("Vendor", value="contract.vendor"),
        Column("KPI code", value="kpi.code"),
        Column("Period start", value="period_start"),
        Column("Period end", value="period_end"),
        Column("Value", value="value"),
        Column("Numerator", value="numerator"),
        Column("Denominator", value="denominator"),
        Column("Source", value="source"),
        Column("Recorded by", value="recorded_by"),
        Column("Note", value="note"),
    )
    csv_filename = "measurements"
    create_url_name = "kpis:grid-start"  # "Log KPIs": the entry grid
    create_permission = "kpis.add_measurement"


# -- the entry grid: choose an engagement, a period, and log its KPIs ---------------------------------------
class MeasurementGridStartView(FilteredListView):
    """Step 1 of logging KPIs: the engagements the user logs for (an engineering manager: the contracts
    of the vendors they own as engineering or delivery owner; admins: every one)."""

    title = "Log KPIs"
    template_name = "kpis/grid_start.html"
    selector = selectors.measurement_contracts_for
    filterset_class = ContractFilterSet
    filter_fields = ("q",)
    sort_fields = {
        "contract": ("title", "vendor__name"),
        "vendor": ("vendor__name", "title"),
        "last_logged": ("last_logged", "vendor__name", "title"),
    }
    default_sort = "vendor"
    columns = (
        Column("Contract", "contract", "title"),
        Column("Vendor", "vendor", "vendor"),
        Column("Status", None, "status"),
        Column("SLA KPIs", None, "sla_kpi_count", numeric=True),
        Column("Last period logged", "last_logged", "last_logged"),
        Column("", None, None),
    )
    csv_columns = columns[:-1]
    csv_filename = "engagements"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            require_permission(request, selectors.LOG_MEASUREMENTS_PERMISSION)
        return super().dispatch(request, *args, **kwargs)


class MeasurementGridView(ServiceFormView):
    """Steps 2 and 3: a period (week, month or sprint) and a row per KPI; saving records every filled
    row through ``measurement_record``, all of them or none (``apps.kpis.forms.MeasurementGrid``).
    A plain POST redirects back to the grid of the period; htmx swaps the grid section in place."""

    permission = selectors.LOG_MEASUREMENTS_PERMISSION
    template_name = "kpis/grid.html"
    section_template = "kpis/grid_section.html"
    success_message = ""  # ``perform`` says what happened, with the counts
    contract: Any
    grid: MeasurementGrid

    def setup_objects(self) -> None:
        # The engagements the grid offers (``measurement_contracts_for``): active and expired contracts.
        contracts = (
            contract_selectors.contract_list(user=self.request.user)
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
    def title(self) -> str:  # type: ignore[override]
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
        return f"{reverse('kpis:grid', args=[self.contract.pk])}?{self.grid.query()}"

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
