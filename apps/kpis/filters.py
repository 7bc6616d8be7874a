"""FilterSets of the KPI catalogue, shared by the API and the HTML list pages, and the KPI filter
every app's FilterSets use."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.core.filters import FilterSet
from apps.kpis.choices import Aggregation, Band, BandSource, Direction
from apps.kpis.models import KpiDefinition, PerformanceBand


class KpiRefFilter(django_filters.CharFilter):
    """A KPI by its id or by its code (``?kpi=7`` or ``?kpi=defect_rate``; codes start with a letter, so
    digits are always an id). Every FilterSet with a KPI filter uses this one (SLA terms, measurements,
    performance bands)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        text = str(value).strip()
        # ASCII digits only: "²" and "٣" are digits to str.isdigit() but no id.
        lookup = f"{self.field_name}_id" if text.isascii() and text.isdigit() else f"{self.field_name}__code"
        return qs.filter(**{lookup: text})


class KpiDefinitionFilterSet(FilterSet):
    code = django_filters.CharFilter()
    direction = django_filters.MultipleChoiceFilter(choices=Direction.choices)
    aggregation = django_filters.MultipleChoiceFilter(choices=Aggregation.choices)

    class Meta:
        model = KpiDefinition
        fields = ["code", "direction", "aggregation", "unit"]


class PerformanceBandFilterSet(FilterSet):
    kpi = KpiRefFilter(field_name="kpi", label="KPI id or code")
    source = django_filters.ChoiceFilter(choices=BandSource.choices)
    band = django_filters.MultipleChoiceFilter(choices=Band.choices)

    class Meta:
        model = PerformanceBand
        fields = ["kpi", "source", "year", "band"]
