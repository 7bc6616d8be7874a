"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.notifications.api import views
from apps.notifications.webhooks import api as webhook_api

registrations: list[tuple[str, Any, str]] = [
    ("notifications", views.NotificationViewSet, "notification"),
    ("webhook-endpoints", webhook_api.WebhookEndpointViewSet, "webhook-endpoint"),
    ("webhook-deliveries", webhook_api.WebhookDeliveryViewSet, "webhook-delivery"),
]
