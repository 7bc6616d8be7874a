"""Publishing webhook events: the one way the domain apps hand an event to the endpoints that want it.

``webhook_events_publish(events)`` runs ONE query for the active endpoints subscribed to the events'
types; when there is none it returns at once (the SLA sweep, which may open thousands of breaches, pays
for that query and nothing else — callers that must load rows to build an event ask
``webhook_types_wanted`` first). Otherwise it inserts one ``WebhookDelivery`` per (event, endpoint) with
``INSERT … ON CONFLICT DO NOTHING``: the message id is derived from the event's ``dedupe_key``, so an
event published twice (a sweep run twice, two sweeps racing) is queued once per endpoint. The new
deliveries are sent by the ``notifications.deliver_webhook`` task after the commit (``apps.core.tasks.enqueue``);
the retry sweep (``apps.notifications.webhooks.delivery``) sends any whose enqueue was lost.

The payload is the Standard Webhooks envelope ``{"type", "timestamp", "data"}``; ``data`` carries
``version`` (``PAYLOAD_VERSION``) and the fields every type has — ``title``, ``summary``, ``url``,
``subject``, ``vendor``, ``contract`` — plus those of its type (``apps.notifications.webhooks.schemas``).
Decimals travel as strings (as in the API), dates and times in ISO 8601.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.sql import insert_new_rows
from apps.core.tasks import enqueue
from apps.notifications.choices import NotificationKind, WebhookDeliveryStatus, WebhookEventType
from apps.notifications.models import WebhookDelivery, WebhookEndpoint

PAYLOAD_VERSION = 1
TITLE_MAX = 200
SUMMARY_MAX = 1000
INSERT_BATCH = 500  # rows per INSERT (six parameters each)

# The reminders that are also webhook events (apps.notifications.reminders publishes them).
EVENT_TYPE_OF_REMINDER: dict[str, str] = {
    NotificationKind.CONTRACT_CANCEL_BY: WebhookEventType.CONTRACT_CANCEL_BY_APPROACHING,
    NotificationKind.CERTIFICATION_EXPIRING: WebhookEventType.CERTIFICATION_EXPIRING,
    NotificationKind.CERTIFICATION_EXPIRED: WebhookEventType.CERTIFICATION_EXPIRED,
    NotificationKind.ACCESS_FINDING: WebhookEventType.ACCESS_FINDING,
    NotificationKind.REVIEW_OVERDUE: WebhookEventType.REVIEW_OVERDUE,
    NotificationKind.TELEMETRY_SILENT: WebhookEventType.TELEMETRY_SOURCE_SILENT,
}


@dataclass(frozen=True)
class WebhookEvent:
    """Something that happened, as the domain describes it: ``data`` holds the type's fields (and at
    least ``title``, ``summary``, ``url``, ``subject``; ``vendor`` and ``contract`` default to null);
    ``dedupe_key`` names the occurrence (the same key is one event, however often published)."""

    event_type: str
    data: Mapping[str, Any]
    dedupe_key: str
    occurred_at: datetime | None = None


# -- what the payloads share ---------------------------------------------------------------------------
def absolute_url(path: str) -> str:
    """A workspace path as an address receivers can open (``SITE_URL`` + path)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def vendor_ref(vendor: Any) -> dict[str, Any] | None:
    return None if vendor is None else {"id": vendor.pk, "name": vendor.name}


def contract_ref(contract: Any) -> dict[str, Any] | None:
    if contract is None:
        return None
    return {"id": contract.pk, "title": contract.title, "reference": contract.reference}


def kpi_ref(kpi: Any) -> dict[str, Any]:
    return {"code": kpi.code, "name": kpi.name, "unit": kpi.unit}


def subject_ref(kind: str, pk: int) -> dict[str, Any]:
    return {"type": kind, "id": pk}


def one_line(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def iso_timestamp(moment: datetime) -> str:
    """``2026-11-23T08:15:00Z``: UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def message_id(event_type: str, dedupe_key: str) -> str:
    """The Standard Webhooks message id (the ``webhook-id`` header): stable for an event, so a
    re-published event is recognised, and a receiver can recognise a redelivery."""
    digest = hashlib.sha256(f"{event_type}\x00{dedupe_key}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def event_payload(event: WebhookEvent, *, now: datetime | None = None) -> dict[str, Any]:
    """The JSON body of ``event`` (JSON types only: what is stored is what is sent)."""
    data: dict[str, Any] = {"version": PAYLOAD_VERSION, "vendor": None, "contract": None, **event.data}
    data["title"] = one_line(data.get("title", ""))
    data["summary"] = one_line(data.get("summary", ""), SUMMARY_MAX)
    data["url"] = absolute_url(str(data.get("url", "")))
    payload = {
        "type": str(event.event_type),
        "timestamp": iso_timestamp(event.occurred_at or now or timezone.now()),
        "data": data,
    }
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def payload_body(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent and signed: the same for every attempt and replay of a delivery (the stored JSON's
    keys come back in any order, so they are sorted)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- publishing -------------------------------------------------------------------------------------------
def webhook_types_wanted(event_types: Iterable[str]) -> set[str]:
    """Which of ``event_types`` at least one active endpoint subscribes to (one query)."""
    wanted = {str(event_type) for event_type in event_types}
    if not wanted:
        return set()
    subscribed = WebhookEndpoint.objects.filter(is_active=True, event_types__overlap=sorted(wanted)).values_list(
        "event_types", flat=True
    )
    return wanted & {event_type for types in subscribed for event_type in types}


def _check(event: WebhookEvent) -> None:
    if event.event_type not in WebhookEventType.values:
        raise ApplicationError(f"Unknown webhook event type “{event.event_type}”.", field="event_type")
    if not event.dedupe_key:
        raise ApplicationError("A webhook event needs a dedupe key.", field="dedupe_key")


_COLUMNS = ("endpoint_id", "message_id", "event_type", "payload", "status", "attempts", "next_attempt_at", "created_at")


def _insert_new(rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """INSERT the delivery rows, skipping those whose (endpoint, message id) exists: the new ids."""
    placeholders = ["%s::jsonb" if column == "payload" else "%s" for column in _COLUMNS]
    return [
        row[0]
        for row in insert_new_rows(WebhookDelivery, _COLUMNS, rows, placeholders=placeholders, batch_size=INSERT_BATCH)
    ]


def webhook_events_publish(events: Sequence[WebhookEvent]) -> int:
    """Queue ``events`` for every active endpoint subscribed to their type; returns how many deliveries
    were queued (an event published before is not queued again). The deliveries are sent after the
    commit of the caller's transaction."""
    from apps.notifications.webhooks.tasks import deliver_webhook  # the task module imports delivery → here

    for event in events:
        _check(event)
    if not events:
        return 0
    types = sorted({str(event.event_type) for event in events})
    endpoints = list(
        WebhookEndpoint.objects.filter(is_active=True, event_types__overlap=types)
        .order_by("pk")
        .values_list("pk", "event_types")
    )
    if not endpoints:
        return 0
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for event in events:
        subscribers = [pk for pk, subscribed in endpoints if event.event_type in subscribed]
        if not subscribers:
            continue
        payload = json.dumps(event_payload(event, now=now))
        msg_id = message_id(event.event_type, event.dedupe_key)
        rows.extend(
            (pk, msg_id, str(event.event_type), payload, WebhookDeliveryStatus.PENDING.value, 0, now, now)
            for pk in subscribers
        )
    if not rows:
        return 0
    with transaction.atomic():
        new_ids = _insert_new(rows)
        for delivery_id in new_ids:
            enqueue(deliver_webhook, delivery_id)
    return len(new_ids)


def webhook_event_queue(*, endpoint_id: int, event: WebhookEvent) -> int | None:
    """Queue ``event`` for one endpoint, whatever it subscribes to (the test event): the new delivery's
    id (``None`` when this event was queued for it before). Sent after the commit."""
    from apps.notifications.webhooks.tasks import deliver_webhook

    _check(event)
    now = timezone.now()
    row = (
        endpoint_id,
        message_id(event.event_type, event.dedupe_key),
        str(event.event_type),
        json.dumps(event_payload(event, now=now)),
        WebhookDeliveryStatus.PENDING.value,
        0,
        now,
        now,
    )
    with transaction.atomic():
        new_ids = _insert_new([row])
        for delivery_id in new_ids:
            enqueue(deliver_webhook, delivery_id)
    return new_ids[0] if new_ids else None


def webhook_event_publish(
    *, event_type: str, data: Mapping[str, Any], dedupe_key: str, occurred_at: datetime | None = None
) -> int:
    """One event (``webhook_events_publish`` of one)."""
    return webhook_events_publish(
        [WebhookEvent(event_type=event_type, data=data, dedupe_key=dedupe_key, occurred_at=occurred_at)]
    )
