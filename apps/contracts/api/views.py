"""The contracts API: thin viewsets that read through selectors and write through services."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.contracts import filters, selectors, services
from apps.contracts.api import serializers
from apps.contracts.choices import CONTRACT_TRANSITIONS, ContractStatus
from apps.core.api import ServiceModelViewSet
from apps.core.errors import ApplicationError
from apps.core.gates import can_override, gate_report, require_move_permission


class ContractViewSet(ServiceModelViewSet):
    """Contracts: master agreements and statements of work. Status changes go through `transition/`."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.contract_list
    create_service = services.contract_create
    update_service = services.contract_update
    delete_service = services.contract_delete
    serializer_class = serializers.ContractSerializer
    filterset_class = filters.ContractFilterSet
    search_fields = ["title", "reference", "vendor__name"]
    ordering_fields = ["title", "start_date", "end_date", "cancel_by", "value", "status", "created_at"]
    ordering = ["-start_date", "title"]
    ordering_then = ["title"]  # every ordering, then the title, then the id: as the page, and its indexes
    action_permissions = {"transition": "contracts.change_contract"}

    def get_queryset(self) -> Any:
        if self.action == "retrieve":
            return selectors.contract_detail(user=self.request.user)
        return super().get_queryset()

    def get_serializer_class(self) -> Any:
        return serializers.ContractDetailSerializer if self.action == "retrieve" else serializers.ContractSerializer

    def check_permissions(self, request: Request) -> None:
        # An executive may pass an unmet gate without procurement's write permission (the action
        # checks below that the gate is in fact unmet, and the service checks the override again).
        if self.action == "transition" and can_override(request.user):
            return
        super().check_permissions(request)

    @extend_schema(request=serializers.ContractTransitionSerializer, responses=serializers.ContractSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Activate, terminate, expire or re-activate. 409 when the lifecycle does not allow it or the
        readiness gate is unmet (its `unmet` conditions listed); 400 on `reason` when terminating,
        marking expired or overriding without one. `override`: executives only."""
        body = serializers.ContractTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = self.get_object()
        to_status = body.validated_data["status"]
        override = body.validated_data["override"]
        require_move_permission(
            request.user,
            contract,
            to_status,
            override=override,
            permission="contracts.change_contract",
            transitions=CONTRACT_TRANSITIONS,
            what="a contract",
        )
        moved = services.contract_transition(
            contract=contract,
            to_status=to_status,
            actor=request.user,
            reason=body.validated_data["reason"],
            override=override,
        )
        return Response(serializers.ContractSerializer(self.reloaded(moved)).data)

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=ContractStatus.values, default=ContractStatus.ACTIVE)],
        responses=serializers.ContractReadinessSerializer,
    )
    # ``status`` names the move here, not a list filter: the contract is looked up unfiltered.
    @action(detail=True, methods=["get"], filter_backends=[])
    def readiness(self, request: Request, pk: str | None = None) -> Response:
        """The readiness checklist of a move (default: activation): each condition met or not, warnings
        (a weak clause) included — what `transition/` would enforce."""
        to_status = request.query_params.get("status", ContractStatus.ACTIVE)
        if to_status not in ContractStatus.values:
            raise ApplicationError(
                f"Unknown status “{to_status}”; choose one of {', '.join(ContractStatus.values)}.", field="status"
            )
        contract = self.get_object()
        report = gate_report(contract, to_status)
        checks = [
            {"code": c.code, "label": c.label, "met": c.met, "warning": c.warning, "detail": c.detail}
            for c in report.checks
        ]
        return Response({"status": report.to_status, "passed": report.passed, "checks": checks})


class ContractClauseViewSet(ServiceModelViewSet):
    """The clause checklist of each contract (rows come with the contract; only their assessment changes)."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.clause_list
    update_service = services.clause_update
    serializer_class = serializers.ContractClauseSerializer
    filterset_class = filters.ContractClauseFilterSet
    search_fields = ["contract__title", "note"]
    ordering_fields = ["contract", "kind", "assessment", "updated_at"]
    ordering = ["contract", "kind"]


class ExitPlanItemViewSet(ServiceModelViewSet):
    """The exit plan of each contract: owner and date done of each item."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.exit_plan_item_list
    update_service = services.exit_plan_item_update
    serializer_class = serializers.ExitPlanItemSerializer
    filterset_class = filters.ExitPlanItemFilterSet
    search_fields = ["contract__title", "note"]
    ordering_fields = ["contract", "kind", "done_on", "updated_at"]
    ordering = ["contract", "kind"]
    action_permissions = {"waive": "contracts.change_exitplanitem"}

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.ExitPlanItemSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        """The item does not apply: closed for the vendor's exit with its `reason` (400 without one)."""
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.exit_plan_item_waive(
            instance=self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(serializers.ExitPlanItemSerializer(self.reloaded(item)).data)
