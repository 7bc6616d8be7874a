from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.kpis.models import KpiDefinition, Measurement, PerformanceBand
from apps.kpis.selectors import kpi_by_reference
from apps.kpis.services import BULK_RESULTS, RECORD_RESULTS


class KpiReferenceField(serializers.PrimaryKeyRelatedField):
    """A KPI named by its id (``7``) or its ``code`` (``"defect_rate"``); answers with the id."""

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


class LocalDateField(serializers.DateField):
    """A date, or a timestamp that is read as the date it falls on in the organisation's time zone
    (``settings.TIME_ZONE``): a period ending ``2026-11-01T03:30:00Z`` ended on 31 October in New York,
    and belongs to October's SLA window there. A timestamp without an offset is local time."""

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str) and ("T" in value or " " in value.strip()):
            moment = parse_datetime(value.strip())  # type: ignore[assignment]
            if moment is None:
                self.fail("invalid", format="YYYY-MM-DD or an ISO 8601 timestamp")
        else:
            return super().to_internal_value(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment).date()


class MeasurementSerializer(ModelSerializer):
    """Shape only: the KPI's rules (ratio parts, bounds, period) are the service's, answered as 400s."""

    period_start = LocalDateField(help_text="A date, or a timestamp read in the organisation's time zone.")
    period_end = LocalDateField(
        help_text="A date, or a timestamp read in the organisation's time zone; the measurement belongs to "
        "the SLA window that contains it."
    )

    kpi = KpiReferenceField(queryset=KpiDefinition.objects.all(), help_text="KPI id or code.")
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="Required unless the KPI is a ratio; for a ratio it is numerator ÷ denominator × multiplier.",
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "contract",
            "kpi",
            "kpi_code",
            "period_start",
            "period_end",
            "value",
            "numerator",
            "denominator",
            "source",
            "note",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["source", "recorded_by"]


class MeasurementResultSerializer(MeasurementSerializer):
    """The answer to an upsert: the row and what happened to it."""

    result = serializers.ChoiceField(choices=list(RECORD_RESULTS), read_only=True)

    class Meta(MeasurementSerializer.Meta):
        fields = [*MeasurementSerializer.Meta.fields, "result"]


# -- bulk upsert: the documented shapes (the rows themselves are read by services.measurement_bulk_check,
# which checks each row's shape and rules in bulk: thousands of rows per request do not go through a
# serializer field by field) --------------------------------------------------------------------------------
class MeasurementBulkRowSerializer(serializers.Serializer):
    contract = serializers.IntegerField(help_text="Contract id.")
    kpi = serializers.CharField(help_text="KPI id or code.")
    period_start = LocalDateField(help_text="A date, or a timestamp read in the organisation's time zone.")
    period_end = LocalDateField(help_text="A date, or a timestamp read in the organisation's time zone.")
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="Required unless the KPI is a ratio; for a ratio it is numerator ÷ denominator × multiplier.",
    )
    numerator = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    denominator = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class MeasurementBulkSerializer(serializers.Serializer):
    rows = MeasurementBulkRowSerializer(
        many=True,
        help_text="The measurements (a bare list of rows is accepted too), at most MEASUREMENT_BULK_MAX_ROWS.",
    )


class MeasurementBulkRowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in the request, from 0.")
    status = serializers.ChoiceField(choices=list(BULK_RESULTS))
    id = serializers.IntegerField(required=False, help_text="The measurement's id (not for errors).")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field messages of a row that was not saved (status `error`).",
    )


class MeasurementBulkSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()  # type: ignore[assignment]  # a field, not Serializer.errors


class MeasurementBulkResponseSerializer(serializers.Serializer):
    results = MeasurementBulkRowResultSerializer(many=True)
    summary = MeasurementBulkSummarySerializer()
