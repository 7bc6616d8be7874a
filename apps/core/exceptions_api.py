"""The exceptions register over the API (read-only): ``/api/v1/exceptions/``, every policy exception
with its review status; ``?status=open|due|expired|closed`` narrows it (default: all)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from apps.core.api import NOT_BY_VENDOR, ServiceModelViewSet
from apps.core.models import PolicyException
from apps.core.selectors import policy_exception_list


def _exceptions(*, user: Any = None) -> QuerySet[PolicyException]:
    return policy_exception_list(user=user)


class PolicyExceptionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, due (review within 30 days), expired or closed")
    subject_type = serializers.CharField(source="content_type.model", read_only=True)
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    subject_name = serializers.SerializerMethodField()
    raised_by_name = serializers.SerializerMethodField()

    class Meta:
        model = PolicyException
        fields = [
            "id",
            "kind",
            "status",
            "subject_type",
            "subject_id",
            "subject_name",
            "summary",
            "justification",
            "review_on",
            "closed_on",
            "raised_by",
            "raised_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_subject_name(self, obj: PolicyException) -> str | None:
        return str(obj.subject) if obj.subject is not None else None

    def get_raised_by_name(self, obj: PolicyException) -> str | None:
        return str(obj.raised_by) if obj.raised_by_id else None


class PolicyExceptionViewSet(ServiceModelViewSet):
    """Policy exceptions (read-only; renew and close on the exceptions page)."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NOT_BY_VENDOR

    selector = staticmethod(_exceptions)
    serializer_class = PolicyExceptionSerializer
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().prefetch_related("subject")
        wanted = self.request.query_params.get("status")
        return queryset.filter(status=wanted) if wanted else queryset
