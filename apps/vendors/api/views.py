"""The vendor governance endpoints: thin viewsets that read through selectors and write through services."""

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ServiceModelViewSet
from apps.core.gates import require_move_permission
from apps.vendors import filters, selectors, services
from apps.vendors.api import serializers
from apps.vendors.choices import VENDOR_TRANSITIONS
from apps.vendors.gates import vendor_readiness
from apps.vendors.roster_access import RosterManagerPermissions

TRANSITION_PERMISSION = "vendors.change_vendor"


class VendorViewSet(ServiceModelViewSet):
    """Vendors. `status` may be given on create; later changes go through `transition/`, and
    `readiness/` lists what each move still needs."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "pk"

    selector = selectors.vendor_list
    create_service = services.vendor_create
    update_service = services.vendor_update
    delete_service = services.vendor_delete
    serializer_class = serializers.VendorSerializer
    filterset_class = filters.VendorFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "country", "geography", "status", "tier", "rate_min", "rate_max", "created_at"]
    ordering = ["name"]
    ordering_then = ["name"]  # every ordering, then the name, then the id: as the page, and its indexes

    def get_permissions(self) -> Sequence[Any]:
        # A transition needs vendors.change_vendor — or, for an executive, an override of an unmet
        # gate (core.override_gate); both are checked in ``transition`` itself.
        if self.action == "transition":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=serializers.TransitionSerializer, responses=serializers.VendorSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the vendor along its lifecycle: 409 when the lifecycle does not allow it or its readiness
        gate is unmet (`unmet` lists the conditions); 400 on `reason` when the move or an override
        needs one; 403 for an override by anyone but an executive or admin."""
        vendor = self.get_object()
        body = serializers.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to_status, override = body.validated_data["status"], body.validated_data["override"]
        require_move_permission(
            request.user,
            vendor,
            to_status,
            override=override,
            permission=TRANSITION_PERMISSION,
            transitions=VENDOR_TRANSITIONS,
            what="a vendor",
        )
        vendor = services.vendor_transition(
            vendor=vendor,
            to_status=to_status,
            actor=request.user,
            reason=body.validated_data["reason"],
            override=override,
        )
        return Response(serializers.VendorSerializer(self.reloaded(vendor)).data)

    @extend_schema(
        parameters=[serializers.VendorReadinessQuerySerializer], responses=serializers.VendorReadinessSerializer
    )
    @action(detail=True, methods=["get"])
    def readiness(self, request: Request, pk: str | None = None) -> Response:
        """What each move still needs: every condition of its readiness gate, met or not (`?to_status=`
        for one move; by default every move the lifecycle allows from the current status)."""
        vendor = self.get_object()
        query = serializers.VendorReadinessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        targets = [query.validated_data["to_status"]] if "to_status" in query.validated_data else None
        moves = vendor_readiness(vendor, user=request.user, targets=targets)
        return Response({"status": vendor.status, "transitions": [move.as_dict() for move in moves]})


class VettingAssessmentViewSet(ServiceModelViewSet):
    """Vetting assessments; `score` (mean of the six scores) and `red_flags` are read-only."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.vetting_assessment_list
    create_service = services.vetting_assessment_create
    update_service = services.vetting_assessment_update
    delete_service = services.vetting_assessment_delete
    serializer_class = serializers.VettingAssessmentSerializer
    filterset_class = filters.VettingAssessmentFilterSet
    search_fields = ["vendor__name", "notes"]
    ordering_fields = ["assessed_on", "verdict"]
    ordering = ["-assessed_on"]


class CertificationViewSet(ServiceModelViewSet):
    """Vendor certifications with their validity (`expires_before` / `expires_after` filter by expiry)."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.certification_list
    create_service = services.certification_create
    update_service = services.certification_update
    delete_service = services.certification_delete
    serializer_class = serializers.CertificationSerializer
    filterset_class = filters.CertificationFilterSet
    search_fields = ["name", "vendor__name"]
    ordering_fields = ["expires_on", "issued_on", "kind"]
    ordering = ["expires_on"]


class VendorRiskViewSet(ServiceModelViewSet):
    """The vendor risk register; `score` is likelihood × impact."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.vendor_risk_list
    create_service = services.vendor_risk_create
    update_service = services.vendor_risk_update
    delete_service = services.vendor_risk_delete
    serializer_class = serializers.VendorRiskSerializer
    filterset_class = filters.VendorRiskFilterSet
    search_fields = ["title", "description", "vendor__name"]
    ordering_fields = ["likelihood", "impact", "category", "status", "created_at"]
    ordering = ["-likelihood", "-impact"]


class EngineerViewSet(ServiceModelViewSet):
    """The vendors' engineers (the team roster). Procurement, admins and the vendor's delivery owner add and
    change them; everyone signed in reads them. Engineers are never deleted: once their assignments have
    all ended long enough ago they are anonymised (`anonymised_on`), and an anonymised one cannot be changed
    (400). `q` searches name, work e-mail and handles (accents and case ignored)."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"
    permission_classes = [RosterManagerPermissions]

    selector = selectors.engineer_list
    create_service = services.engineer_create
    update_service = services.engineer_update
    serializer_class = serializers.EngineerSerializer
    filterset_class = filters.EngineerFilterSet
    search_fields = ["name", "email", "git_handle", "tracker_handle"]
    ordering_fields = ["name", "seniority", "role", "created_at"]
    ordering = ["vendor__name", "name"]


class AccessGrantViewSet(ServiceModelViewSet):
    """Access of vendor staff to our systems. `findings` lists the access rules a grant breaks today
    ({code, severity, message}); filter with `has_findings`, `finding` (codes) and `severity` (the worst)."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.access_grant_list
    create_service = services.access_grant_create
    update_service = services.access_grant_update
    delete_service = services.access_grant_delete
    serializer_class = serializers.AccessGrantSerializer
    filterset_class = filters.AccessGrantFilterSet
    search_fields = ["person", "system", "account_name", "vendor__name"]
    ordering_fields = ["granted_on", "expires_on", "system", "privilege", "finding_rank"]
    ordering = ["vendor__name", "system"]


class ServiceReviewViewSet(ServiceModelViewSet):
    """Service reviews. Engineering managers run those of the vendors they own; `record/` marks one held."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.service_review_list
    create_service = services.service_review_create
    update_service = services.service_review_update
    delete_service = services.service_review_delete
    serializer_class = serializers.ServiceReviewSerializer
    filterset_class = filters.ServiceReviewFilterSet
    search_fields = ["vendor__name", "decisions", "risks_raised", "notes"]
    ordering_fields = ["scheduled_for", "held_on", "status"]
    ordering = ["-scheduled_for"]
    action_permissions = {"record": "vendors.change_servicereview"}

    @extend_schema(request=serializers.ServiceReviewRecordSerializer, responses=serializers.ServiceReviewSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record the meeting as held; the next review is scheduled a cadence later."""
        body = serializers.ServiceReviewRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.service_review_record(review=self.get_object(), actor=request.user, data=body.validated_data)
        return Response(serializers.ServiceReviewSerializer(self.reloaded(review)).data)


class ActionItemViewSet(ServiceModelViewSet):
    """Actions agreed in service reviews; `complete/` marks one done."""

    scope_area = "vendors"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "review__vendor"

    selector = selectors.action_item_list
    create_service = services.action_item_create
    update_service = services.action_item_update
    delete_service = services.action_item_delete
    serializer_class = serializers.ActionItemSerializer
    filterset_class = filters.ActionItemFilterSet
    search_fields = ["description"]
    ordering_fields = ["due_on", "done_on", "created_at"]
    ordering = ["done_on", "due_on"]
    action_permissions = {"complete": "vendors.change_actionitem"}

    @extend_schema(request=serializers.ActionItemCompleteSerializer, responses=serializers.ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done (today unless `done_on` is given)."""
        body = serializers.ActionItemCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.action_item_complete(
            item=self.get_object(),
            actor=request.user,
            done_on=body.validated_data.get("done_on") or timezone.localdate(),
        )
        return Response(serializers.ActionItemSerializer(self.reloaded(item)).data)
