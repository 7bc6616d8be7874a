"""The owner-hours API (``/api/v1/owner-hours/``): list, read, log (POST, an upsert by contract, person
and week), change (PATCH/PUT) and delete, through ``apps.costs.owner_hours``. Everyone signed in reads;
who writes is the service's rule (a named owner of the vendor for themselves, administrators for anyone:
403 otherwise), so the role check of other endpoints does not apply here. Bad input is a 400 with field
messages; moving an entry onto another's week a 409."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ModelSerializer, ServiceModelViewSet
from apps.core.forms import people
from apps.costs import owner_hours
from apps.costs.models import OwnerHours


class OwnerHoursSerializer(ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=people(),
        required=False,
        help_text="Whose hours (user id); not given: the requester's own.",
    )
    week_of = serializers.DateField(help_text=owner_hours.WEEK_HELP)
    vendor = serializers.IntegerField(source="contract.vendor_id", read_only=True)

    class Meta:
        model = OwnerHours
        fields = ["id", "contract", "vendor", "person", "week_of", "hours", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


@extend_schema_view(
    create=extend_schema(
        summary="Log a week's hours",
        description=(
            "Creates the entry of (contract, person, week) — 201 — or replaces its hours and note — 200 (the "
            "same values again write nothing). `week_of` may be any day of the week: it is kept as its Monday."
        ),
        responses={
            200: OwnerHoursSerializer,
            201: OwnerHoursSerializer,
            403: OpenApiResponse(description="Not a named owner of the vendor logging their own hours, nor an admin."),
        },
    )
)
class OwnerHoursViewSet(ServiceModelViewSet):
    """The hours the vendors' named owners logged on their contracts, week by week."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"
    permission_classes = [IsAuthenticated]  # who may write is the service's rule (owner_hours.may_log_hours)

    selector = owner_hours.owner_hours_list
    update_service = owner_hours.owner_hours_update
    delete_service = owner_hours.owner_hours_delete
    serializer_class = OwnerHoursSerializer
    filterset_class = owner_hours.OwnerHoursFilterSet
    search_fields = ["note", "contract__title"]
    ordering_fields = ["week_of", "hours", "created_at"]
    ordering = ["-week_of", "contract", "person"]

    @classmethod
    def offers(cls, action: str) -> bool:
        return True if action == "create" else super().offers(action)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry, outcome = owner_hours.owner_hours_log(actor=request.user, data=body.validated_data)
        answer = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(self.get_serializer(self.reloaded(entry)).data, status=answer)
