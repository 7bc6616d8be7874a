"""The shape of the invoices API: explicit fields; the status is set on creation only and moves through
the actions; the flags are computed (``apps.costs.flags``). Rules live in the model and
``apps.costs.services``, which answer 400 (field messages), 403 (who may not) or 409 (a duplicate number,
a move the lifecycle does not allow)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import CurrencyCodeField, ModelSerializer
from apps.core.forms import people
from apps.costs.choices import InvoiceStatus
from apps.costs.flags import flags_of
from apps.costs.forms import WEEK_HELP
from apps.costs.models import Invoice, InvoiceHours, OwnerHours
from apps.performance.services import BULK_RESULTS


def hours_by_role(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """``[{"role", "hours"}]`` as ``{role: hours}`` (what the services take), one line per role in any case."""
    roles = [str(line["role"]).strip().casefold() for line in lines]
    repeated = sorted({role for role in roles if roles.count(role) > 1})
    if repeated:
        raise serializers.ValidationError(f"One line per role: {', '.join(repeated)} is repeated.")
    return {str(line["role"]).strip(): line["hours"] for line in lines}


def seniority_by_role(lines: list[dict[str, Any]]) -> dict[str, str]:
    """``[{"role", "seniority"}]`` as ``{role: band}`` (the services' ``seniority``); a line without one: empty."""
    return {str(line["role"]).strip(): line.get("seniority") or "" for line in lines}


class InvoiceHoursSerializer(ModelSerializer):
    class Meta:
        model = InvoiceHours
        fields = ["role", "hours", "seniority"]
        extra_kwargs = {
            "seniority": {"help_text": "junior, mid, senior or principal; empty (or left out): counted as mid."}
        }


class HoursLinesMixin:
    """``hours`` given as lines: the services take ``hours`` (``{role: hours}``) and ``seniority``
    (``{role: band}``, a line without one empty) — the lines are replaced as a whole."""

    def validate_hours(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        hours_by_role(value)  # one line per role
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]  # the serializer's, after this mixin
        if attrs.get("hours") is not None:
            lines = attrs["hours"]
            attrs["hours"], attrs["seniority"] = hours_by_role(lines), seniority_by_role(lines)
        return attrs


class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["over_remaining_value", "currency_differs", "outside_term"])
    message = serializers.CharField()


class InvoiceSerializer(HoursLinesMixin, ModelSerializer):
    hours = InvoiceHoursSerializer(
        many=True, required=False, help_text="Billed hours by role (optional); given, it replaces the invoice's."
    )
    status = serializers.ChoiceField(
        choices=InvoiceStatus.choices,
        required=False,
        help_text="On creation only (default received); later through approve/, dispute/, pay/ and receive/.",
    )
    flags = serializers.SerializerMethodField(help_text="What the invoice is flagged for (computed).")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "contract",
            "number",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "status",
            "received_on",
            "note",
            "hours",
            "flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, invoice: Invoice) -> list[dict[str, str]]:
        return [flag.as_dict() for flag in flags_of(invoice)]

    def validate_status(self, value: str) -> str:
        if self.instance is not None and value != self.instance.status:
            raise serializers.ValidationError(
                "The status changes through the invoice's actions (approve/, dispute/, pay/, receive/)."
            )
        return value


class InvoiceTransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Required to dispute."
    )


# -- bulk upsert: the documented shapes (each row is read by InvoiceBulkRowSerializer in the view) ----------
class InvoiceBulkRowSerializer(HoursLinesMixin, serializers.Serializer):
    contract = serializers.IntegerField(min_value=1, help_text="Contract id.")
    number = serializers.CharField(
        max_length=64, help_text="The invoice number (any case): with the contract, its key."
    )
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = CurrencyCodeField(max_length=3, required=False)
    status = serializers.ChoiceField(
        choices=InvoiceStatus.choices, required=False, help_text="New invoices only; a known one's must match."
    )
    received_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    hours = InvoiceHoursSerializer(many=True, required=False)


class InvoiceBulkSerializer(serializers.Serializer):
    rows = InvoiceBulkRowSerializer(
        many=True, help_text="The invoices (a bare list of rows is accepted too), at most INVOICE_BULK_MAX_ROWS."
    )


class InvoiceBulkRowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in the request, from 0.")
    status = serializers.ChoiceField(choices=list(BULK_RESULTS))
    id = serializers.IntegerField(required=False, help_text="The invoice's id (not for errors).")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field messages of a row that was not saved (status `error`).",
    )


class InvoiceBulkSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()  # type: ignore[assignment]  # a field, not Serializer.errors


class InvoiceBulkResponseSerializer(serializers.Serializer):
    results = InvoiceBulkRowResultSerializer(many=True)
    summary = InvoiceBulkSummarySerializer()


class OwnerHoursSerializer(ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=people(),
        required=False,
        help_text="Whose hours (user id); not given: the requester's own.",
    )
    week_of = serializers.DateField(help_text=WEEK_HELP)
    vendor = serializers.IntegerField(source="contract.vendor_id", read_only=True)

    class Meta:
        model = OwnerHours
        fields = ["id", "contract", "vendor", "person", "week_of", "hours", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
