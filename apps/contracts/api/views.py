"""The contracts API: thin viewsets that read through selectors and write through services."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.contracts import filters, selectors, services
from apps.contracts.api import serializers
from apps.core.api import ServiceModelViewSet


class ContractViewSet(ServiceModelViewSet):
    """Contracts: master agreements and statements of work. Status changes go through `transition/`."""

    selector = selectors.contract_list
    create_service = services.contract_create
    update_service = services.contract_update
    delete_service = services.contract_delete
    serializer_class = serializers.ContractSerializer
    filterset_class = filters.ContractFilterSet
    search_fields = ["title", "reference", "vendor__name"]
    ordering_fields = ["title", "start_date", "end_date", "cancel_by", "value", "status", "created_at"]
    ordering = ["-start_date", "title"]
    action_permissions = {"transition": "contracts.change_contract"}

    def get_queryset(self) -> Any:
        if self.action == "retrieve":
            return selectors.contract_detail(user=self.request.user)
        return super().get_queryset()

    def get_serializer_class(self) -> Any:
        return serializers.ContractDetailSerializer if self.action == "retrieve" else serializers.ContractSerializer

    @extend_schema(request=serializers.ContractTransitionSerializer, responses=serializers.ContractSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Activate, terminate, expire or re-activate (409 when the lifecycle does not allow it)."""
        body = serializers.ContractTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_transition(
            contract=self.get_object(), to_status=body.validated_data["status"], actor=request.user
        )
        return Response(serializers.ContractSerializer(self.reloaded(contract)).data)


class ContractClauseViewSet(ServiceModelViewSet):
    """The clause checklist of each contract (rows come with the contract; only their assessment changes)."""

    selector = selectors.clause_list
    update_service = services.clause_update
    serializer_class = serializers.ContractClauseSerializer
    filterset_class = filters.ContractClauseFilterSet
    search_fields = ["contract__title", "note"]
    ordering_fields = ["contract", "kind", "assessment", "updated_at"]
    ordering = ["contract", "kind"]


class ExitPlanItemViewSet(ServiceModelViewSet):
    """The exit plan of each contract: owner and date done of each item."""

    selector = selectors.exit_plan_item_list
    update_service = services.exit_plan_item_update
    serializer_class = serializers.ExitPlanItemSerializer
    filterset_class = filters.ExitPlanItemFilterSet
    search_fields = ["contract__title", "note"]
    ordering_fields = ["contract", "kind", "done_on", "updated_at"]
    ordering = ["contract", "kind"]


class SlaTermViewSet(ServiceModelViewSet):
    """SLA terms: what each contract measures, against which target, over which window. A term with
    evaluations or breaches cannot be deleted (409)."""

    selector = selectors.sla_term_list
    create_service = services.sla_term_create
    update_service = services.sla_term_update
    delete_service = services.sla_term_delete
    serializer_class = serializers.SlaTermSerializer
    filterset_class = filters.SlaTermFilterSet
    search_fields = ["contract__title", "kpi__code", "kpi__name", "description"]
    ordering_fields = ["area", "severity", "target", "created_at"]
    ordering = ["contract", "area", "id"]


class SlaEvaluationViewSet(ServiceModelViewSet):
    """Evaluations are written by the SLA engine only."""

    selector = selectors.sla_evaluation_list
    serializer_class = serializers.SlaEvaluationSerializer
    filterset_class = filters.SlaEvaluationFilterSet
    ordering_fields = ["window_start", "evaluated_at", "status"]
    ordering = ["-window_start", "term_id"]


class BreachViewSet(ServiceModelViewSet):
    """Breaches are opened by the SLA engine; people acknowledge, resolve or waive them."""

    selector = selectors.breach_list
    serializer_class = serializers.BreachSerializer
    filterset_class = filters.BreachFilterSet
    ordering_fields = ["window_start", "detected_at", "severity", "status", "credit_amount"]
    ordering = ["-window_start", "-detected_at"]
    action_permissions = {
        "acknowledge": "contracts.acknowledge_breach",
        "resolve": "contracts.resolve_breach",
        "waive": "contracts.waive_breach",
    }

    def _answer(self, breach: Any) -> Response:
        return Response(serializers.BreachSerializer(self.reloaded(breach)).data)

    @extend_schema(request=None, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.breach_acknowledge(breach=self.get_object(), actor=request.user))

    @extend_schema(request=serializers.BreachResolveSerializer, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        body = serializers.BreachResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.breach_resolve(breach=self.get_object(), actor=request.user, note=body.validated_data["note"])
        )

    @extend_schema(request=serializers.BreachWaiveSerializer, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        body = serializers.BreachWaiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.breach_waive(breach=self.get_object(), actor=request.user, reason=body.validated_data["reason"])
        )
