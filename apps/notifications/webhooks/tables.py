"""The columns of the webhook endpoint and delivery lists (the pages and their CSV exports)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html

from apps.core.tables import Column, Table, badge, link
from apps.core.tones import BAD, GOOD, QUIET, WARN, register_tones
from apps.notifications.choices import WebhookDeliveryStatus

register_tones(
    {
        WebhookDeliveryStatus.PENDING: QUIET,
        WebhookDeliveryStatus.RETRYING: WARN,
        WebhookDeliveryStatus.DELIVERED: GOOD,
        WebhookDeliveryStatus.FAILED: BAD,
        WebhookDeliveryStatus.SKIPPED: QUIET,
    }
)


def endpoint_page(endpoint: Any) -> str:
    return reverse("notifications:webhook-detail", args=[endpoint.pk])


def delivery_page(delivery: Any) -> str:
    return reverse("notifications:webhook-delivery", args=[delivery.pk])


def _state(endpoint: Any) -> str:
    if endpoint.is_active:
        return format_html('<span class="badge badge-{}">{}</span>', GOOD, "Active")
    return format_html('<span class="badge badge-{}">{}</span>', BAD, "Disabled")


class WebhookEndpointTable(Table):
    name = Column("Endpoint", sort="name", cell=link("name", endpoint_page, css="row-link"))
    kind = Column("Kind", sort="kind")
    url = Column("Address")
    events = Column("Events", value=lambda endpoint: len(endpoint.event_types), numeric=True)
    is_active = Column(
        "State", cell=_state, export_value=lambda endpoint: "active" if endpoint.is_active else "disabled"
    )
    consecutive_failures = Column("Failures in a row", numeric=True)
    last_delivery_at = Column("Last delivered", sort="last_delivery", empty="never")
    owner = Column("Owner")


class WebhookDeliveryTable(Table):
    created_at = Column("Queued", sort="created", cell=link("created_at", delivery_page, css="row-link"))
    endpoint = Column("Endpoint", value="endpoint.name")
    event_type = Column("Event", value=lambda delivery: delivery.event_type)
    status = Column("Status", sort="status", cell=badge("status"))
    attempts = Column("Attempts", numeric=True)
    last_status_code = Column("Last answer", empty="—")
    next_attempt_at = Column("Next attempt", empty="—")
    message_id = Column("Message id", page=False)
