"""The shape of the roster API: explicit fields; a substitution's status, decision and joiner assignment are
read-only (they change through its actions). Rules live in the models and ``apps.roster.services``, which
answer 400 (field messages), 403 (who may not) or 409 (conflicts, a decision already taken)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.roster import models


class AssignmentSerializer(ModelSerializer):
    class Meta:
        model = models.Assignment
        fields = [
            "id",
            "engineer",
            "contract",
            "role",
            "allocation_percent",
            "start_date",
            "end_date",
            "key_person",
            "billed_rate",
            "rate_currency",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class AssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The engineer's last day on the contract.")
    reason = serializers.CharField(allow_blank=True, max_length=5000, help_text="Why it ends (required).")


class StaffingPlanLineSerializer(ModelSerializer):
    class Meta:
        model = models.StaffingPlanLine
        fields = ["seniority", "headcount"]


class StaffingPlanSerializer(ModelSerializer):
    lines = StaffingPlanLineSerializer(
        many=True, help_text="Headcount (FTE) per seniority band; a band not listed has no line (a save replaces all)."
    )

    class Meta:
        model = models.StaffingPlan
        fields = ["id", "contract", "note", "lines", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_lines(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        bands = [line["seniority"] for line in value]
        repeated = sorted({band for band in bands if bands.count(band) > 1})
        if repeated:
            raise serializers.ValidationError(f"One line per seniority band: {', '.join(repeated)} is repeated.")
        return value


class SubstitutionSerializer(ModelSerializer):
    class Meta:
        model = models.Substitution
        fields = [
            "id",
            "contract",
            "leaver_assignment",
            "joiner",
            "reason",
            "joins_on",
            "overlap_days",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "joiner_assignment",
            "created_at",
        ]
        read_only_fields = [
            "contract",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "joiner_assignment",
            "created_at",
        ]


class SubstitutionDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Required to refuse."
    )


class RosterFindingSerializer(ModelSerializer):
    class Meta:
        model = models.RosterFinding
        fields = [
            "id",
            "vendor",
            "contract",
            "kind",
            "subject",
            "engineer",
            "message",
            "figures",
            "opened_at",
            "last_seen_at",
            "closed_at",
        ]
        read_only_fields = fields
