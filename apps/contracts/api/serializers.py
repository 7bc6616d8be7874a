"""The shape of the contracts API: explicit fields, status and derived fields read-only. Rules live in
the models and services, which answer 400 (field messages) or 409 (conflicts)."""

from typing import Any

from rest_framework import serializers

from apps.contracts import models
from apps.contracts.choices import ContractStatus
from apps.core.api import GateCheckSerializer, ModelSerializer, TransitionInputSerializer


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
            "cost_of_delay_per_week",
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
