"""The shape of the contracts API: explicit fields, status and derived fields read-only. Rules live in
the models and services, which answer 400 (field messages) or 409 (conflicts)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.contracts import models
from apps.contracts.choices import ContractStatus
from apps.core.api import GateCheckSerializer, ModelSerializer, TransitionInputSerializer
from apps.kpis.models import KpiDefinition


class ContractClauseSerializer(ModelSerializer):
    class Meta:
        model = models.ContractClause
        fields = ["id", "contract", "kind", "assessment", "note", "updated_at"]
        read_only_fields = ["contract", "kind"]


class ExitPlanItemSerializer(ModelSerializer):
    class Meta:
        model = models.ExitPlanItem
        fields = [
            "id",
            "contract",
            "kind",
            "owner",
            "done_on",
            "note",
            "waived_on",
            "waived_by",
            "waiver_reason",
            "updated_at",
        ]
        read_only_fields = ["contract", "kind", "waived_on", "waived_by", "waiver_reason"]


class ReasonSerializer(serializers.Serializer):
    """A consequential step's reason; a blank one is refused by the service (400 on ``reason``)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ContractSerializer(ModelSerializer):
    # Accepting a contract that covers a function policy keeps in-house (decided keep in-house, or
    # recommended never outsource): required while the contract is active, optional on a draft.
    exception_justification = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Policy exception: why this contract may cover a function policy keeps in-house.",
    )
    exception_review_on = serializers.DateField(
        write_only=True, required=False, allow_null=True, help_text="Policy exception: when it is reviewed again."
    )

    class Meta:
        model = models.Contract
        fields = [
            "id",
            "vendor",
            "parent",
            "title",
            "reference",
            "engagement_model",
            "functions",
            "start_date",
            "end_date",
            "renewal",
            "notice_days",
            "renewal_term_months",
            "renewal_term_days",
            "cancel_by",
            "value",
            "currency",
            "status",
            "governing_law",
            "text",
            "exception_justification",
            "exception_review_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["cancel_by", "renewal_term_days"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:  # status changes go through POST contracts/{id}/transition/
            fields["status"].read_only = True
        return fields


class ContractDetailSerializer(ContractSerializer):
    clauses = ContractClauseSerializer(many=True, read_only=True)
    exit_plan = ExitPlanItemSerializer(many=True, read_only=True, source="exit_plan_items")

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "clauses", "exit_plan"]


class ContractTransitionSerializer(TransitionInputSerializer):
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required to terminate, to mark expired, and for an override.",
    )


class ContractReadinessSerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    passed = serializers.BooleanField()
    checks = GateCheckSerializer(many=True)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "KPI id or code."})
class KpiReferenceField(serializers.PrimaryKeyRelatedField):
    """A KPI by its id or its ``code`` (a code starts with a letter, so digits are always an id)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not data.isdigit():
            kpi = KpiDefinition.objects.filter(code=data).first()
            if kpi is None:
                raise serializers.ValidationError(f"No KPI with code “{data}”.")
            return kpi
        return super().to_internal_value(data)


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
