"""Input shape and output of the vendor resources. Business rules live in the models and services."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import GateCheckSerializer, ModelSerializer, TransitionInputSerializer
from apps.vendors import models
from apps.vendors.choices import VendorStatus
from apps.vendors.findings import FINDING_CODES, FindingSeverity
from apps.vendors.selectors import access_grant_finding_list


class VendorSerializer(ModelSerializer):
    class Meta:
        model = models.Vendor
        fields = [
            "id",
            "name",
            "country",
            "geography",
            "timezone_overlap_hours",
            "status",
            "tier",
            "rate_min",
            "rate_max",
            "currency",
            "engineering_owner",
            "delivery_owner",
            "security_contact",
            "review_cadence_days",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:  # status changes go through POST vendors/{id}/transition/
            fields["status"].read_only = True
        return fields


class TransitionSerializer(TransitionInputSerializer):
    status = serializers.ChoiceField(choices=VendorStatus.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why: required to exit a vendor, to cancel an offboarding, and for any override.",
    )


class VendorMoveReadinessSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=VendorStatus.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    allowed = serializers.BooleanField(help_text="Whether the lifecycle allows this move from the current status.")
    ready = serializers.BooleanField(help_text="Allowed and every readiness condition met.")
    reason_required = serializers.BooleanField()
    can_override = serializers.BooleanField(help_text="Whether you may pass the unmet conditions with a reason.")
    checks = GateCheckSerializer(many=True)


class VendorReadinessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VendorStatus.choices, help_text="The vendor's current status.")
    transitions = VendorMoveReadinessSerializer(many=True)


class VendorReadinessQuerySerializer(serializers.Serializer):
    # Not ``status``: that query parameter filters the vendor list (and so the lookup of this vendor).
    to_status = serializers.ChoiceField(
        choices=VendorStatus.choices, required=False, help_text="One target status; default: every allowed move."
    )


class VettingAssessmentSerializer(ModelSerializer):
    score = serializers.DecimalField(max_digits=3, decimal_places=1, read_only=True)
    red_flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    unanswered_red_flags = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Red flags seen without a note: they hold pilot."
    )

    class Meta:
        model = models.VettingAssessment
        fields = [
            "id",
            "vendor",
            "assessed_on",
            "assessor",
            *models.VETTING_SCORE_FIELDS,
            *models.RED_FLAG_FIELDS,
            *models.RED_FLAG_NOTE_FIELDS.values(),
            "unanswered_red_flags",
            "pilot_outcome",
            "verdict",
            "notes",
            "score",
            "red_flags",
            "created_at",
        ]


class CertificationSerializer(ModelSerializer):
    class Meta:
        model = models.Certification
        fields = [
            "id",
            "vendor",
            "kind",
            "name",
            "issued_on",
            "expires_on",
            "evidence_url",
            "evidence_note",
            "created_at",
        ]


class VendorRiskSerializer(ModelSerializer):
    score = serializers.IntegerField(read_only=True, help_text="Likelihood × impact, 1–25.")

    class Meta:
        model = models.VendorRisk
        fields = [
            "id",
            "vendor",
            "category",
            "title",
            "description",
            "likelihood",
            "impact",
            "score",
            "owner",
            "mitigation",
            "status",
            "created_at",
            "updated_at",
        ]


class AccessFindingSerializer(serializers.Serializer):
    """One rule an access grant breaks (``apps.vendors.findings``)."""

    code = serializers.ChoiceField(choices=FINDING_CODES, read_only=True)
    severity = serializers.ChoiceField(choices=FindingSeverity.choices, read_only=True)
    message = serializers.CharField(read_only=True)


class EngineerSerializer(ModelSerializer):
    """One of a vendor's engineers. ``vendor`` is set on create only; an anonymised engineer
    (``anonymised_on`` set) is read-only (400 on any change)."""

    class Meta:
        model = models.Engineer
        fields = [
            "id",
            "vendor",
            "name",
            "email",
            "git_handle",
            "tracker_handle",
            "role",
            "seniority",
            "location",
            "overlap_hours",
            "anonymised_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["anonymised_on"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:  # an engineer stays on their vendor's roster
            fields["vendor"].read_only = True
        return fields


class AccessGrantSerializer(ModelSerializer):
    findings = serializers.SerializerMethodField()

    class Meta:
        model = models.AccessGrant
        fields = [
            "id",
            "vendor",
            "person",
            "person_email",
            "engineer",
            "system",
            "privilege",
            "account_name",
            "named_account",
            "mfa_enabled",
            "granted_on",
            "expires_on",
            "revoked_on",
            "granted_by",
            "findings",
            "created_at",
        ]

    @extend_schema_field(AccessFindingSerializer(many=True, read_only=True))
    def get_findings(self, obj: models.AccessGrant) -> list[dict[str, str]]:
        """The access rules this grant breaks today, worst first: ``{code, severity, message}`` each."""
        return [finding.as_dict() for finding in access_grant_finding_list(obj)]


class ServiceReviewSerializer(ModelSerializer):
    class Meta:
        model = models.ServiceReview
        fields = [
            "id",
            "vendor",
            "scheduled_for",
            "held_on",
            "status",
            "duration_hours",
            "attendees",
            "vendor_attendees",
            "delivery_quality",
            "decisions",
            "risks_raised",
            "notes",
            "created_at",
            "updated_at",
        ]


class ServiceReviewRecordSerializer(ModelSerializer):
    class Meta:
        model = models.ServiceReview
        fields = [
            "held_on",
            "duration_hours",
            "attendees",
            "vendor_attendees",
            "delivery_quality",
            "decisions",
            "risks_raised",
            "notes",
        ]


class ActionItemSerializer(ModelSerializer):
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = models.ActionItem
        fields = ["id", "review", "description", "owner", "due_on", "done_on", "is_done", "created_at"]


class ActionItemCompleteSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False)
