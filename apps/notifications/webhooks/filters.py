"""The FilterSets shared by the webhook pages and ``/api/v1/webhook-endpoints/`` / ``webhook-deliveries/``."""

from __future__ import annotations

from apps.core.filters import FilterSet
from apps.notifications.models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointFilterSet(FilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = ["kind", "is_active"]


class WebhookDeliveryFilterSet(FilterSet):
    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]
