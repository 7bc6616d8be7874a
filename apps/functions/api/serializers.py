from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.functions.choices import Decision, Recommendation
from apps.functions.models import Function, SourcingDecision
from apps.functions.services import recommendation_for


class FunctionSerializer(ModelSerializer):
    """``decision``/``rationale`` are writable: giving them records a sourcing decision (executives);
    a decision that outsources more than the recommendation also needs ``justification`` and a future
    ``review_on`` (400 otherwise), and is then a policy exception (``exception_until``).
    ``velocity_critical`` not given (or null) takes the category's default; its output is always true
    or false. ``recommendation``, ``against_recommendation``, ``policy_conflict`` and ``decided_on``
    (of the latest decision) are derived."""

    recommendation = serializers.SerializerMethodField()
    against_recommendation = serializers.BooleanField(read_only=True, default=False)
    exception_until = serializers.DateField(read_only=True, allow_null=True, default=None)
    policy_conflict = serializers.BooleanField(read_only=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)
    decision = serializers.ChoiceField(choices=Decision.choices, required=False, allow_null=True)
    rationale = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    velocity_critical = serializers.BooleanField(
        required=False, allow_null=True, help_text="Not given or null: the category's default."
    )
    justification = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why a decision against the recommendation is accepted (the policy exception's justification).",
    )
    review_on = serializers.DateField(
        write_only=True, required=False, allow_null=True, help_text="When that policy exception is to be reviewed."
    )

    class Meta:
        model = Function
        fields = [
            "id",
            "name",
            "category",
            "description",
            "strategic",
            "sensitive",
            "repeatable",
            "scarce",
            "velocity_critical",
            "cost_of_delay_per_week",
            "recommendation",
            "decision",
            "rationale",
            "justification",
            "review_on",
            "decided_on",
            "against_recommendation",
            "exception_until",
            "policy_conflict",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Recommendation.choices))
    def get_recommendation(self, obj: Function) -> str:
        return str(recommendation_for(obj))

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["decision"] = instance.decision or None  # undecided: null, not an invalid blank choice
        return data


class SourcingDecisionSerializer(ModelSerializer):
    """A decision of the history, read-only. ``figures``: what it was made on, recorded when it was made
    (the vendors' TCO against the in-house estimate: ``as_of``, ``months``, ``currency``, ``vendor_tco``,
    ``in_house``, ``difference_percent``, ``flagged``, ``billed_hours`` by seniority band; decimals as
    strings); ``{}`` when nothing was recorded."""

    figures = serializers.JSONField(
        read_only=True, help_text="The cost figures the decision was made on, recorded when it was made; {} if none."
    )
    decided_by_name = serializers.CharField(source="decided_by.__str__", read_only=True)

    class Meta:
        model = SourcingDecision
        fields = [
            "id",
            "function",
            "decision",
            "rationale",
            "decided_by",
            "decided_by_name",
            "decided_on",
            "figures",
            "created_at",
        ]
        read_only_fields = fields
