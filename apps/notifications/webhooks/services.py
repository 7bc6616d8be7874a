"""Writes of webhook endpoints and deliveries: each one transaction, audited, side effects after commit.

Endpoints are administrative: only people whose role may change them (admins: the permission
``WEBHOOK_PERMISSION``) create, edit, rotate, enable, disable, test or replay; everyone else is refused
(403) here as well as by the pages and the API.

The signing secret (``whsec_`` + 32 random bytes, base64, as Standard Webhooks specifies) is made by
``webhook_endpoint_create`` and ``webhook_endpoint_rotate_secret``, which return it to be shown once; it
is kept sealed (``apps.core.sealing``), because every delivery signs with it. Rotating takes effect at
once: the next attempt, a retry or replay of an older message included, is signed with the new secret.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.services import audited, model_delete, save_validated
from apps.core.tasks import enqueue
from apps.notifications.choices import WebhookDeliveryStatus, WebhookEndpointKind, WebhookEventType
from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.addresses import webhook_url_check
from apps.notifications.webhooks.delivery import (
    ATTEMPT_LEASE,
    endpoint_url,
    seal_secret,
    webhook_endpoint_deactivate,
)
from apps.notifications.webhooks.events import WebhookEvent, subject_ref, webhook_event_queue
from apps.notifications.webhooks.selectors import may_manage_webhooks

SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"
ENDPOINT_FIELDS = ("name", "kind", "url", "event_types", "owner")
DISABLE_REASON_MAX = 300


def _require_admin(actor: Any) -> None:
    if not may_manage_webhooks(actor):
        raise PermissionDeniedError("Only administrators manage webhook endpoints.")


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _clean_event_types(values: Any) -> list[str]:
    chosen = [str(value) for value in (values or [])]
    unknown = [value for value in chosen if value not in WebhookEventType.values]
    if unknown:
        raise ApplicationError(f"Unknown event type: {', '.join(unknown)}.", field="event_types")
    if not chosen:
        raise ApplicationError("Choose at least one event for the endpoint.", field="event_types")
    # The test event is sent on request, to one endpoint: it is not a subscription.
    return sorted(set(chosen), key=WebhookEventType.values.index)


def _apply(endpoint: WebhookEndpoint, data: Mapping[str, Any]) -> None:
    for name in ENDPOINT_FIELDS:
        if name in data and data[name] is not None:
            setattr(endpoint, name, data[name])
    if "event_types" in data:
        endpoint.event_types = _clean_event_types(data["event_types"])
    webhook_url_check(endpoint.url)


def webhook_endpoint_create(*, actor: Any, data: Mapping[str, Any]) -> WebhookEndpoint:
    """Register an endpoint (``name``, ``kind``, ``url``, ``event_types``; ``owner`` defaults to the
    actor, who is told if it is ever disabled). The new secret is on the returned endpoint's ``secret``
    attribute, to be shown once."""
    _require_admin(actor)
    secret = new_secret()
    with audited(actor=actor, action="webhook_endpoint_create"):
        endpoint = WebhookEndpoint(owner=actor, kind=WebhookEndpointKind.STANDARD, event_types=[])
        _apply(endpoint, {**data, "event_types": data.get("event_types")})
        endpoint.secret_sealed = seal_secret(secret)
        save_validated(endpoint)
    endpoint.secret = secret  # type: ignore[attr-defined]  # shown once, never stored in the clear
    return endpoint


def webhook_endpoint_update(*, instance: WebhookEndpoint, actor: Any, data: Mapping[str, Any]) -> WebhookEndpoint:
    """Change the name, kind, address, events or owner (the secret: ``webhook_endpoint_rotate_secret``;
    on and off: ``webhook_endpoint_enable`` / ``_disable``)."""
    _require_admin(actor)
    with audited(actor=actor, action="webhook_endpoint_update"):
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=instance.pk)
        _apply(endpoint, data)
        return save_validated(endpoint)


def webhook_endpoint_delete(*, instance: WebhookEndpoint, actor: Any) -> None:
    """Delete the endpoint with its delivery log."""
    _require_admin(actor)
    model_delete(instance, actor=actor, action="webhook_endpoint_delete")


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Any) -> str:
    """Give the endpoint a new signing secret (returned, to be shown once); the old one stops at once."""
    _require_admin(actor)
    secret = new_secret()
    with audited(actor=actor, action="webhook_endpoint_rotate_secret"):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret_sealed = seal_secret(secret)
        locked.save(update_fields=["secret_sealed", "updated_at"])
    endpoint.secret_sealed = locked.secret_sealed
    return secret


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor: Any) -> WebhookEndpoint:
    """Send events to the endpoint again (its failure count starts from zero). Deliveries skipped while
    it was off stay skipped: replay those it should still get."""
    _require_admin(actor)
    with audited(actor=actor, action="webhook_endpoint_enable"):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not locked.is_active:
            locked.is_active, locked.disabled_at, locked.disabled_reason = True, None, ""
            locked.consecutive_failures = 0
            locked.save(
                update_fields=["is_active", "disabled_at", "disabled_reason", "consecutive_failures", "updated_at"]
            )
        return locked


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor: Any, reason: str = "") -> WebhookEndpoint:
    """Stop sending to the endpoint; its waiting deliveries are skipped. Disabling a disabled endpoint
    changes nothing."""
    _require_admin(actor)
    reason = " ".join((reason or "").split()) or f"Disabled by {actor}."
    with audited(actor=actor, action="webhook_endpoint_disable", reason=reason):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.is_active:
            webhook_endpoint_deactivate(locked, reason=reason[:DISABLE_REASON_MAX], now=timezone.now())
        return locked


def webhook_endpoint_send_test(*, endpoint: WebhookEndpoint, actor: Any) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this endpoint alone (whatever it subscribes to); returns the
    delivery, whose log shows the receiver's answer. A disabled endpoint is refused (409)."""
    _require_admin(actor)
    with audited(actor=actor, action="webhook_endpoint_send_test"):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not locked.is_active:
            raise ConflictError("This endpoint is disabled: enable it before sending it a test event.")
        event = WebhookEvent(
            event_type=WebhookEventType.WEBHOOK_TEST,
            data={
                "title": f"Test event for “{locked.name}”",
                "summary": (
                    f"{actor} sent this test event from Vendor Governance to check that the endpoint receives "
                    "and verifies signed events."
                ),
                "url": endpoint_url(locked),
                "subject": subject_ref("webhook_endpoint", locked.pk),
                "endpoint": {"id": locked.pk, "name": locked.name},
            },
            dedupe_key=f"webhook.test:{locked.pk}:{uuid.uuid4().hex}",
        )
        delivery_id = webhook_event_queue(endpoint_id=locked.pk, event=event)
    assert delivery_id is not None  # a fresh key each time
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send the delivery again, now: the same message (id and body), signed afresh, as one manual
    attempt (logged as such). Any delivery may be replayed, delivered ones included, unless its endpoint
    is disabled (409)."""
    from apps.notifications.webhooks.tasks import deliver_webhook

    _require_admin(actor)
    with audited(actor=actor, action="webhook_delivery_replay"):
        locked = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=delivery.pk)
        if not locked.endpoint.is_active:
            raise ConflictError("The endpoint is disabled: enable it before replaying its deliveries.")
        locked.status = WebhookDeliveryStatus.PENDING
        # The lease keeps the sweep away: the replay's own task makes this attempt.
        locked.next_attempt_at = timezone.now() + ATTEMPT_LEASE
        locked.save(update_fields=["status", "next_attempt_at"])
        enqueue(deliver_webhook, locked.pk, manual=True)
    return locked
