"""The telemetry API: source bindings (made, changed, secret rotated, switched off and on; never
deleted), their deliveries (read-only; the payload only one at a time), and vendors' identity rules.

A binding's webhook secret is in two answers only: the one to the POST that made it and the one to
``rotate-secret/``. Nothing else returns it, and nothing can read it back. Thin viewsets on the house's
``ServiceModelViewSet``: reads through ``apps.performance.telemetry.selectors``, writes through the
services of ``apps.performance.telemetry`` and ``apps.vendors`` (which check ownership: 403 naming the
vendor; a duplicate scope or rule is a 409).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ModelSerializer, ServiceModelViewSet
from apps.performance.choices import TELEMETRY_KPI_CODES, BindingHealth
from apps.performance.telemetry import selectors, services
from apps.performance.telemetry.filters import DeliveryFilterSet, IdentityRuleFilterSet, SourceBindingFilterSet
from apps.performance.telemetry.models import Delivery, SourceBinding
from apps.performance.telemetry.setup import webhook_url
from apps.vendors import services as vendor_services
from apps.vendors.models import VendorIdentityRule

CHANGE_BINDING = "performance.change_sourcebinding"


# -- serializers ---------------------------------------------------------------------------------------------
class SourceBindingSerializer(ModelSerializer):
    production_environments = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=False),
        required=False,
        max_length=50,
        help_text="The CI/CD environment names whose deployments are production deployments.",
    )
    measures = serializers.ListField(
        child=serializers.ChoiceField(choices=list(TELEMETRY_KPI_CODES)),
        required=False,
        max_length=len(TELEMETRY_KPI_CODES),
        help_text="KPI codes telemetry measures for the contract (its one source of them from `covers_from`). "
        "Empty or left out on create: what the source can measure.",
    )
    api_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="A token to read history from the tool's API (backfill). Written, never returned.",
    )
    health = serializers.ChoiceField(choices=BindingHealth.choices, read_only=True)
    webhook_url = serializers.SerializerMethodField(help_text="The address the tool posts its deliveries to.")

    class Meta:
        model = SourceBinding
        fields = [
            "id",
            "contract",
            "source",
            "name",
            "scope",
            "component",
            "label",
            "production_environments",
            "measures",
            "covers_from",
            "active",
            "health",
            "last_event_at",
            "public_id",
            "webhook_url",
            "secret_rotated_at",
            "api_base_url",
            "api_token",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["active", "last_event_at", "public_id", "secret_rotated_at", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:  # its deliveries and events belong to them: a new scope is a new binding
            for name in ("contract", "source", "scope"):
                fields[name].read_only = True
        return fields

    def get_webhook_url(self, binding: SourceBinding) -> str:
        return webhook_url(binding)


class SourceBindingSecretSerializer(SourceBindingSerializer):
    """A binding with its webhook secret: the answer of create and of ``rotate-secret/`` only."""

    secret = serializers.CharField(read_only=True, help_text="Shown this once: store it in the tool now.")

    class Meta(SourceBindingSerializer.Meta):
        fields = [*SourceBindingSerializer.Meta.fields, "secret"]


class DeliverySerializer(ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "binding",
            "delivery_id",
            "event_type",
            "status",
            "received_at",
            "processed_at",
            "attempts",
            "event_count",
            "error",
        ]
        read_only_fields = fields


class DeliveryDetailSerializer(DeliverySerializer):
    payload = serializers.JSONField(
        read_only=True, allow_null=True, help_text="As received; cleared after the retention period."
    )

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload"]
        read_only_fields = fields


class IdentityRuleSerializer(ModelSerializer):
    class Meta:
        model = VendorIdentityRule
        fields = ["id", "vendor", "kind", "value", "created_at"]
        read_only_fields = ["created_at"]


# -- viewsets --------------------------------------------------------------------------------------------------
def _binding_create(*, actor: Any, data: Any) -> SourceBinding:
    """For the router (``offers``): ``create`` itself answers the secret ``binding_create`` returns."""
    binding, _secret = services.binding_create(actor=actor, data=data)
    return binding


def _binding_update(*, instance: SourceBinding, actor: Any, data: Any) -> SourceBinding:
    fields = dict(data)
    token = fields.pop("api_token", None)
    return services.binding_update(instance=instance, actor=actor, data=fields, api_token=token)


class SourceBindingViewSet(ServiceModelViewSet):
    """Delivery tools bound to contracts. The webhook secret is answered by create and `rotate-secret/`
    only. A binding is never deleted (its deliveries and events are the evidence): `deactivate/` switches
    it off (its address answers 404, its KPIs may be typed again), `activate/` on."""

    scope_area = "telemetry"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.binding_list
    create_service = _binding_create
    update_service = _binding_update
    serializer_class = SourceBindingSerializer
    filterset_class = SourceBindingFilterSet
    search_fields = ["scope", "name", "contract__title"]
    ordering_fields = ["created_at", "last_event_at", "source", "scope"]
    ordering = ["contract_id", "source", "scope", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]  # partial updates only
    action_permissions = {"rotate_secret": CHANGE_BINDING, "activate": CHANGE_BINDING, "deactivate": CHANGE_BINDING}
    conflict_free_actions = frozenset({"rotate_secret", "activate", "deactivate"})

    def _with_secret(self, binding: SourceBinding, secret: str, code: int) -> Response:
        data = {**SourceBindingSerializer(self.reloaded(binding)).data, "secret": secret}
        response = Response(data, status=code)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=SourceBindingSerializer, responses={201: SourceBindingSecretSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        token = data.pop("api_token", "") or ""
        binding, secret = services.binding_create(actor=request.user, data=data, api_token=token)
        return self._with_secret(binding, secret, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SourceBindingSecretSerializer, summary="Rotate the webhook secret")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new secret, answered this once; the old one stops working at once."""
        binding = self.get_object()
        secret = services.binding_rotate_secret(instance=binding, actor=request.user)
        return self._with_secret(binding, secret, status.HTTP_200_OK)

    def _set_active(self, active: bool) -> Response:
        binding = services.binding_set_active(instance=self.get_object(), actor=self.request.user, active=active)
        return Response(SourceBindingSerializer(self.reloaded(binding)).data)

    @extend_schema(request=None, responses=SourceBindingSerializer, summary="Switch a binding on")
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        return self._set_active(True)

    @extend_schema(request=None, responses=SourceBindingSerializer, summary="Switch a binding off")
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """Its address answers 404 from now on; its deliveries and events are kept."""
        return self._set_active(False)


class DeliveryViewSet(ServiceModelViewSet):
    """Webhook deliveries as received, newest first: the list without payloads, one delivery with its
    payload (kept for `TELEMETRY_RETENTION_DAYS`)."""

    scope_area = "telemetry"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "binding__contract__vendor"

    selector = selectors.delivery_list
    filterset_class = DeliveryFilterSet
    ordering_fields = ["received_at", "status"]
    ordering = ["-received_at", "-id"]

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "retrieve":
            return selectors.delivery_detail(user=self.request.user)
        return super().get_queryset()

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return DeliveryDetailSerializer if self.action == "retrieve" else DeliverySerializer


class IdentityRuleViewSet(ServiceModelViewSet):
    """Who is a vendor's in its delivery tools (e-mail domains, logins, teams, tracker groups): telemetry
    attributes events with them. Values are kept in lower case. A rule is added or deleted, not changed;
    stored events are attributed again by `manage.py telemetry_reprocess`."""

    scope_area = "telemetry"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "vendor"

    selector = selectors.identity_rule_list
    create_service = vendor_services.identity_rule_create
    delete_service = vendor_services.identity_rule_delete
    serializer_class = IdentityRuleSerializer
    filterset_class = IdentityRuleFilterSet
    ordering_fields = ["kind", "value", "created_at"]
    ordering = ["vendor_id", "kind", "value"]
