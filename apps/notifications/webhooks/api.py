"""The webhook resources of the API (administrators; token scope area ``admin``):

- ``/api/v1/webhook-endpoints/``: list, create (the answer holds the signing ``secret``, once), read,
  change, delete; ``rotate-secret/`` (the new ``secret``, once), ``enable/``, ``disable/`` (an optional
  ``reason``), ``test/`` (queues a ``webhook.test`` event; answers the delivery);
- ``/api/v1/webhook-deliveries/``: the delivery log (``?endpoint=``, ``?status=``, ``?event_type=``), each
  with its attempts, and ``replay/``.

Every action needs ``notifications.change_webhookendpoint`` (the admin role), reads included.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import NOT_BY_VENDOR, ModelSerializer, ServiceModelViewSet
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks import selectors, services
from apps.notifications.webhooks.filters import WebhookDeliveryFilterSet, WebhookEndpointFilterSet
from apps.notifications.webhooks.forms import SUBSCRIBABLE_EVENTS
from apps.notifications.webhooks.selectors import WEBHOOK_PERMISSION

ENDPOINT_ACTIONS = ("list", "retrieve", "create", "update", "partial_update", "destroy")


class WebhookEndpointSerializer(ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS),
        allow_empty=False,
        max_length=len(SUBSCRIBABLE_EVENTS),
        help_text="The events the endpoint receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "name",
            "kind",
            "url",
            "event_types",
            "owner",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "last_delivery_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "last_delivery_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"owner": {"required": False, "help_text": "Told when the endpoint is disabled; default: you."}}


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (`whsec_…`): shown in this answer only."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="The new signing secret: shown in this answer only.")


class DisableInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class WebhookAttemptSerializer(ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["id", "attempted_at", "status_code", "error", "response_excerpt", "duration_ms", "manual"]
        read_only_fields = fields


class WebhookDeliverySerializer(ModelSerializer):
    event_type = serializers.ChoiceField(choices=WebhookEventType.choices, read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "message_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields


class WebhookEndpointViewSet(ServiceModelViewSet):
    """Webhook endpoints: where events are sent (administrators)."""

    selector = selectors.webhook_endpoint_list
    create_service = services.webhook_endpoint_create
    update_service = services.webhook_endpoint_update
    delete_service = services.webhook_endpoint_delete
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilterSet
    search_fields = ["name", "url"]
    ordering_fields = ["name", "created_at", "last_delivery_at"]
    ordering = ["name", "id"]
    # Administrative: reads need the permission too, and a token needs the admin scope (docs/api.md,
    # "Tokens and scopes"); a token limited to some vendors sees none of them.
    scope_area = "admin"
    vendor_path = NOT_BY_VENDOR
    action_permissions: ClassVar[dict[str, str]] = dict.fromkeys(
        (*ENDPOINT_ACTIONS, "rotate_secret", "enable", "disable", "send_test"), WEBHOOK_PERMISSION
    )
    conflict_free_actions = frozenset({"rotate_secret", "enable", "disable"})

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Register an endpoint: the answer holds its signing `secret`, shown this once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(actor=request.user, data=serializer.validated_data)
        data = WebhookEndpointCreatedSerializer(self.reloaded(endpoint)).data
        data["secret"] = endpoint.secret  # type: ignore[attr-defined]  # set by the service, never stored
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new signing secret (shown this once); the old one stops at once."""
        secret = services.webhook_endpoint_rotate_secret(endpoint=self.get_object(), actor=request.user)
        response = Response(SecretSerializer({"secret": secret}).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses=WebhookEndpointSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        """Send events to the endpoint again (skipped deliveries stay skipped: replay them)."""
        endpoint = services.webhook_endpoint_enable(endpoint=self.get_object(), actor=request.user)
        return Response(WebhookEndpointSerializer(self.reloaded(endpoint)).data)

    @extend_schema(request=DisableInputSerializer, responses=WebhookEndpointSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        """Stop sending to the endpoint; its waiting deliveries are skipped."""
        body = DisableInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_disable(
            endpoint=self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(WebhookEndpointSerializer(self.reloaded(endpoint)).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path="test", url_name="test")
    def send_test(self, request: Request, pk: str | None = None) -> Response:
        """Queue a `webhook.test` event for this endpoint alone; 409 when it is disabled."""
        delivery = services.webhook_endpoint_send_test(endpoint=self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryViewSet(ServiceModelViewSet):
    """The delivery log: one row per event and endpoint, with its attempts (administrators)."""

    selector = selectors.webhook_delivery_list
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["created_at", "last_attempt_at"]
    ordering = ["-created_at", "-id"]
    scope_area = "admin"
    vendor_path = NOT_BY_VENDOR
    action_permissions: ClassVar[dict[str, str]] = dict.fromkeys(("list", "retrieve", "replay"), WEBHOOK_PERMISSION)

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("attempt_log")

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Send the same message again now, signed afresh (one manual attempt); 409 when its endpoint is
        disabled."""
        delivery = services.webhook_delivery_replay(delivery=self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(self.reloaded(delivery)).data, status=status.HTTP_202_ACCEPTED)
