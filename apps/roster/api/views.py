"""The roster API: thin viewsets that read through ``apps.roster.selectors`` and write through
``apps.roster.services``. Assignments and staffing plans are written by the vendor's roster managers
(``apps.vendors.roster_access``); substitutions are requested by them or the vendor's engineering owner,
and decided (``approve/``, ``refuse/``) by the engineering owner only (403 for anyone else)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ServiceModelViewSet
from apps.core.permissions import RoleModelPermissions
from apps.roster import filters, selectors, services
from apps.roster.api import serializers
from apps.roster.models import StaffingPlan
from apps.vendors.roster_access import RosterManagerPermissions, delivers_any_vendor


class SubstitutionPermissions(RoleModelPermissions):
    """Reads as everywhere. A request needs the role's permission (procurement, administrators) or the
    standing of a vendor's delivery or engineering owner; the service then checks the vendor itself.
    ``approve/``, ``refuse/`` and ``withdraw/`` are open to anyone signed in here: who may is a rule of
    the substitution (its vendor's engineering owner; its requester), so the service answers 403 with it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS or getattr(view, "action", None) in ("approve", "refuse", "withdraw"):
            return True
        if super().has_permission(request, view):
            return True
        from apps.vendors.models import Vendor

        return delivers_any_vendor(request.user) or Vendor.objects.filter(engineering_owner=request.user).exists()


class AssignmentViewSet(ServiceModelViewSet):
    """Engineers of the contract's vendor on the contract. `end/` ends one with a reason."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"
    permission_classes = [RosterManagerPermissions]

    selector = selectors.assignment_list
    create_service = services.assignment_create
    update_service = services.assignment_update
    serializer_class = serializers.AssignmentSerializer
    filterset_class = filters.AssignmentFilterSet
    search_fields = ["engineer__name", "role", "contract__title"]
    ordering_fields = ["start_date", "end_date", "allocation_percent", "created_at"]
    ordering = ["contract", "-key_person", "engineer__name", "id"]

    @extend_schema(request=serializers.AssignmentEndSerializer, responses=serializers.AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        """End the assignment on `end_date` (the last day) with a `reason` (400 without one)."""
        body = serializers.AssignmentEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = services.assignment_end(
            assignment=self.get_object(),
            actor=request.user,
            end_date=body.validated_data["end_date"],
            reason=body.validated_data["reason"],
        )
        return Response(serializers.AssignmentSerializer(self.reloaded(ended)).data)


def _plan_save(*, actor: Any, data: Any, instance: StaffingPlan | None = None) -> StaffingPlan:
    contract = instance.contract if instance is not None else data.get("contract")
    lines = {line["seniority"]: line["headcount"] for line in data.get("lines", [])}
    if instance is not None and "lines" not in data:
        lines = {line.seniority: line.headcount for line in instance.lines.all()}
    return services.staffing_plan_save(contract=contract, actor=actor, lines=lines, note=data.get("note"))


def staffing_plan_create(*, actor: Any, data: Any) -> StaffingPlan:
    """A contract's plan (one per contract: a second is a 409)."""
    from apps.core.errors import ConflictError

    contract = data.get("contract")
    if contract is not None and StaffingPlan.objects.filter(contract=contract).exists():
        raise ConflictError(f"{contract} already has a staffing plan: change it instead.", field="contract")
    return _plan_save(actor=actor, data=data)


def staffing_plan_update(*, instance: StaffingPlan, actor: Any, data: Any) -> StaffingPlan:
    return _plan_save(actor=actor, data=data, instance=instance)


class StaffingPlanViewSet(ServiceModelViewSet):
    """A contract's staffing plan: headcount per seniority band (`lines`, replaced as a whole on save).
    The named key personnel are the contract's assignments with `key_person`."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"
    permission_classes = [RosterManagerPermissions]

    selector = selectors.staffing_plan_list
    create_service = staffing_plan_create
    update_service = staffing_plan_update
    serializer_class = serializers.StaffingPlanSerializer
    filterset_class = filters.StaffingPlanFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["contract"]


class SubstitutionViewSet(ServiceModelViewSet):
    """Requests to replace an assigned engineer. `approve/` and `refuse/` (with a `note`): the vendor's
    engineering owner only (403 otherwise; 409 once decided). `withdraw/`: the requester or a roster manager."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"
    permission_classes = [SubstitutionPermissions]

    selector = selectors.substitution_list
    create_service = services.substitution_request
    serializer_class = serializers.SubstitutionSerializer
    filterset_class = filters.SubstitutionFilterSet
    search_fields = ["reason", "joiner__name", "leaver_assignment__engineer__name"]
    ordering_fields = ["joins_on", "created_at", "decided_at"]
    ordering = ["-joins_on", "-id"]

    def _decide(self, request: Request, decide: Any) -> Response:
        body = serializers.SubstitutionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = decide(substitution=self.get_object(), actor=request.user, note=body.validated_data["note"])
        return Response(serializers.SubstitutionSerializer(self.reloaded(decided)).data)

    @extend_schema(request=serializers.SubstitutionDecisionSerializer, responses=serializers.SubstitutionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve: ends the leaver's assignment after the overlap and starts the joiner's (same role,
        allocation, key person, rate). The vendor's engineering owner only (403); 409 once decided."""
        return self._decide(request, services.substitution_approve)

    @extend_schema(request=serializers.SubstitutionDecisionSerializer, responses=serializers.SubstitutionSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Refuse with a `note` (400 without one). The vendor's engineering owner only (403); 409 once decided."""
        return self._decide(request, services.substitution_refuse)

    @extend_schema(request=serializers.SubstitutionDecisionSerializer, responses=serializers.SubstitutionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a request not yet decided: its requester or a roster manager (403); 409 once decided."""
        return self._decide(request, services.substitution_withdraw)


class RosterFindingViewSet(ServiceModelViewSet):
    """What the roster job found (read-only; kept while it holds, closed when it no longer does)."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.roster_finding_list
    serializer_class = serializers.RosterFindingSerializer
    filterset_class = filters.RosterFindingFilterSet
    ordering_fields = ["opened_at", "last_seen_at", "closed_at"]
    ordering = ["-opened_at", "-id"]
