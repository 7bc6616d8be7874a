"""Reads of webhook endpoints and their deliveries: administrators only (``WEBHOOK_PERMISSION``); anyone
else reads nothing (the pages and the API refuse them before they get here)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

WEBHOOK_PERMISSION = "notifications.change_webhookendpoint"


def may_manage_webhooks(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(WEBHOOK_PERMISSION))


def webhook_endpoint_list(*, user: Any) -> QuerySet[WebhookEndpoint]:
    if not may_manage_webhooks(user):
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.select_related("owner").order_by("name", "id")


def webhook_delivery_list(*, user: Any) -> QuerySet[WebhookDelivery]:
    """Every delivery of the endpoints ``user`` manages, newest first (the payload stays in the row)."""
    if not may_manage_webhooks(user):
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.select_related("endpoint").order_by("-created_at", "-id")


def webhook_attempt_list(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery).order_by("-attempted_at", "-id")
