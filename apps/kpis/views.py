"""The KPI catalogue page (the measurements logged against contracts are ``apps.performance``'s)."""

from __future__ import annotations

from apps.core.ui import FilteredListView
from apps.kpis import selectors
from apps.kpis.filters import KpiDefinitionFilterSet
from apps.kpis.tables import KpiTable


class KpiListView(FilteredListView):
    title = "KPI catalogue"
    template_name = "kpis/kpi_list.html"
    selector = selectors.kpi_definition_list
    filterset_class = KpiDefinitionFilterSet
    filter_fields = ("direction",)
    sort_fields = {"name": "name", "code": "code", "unit": ("unit", "name")}
    default_sort = "name"
    table_class = KpiTable
    csv_filename = "kpis"
