"""PagerDuty v3 webhooks: incidents (triggered, acknowledged, resolved, and the changes in between).

Signature: ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>``, one per signing secret of the
subscription, comma-separated while a secret is rotated; the delivery is authentic when any ``v1``
signature matches. A delivery is named by its event's ``event.id``; its type is ``event.event_type``.

Scope: the binding's ``scope`` is the PagerDuty service id (``data.service.id``); an incident of another
service is left out. A v3 incident names no deployment or commit, so ``caused_by_*`` stay blank
(docs/telemetry/jira-pagerduty-generic.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from apps.core.dates import DateInputError, parse_moment
from apps.performance.choices import IncidentStatus
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import Incident, SourceBinding, TelemetryEvent
from apps.performance.telemetry.registry import (
    ParseContext,
    PayloadError,
    SignatureError,
    SourceAdapter,
    register_adapter,
)

SIGNATURE_HEADER = "X-PagerDuty-Signature"
SIGNATURE_VERSION = "v1="

TRIGGERED = "incident.triggered"
ACKNOWLEDGED = "incident.acknowledged"
RESOLVED = "incident.resolved"
# Events whose ``data`` is the incident itself: each one tells its current status and fields.
INCIDENT_EVENTS = (
    TRIGGERED,
    ACKNOWLEDGED,
    RESOLVED,
    "incident.unacknowledged",
    "incident.reopened",
    "incident.priority_updated",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected a JSON object.")
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{where}: missing.")
    try:
        return parse_moment(value)
    except DateInputError:
        raise PayloadError(f"{where}: not an ISO 8601 time.") from None


def _event(payload: Any) -> dict[str, Any]:
    return _object(_object(payload, "payload").get("event"), "event")


class PagerDutyAdapter(SourceAdapter):
    source = "pagerduty"
    events = INCIDENT_EVENTS

    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        header = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not header:
            raise SignatureError(
                f"The {SIGNATURE_HEADER} header is missing: create the webhook subscription with this binding's secret."
            )
        expected = secrets.hmac_sha256_hex(secret, body)
        given = [part.strip() for part in header.split(",")]
        # Every candidate is compared (no early exit), each in constant time.
        matches = [
            secrets.same(part[len(SIGNATURE_VERSION) :].lower(), expected)
            for part in given
            if part.startswith(SIGNATURE_VERSION)
        ]
        if not any(matches):
            raise SignatureError(f"No {SIGNATURE_HEADER} v1 signature was made with this binding's secret.")

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        kind = _event(payload).get("event_type")
        if not isinstance(kind, str) or not kind.strip():
            raise PayloadError("event.event_type: missing; this is not a PagerDuty v3 webhook payload.")
        return kind.strip()

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        identifier = _text(_event(payload).get("id"))
        if not identifier:
            raise PayloadError("event.id: missing; PagerDuty names every event.")
        return identifier

    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        if event_type not in INCIDENT_EVENTS:
            return []
        event = _event(payload)
        occurred_at = _moment(event.get("occurred_at"), "event.occurred_at")
        data = _object(event.get("data"), "event.data")
        if data.get("type") != "incident":
            raise PayloadError(f"event.data.type: {event_type} carries an incident, not {data.get('type')!r}.")
        incident_id = _text(data.get("id"))
        if not incident_id:
            raise PayloadError("event.data.id: missing.")
        service = _object(data.get("service"), "event.data.service")
        if _text(service.get("id")) != context.binding.scope.strip():
            return []
        status = _text(data.get("status"))
        if status not in IncidentStatus.values:
            raise PayloadError(f"event.data.status: {status!r} is not triggered, acknowledged or resolved.")
        # The incident's creation time; a triggered event's own time when the incident does not say.
        if data.get("created_at"):
            opened_at = _moment(data.get("created_at"), "event.data.created_at")
        elif event_type == TRIGGERED:
            opened_at = occurred_at
        else:
            raise PayloadError("event.data.created_at: missing.")
        priority = data.get("priority")
        severity = _text(priority.get("summary")) if isinstance(priority, dict) else ""
        return [
            Incident(
                source_id=incident_id,
                observed_at=occurred_at,
                url=_text(data.get("html_url"))[:500],
                service=(_text(service.get("summary")) or _text(service.get("id")))[:255],
                title=_text(data.get("title"))[:255],
                severity=(severity or _text(data.get("urgency")))[:32],
                status=status,
                opened_at=opened_at,
                acknowledged_at=occurred_at if event_type == ACKNOWLEDGED else None,
                resolved_at=occurred_at if event_type == RESOLVED else None,
            )
        ]


register_adapter(PagerDutyAdapter())
