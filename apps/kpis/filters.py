"""FilterSets shared by the API and the HTML list pages."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.kpis.choices import Aggregation, Band, BandSource, Direction, ImportStatus, MeasurementSource
from apps.kpis.models import KpiDefinition, Measurement, MeasurementImport, PerformanceBand


class KpiRefFilter(django_filters.CharFilter):
    """A KPI by its id or by its code (``?kpi=7`` or ``?kpi=defect_rate``)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        text = str(value).strip()
        lookup = f"{self.field_name}_id" if text.isdigit() else f"{self.field_name}__code"
        return qs.filter(**{lookup: text})


class KpiDefinitionFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter()
    direction = django_filters.MultipleChoiceFilter(choices=Direction.choices)
    aggregation = django_filters.MultipleChoiceFilter(choices=Aggregation.choices)

    class Meta:
        model = KpiDefinition
        fields = ["code", "direction", "aggregation", "unit"]


class PerformanceBandFilterSet(django_filters.FilterSet):
    kpi = KpiRefFilter(field_name="kpi", label="KPI id or code")
    source = django_filters.ChoiceFilter(choices=BandSource.choices)
    band = django_filters.MultipleChoiceFilter(choices=Band.choices)

    class Meta:
        model = PerformanceBand
        fields = ["kpi", "source", "year", "band"]


class MeasurementFilterSet(django_filters.FilterSet):
    kpi = KpiRefFilter(field_name="kpi", label="KPI id or code")
    vendor = django_filters.NumberFilter(field_name="contract__vendor", label="Vendor")
    source = django_filters.MultipleChoiceFilter(choices=MeasurementSource.choices)
    period_end_after = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label="Period ends on/after"
    )
    period_end_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Period ends on/before"
    )
    recorded_by = django_filters.NumberFilter(field_name="recorded_by", label="Recorded by (user id)")
    # When the row was last written (created or changed): an import's rows are those it wrote while it ran.
    written_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Written at/after"
    )
    written_before = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="lte", label="Written at/before"
    )

    class Meta:
        model = Measurement
        fields = [
            "contract",
            "vendor",
            "kpi",
            "source",
            "period_end_after",
            "period_end_before",
            "recorded_by",
            "written_after",
            "written_before",
        ]


class MeasurementImportFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ImportStatus.choices)

    class Meta:
        model = MeasurementImport
        fields = ["status", "created_by"]
