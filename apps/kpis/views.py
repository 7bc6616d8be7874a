"""The KPI pages: the catalogue and the measurements logged against contracts (read and exported
here; the entry grid, bulk entry and scorecards are their own pages)."""

from __future__ import annotations

from apps.core.ui import Column, FilteredListView
from apps.kpis import selectors
from apps.kpis.filters import KpiDefinitionFilterSet, MeasurementFilterSet


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
