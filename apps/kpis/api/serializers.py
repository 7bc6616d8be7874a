"""The shape of the KPI catalogue API, and the KPI reference every API that names a KPI uses."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.kpis.models import KpiDefinition, PerformanceBand
from apps.kpis.selectors import kpi_by_reference


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "KPI id or code."})
class KpiReferenceField(serializers.PrimaryKeyRelatedField):
    """A KPI named by its id (``7``) or its ``code`` (``"defect_rate"``; a code starts with a letter, so
    digits are always an id); answers with the id. SLA terms, measurements and performance bands name
    their KPI with it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.strip() and not data.strip().isdigit():
            kpi = kpi_by_reference(data)
            if kpi is None:
                raise serializers.ValidationError(f"No KPI with code “{data}”.", code="does_not_exist")
            return kpi
        return super().to_internal_value(data)


class PerformanceBandSerializer(ModelSerializer):
    kpi = KpiReferenceField(queryset=KpiDefinition.objects.all(), help_text="KPI id or code.")

    class Meta:
        model = PerformanceBand
        fields = ["id", "kpi", "source", "year", "band", "rank", "lower", "upper", "label"]


class NestedPerformanceBandSerializer(ModelSerializer):
    class Meta:
        model = PerformanceBand
        fields = ["id", "source", "year", "band", "rank", "lower", "upper", "label"]
        read_only_fields = fields


class KpiDefinitionSerializer(ModelSerializer):
    bands = NestedPerformanceBandSerializer(many=True, read_only=True)

    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "direction",
            "aggregation",
            "multiplier",
            "numerator_label",
            "denominator_label",
            "min_value",
            "max_value",
            "description",
            "bands",
            "created_at",
            "updated_at",
        ]
