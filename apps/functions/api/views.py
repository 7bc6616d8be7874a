from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import NO_VENDOR, ServiceModelViewSet
from apps.functions import selectors, services
from apps.functions.api.serializers import FunctionSerializer, SourcingDecisionSerializer
from apps.functions.filters import FunctionFilterSet
from apps.functions.models import Function


def _create(*, actor: Any, data: Any) -> Function:
    return services.function_save_with_decision(actor=actor, data=data)


def _update(*, instance: Function, actor: Any, data: Any) -> Function:
    return services.function_save_with_decision(actor=actor, data=data, instance=instance)


class FunctionViewSet(ServiceModelViewSet):
    """The function catalogue. Giving `decision` and `rationale` records a sourcing decision, which
    needs the executive's permission (403 otherwise, and nothing is written)."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NO_VENDOR

    selector = selectors.function_list
    create_service = _create
    update_service = _update
    delete_service = services.function_delete
    serializer_class = FunctionSerializer
    filterset_class = FunctionFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "category", "strategic", "sensitive", "repeatable", "scarce", "decision"]
    ordering = ["name"]

    @extend_schema(responses=SourcingDecisionSerializer(many=True))
    # Paginated like every list; the catalogue's filters, search and ordering do not apply to it.
    @action(detail=True, methods=["get"], filter_backends=[])
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        """The function's sourcing decisions, newest first (paginated like every list)."""
        rows = selectors.sourcing_decision_list(function=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SourcingDecisionSerializer(page, many=True).data)
