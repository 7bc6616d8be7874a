"""The shape of the performance API: SLA terms, evaluations and breaches, and measurements (one at a
time and in bulk). Explicit fields; what the engine writes is read-only. Rules live in the models and
services, which answer 400 (field messages), 403 or 409."""

from datetime import date, datetime
from typing import Any

from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.core.dates import DateInputError, local_date
from apps.kpis.api.serializers import KpiReferenceField
from apps.kpis.models import KpiDefinition
from apps.performance import models
from apps.performance.services import BULK_RESULTS, RECORD_RESULTS


class SlaTermSerializer(ModelSerializer):
    kpi = KpiReferenceField(queryset=KpiDefinition.objects.all(), help_text="KPI id or code.")
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:  # a term belongs to its contract; its evaluations are that contract's
            fields["contract"].read_only = True
        return fields

    class Meta:
        model = models.SlaTerm
        fields = [
            "id",
            "contract",
            "area",
            "kpi",
            "kpi_code",
            "comparator",
            "target",
            "warning_target",
            "window",
            "window_days",
            "aggregation",
            "min_samples",
            "severity",
            "credit_percent",
            "description",
            "created_at",
            "updated_at",
        ]


class SlaEvaluationSerializer(ModelSerializer):
    class Meta:
        model = models.SlaEvaluation
        fields = ["id", "term", "window_start", "window_end", "value", "samples", "status", "is_closed", "evaluated_at"]
        read_only_fields = fields


class BreachSerializer(ModelSerializer):
    magnitude = serializers.DecimalField(
        max_digits=16, decimal_places=4, read_only=True, help_text="How far the value missed the target."
    )

    class Meta:
        model = models.Breach
        fields = [
            "id",
            "term",
            "evaluation",
            "window_start",
            "window_end",
            "value",
            "target",
            "magnitude",
            "severity",
            "status",
            "credit_amount",
            "currency",
            "detected_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "waived_at",
            "waived_by",
            "waiver_reason",
            "retracted_at",
        ]
        read_only_fields = fields


class BreachResolveSerializer(serializers.Serializer):
    """How the breach was resolved. ``note`` is the name earlier clients send: accepted as ``reason``."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Deprecated: send `reason`."
    )


class BreachWaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=False, trim_whitespace=True)


# -- measurements ---------------------------------------------------------------------------------------------
class LocalDateField(serializers.DateField):
    """A date, or a timestamp that is read as the date it falls on in the organisation's time zone
    (``settings.TIME_ZONE``): a period ending ``2026-11-01T03:30:00Z`` ended on 31 October in New York,
    and belongs to October's SLA window there. A timestamp without an offset is local time."""

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, datetime) or (isinstance(value, str) and ("T" in value or " " in value.strip())):
            try:
                return local_date(value)
            except DateInputError as exc:
                raise serializers.ValidationError(exc.message, code="invalid") from None
        return super().to_internal_value(value)


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
        model = models.Measurement
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
