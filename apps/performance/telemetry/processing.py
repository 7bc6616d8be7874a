"""Turning a stored delivery into normalised events (the ``telemetry.process_delivery`` task).

Processing reads the stored payload, not the request: the same code re-processes old deliveries after
a parser or rule change (``manage.py telemetry_reprocess``). A delivery is processed by one worker at a
time (its row is locked, and a locked one is skipped), ends ``processed`` (events stored), ``ignored``
(nothing the metrics use, e.g. an event of another repository) or ``failed`` (the parser refused the
payload: the reason is kept), and asks for the metrics of its contract to be computed again from the
earliest event time it touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.dates import local_date
from apps.performance.choices import DeliveryStatus
from apps.performance.telemetry.models import Delivery, TelemetryEvent
from apps.performance.telemetry.registry import ParseContext, PayloadError, adapter_for
from apps.performance.telemetry.services import events_store, recompute_request
from apps.vendors.identity import identity_rules_of

logger = logging.getLogger(__name__)

# The times an event carries; the earliest of them is where its metrics must be computed again from.
_EVENT_TIME_FIELDS = (
    "observed_at",
    "finished_at",
    "started_at",
    "authored_at",
    "opened_at",
    "merged_at",
    "first_review_at",
    "resolved_at",
    "first_response_at",
    "closed_at",
)


def _earliest_day(events: Iterable[TelemetryEvent]) -> date | None:
    moments = [
        moment for event in events for name in _EVENT_TIME_FIELDS if (moment := getattr(event, name, None)) is not None
    ]
    return local_date(min(moments)) if moments else None


def delivery_process(*, delivery_id: int, again: bool = False) -> str | None:
    """Process one delivery; answers its new status, or ``None`` when there was nothing to do (it is
    gone, processed already — unless ``again`` —, or another worker holds it)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("binding")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.payload is None:
            return None
        if delivery.status != DeliveryStatus.RECEIVED and not again:
            return None
        binding = delivery.binding
        context = ParseContext(binding=binding, rules=identity_rules_of(binding.contract.vendor_id))
        delivery.attempts += 1
        delivery.processed_at = timezone.now()
        try:
            events = adapter_for(binding.source).parse(
                context=context, event_type=delivery.event_type, payload=delivery.payload
            )
            events_store(binding=binding, events=events)
        except (PayloadError, ValidationError) as exc:
            delivery.status = DeliveryStatus.FAILED
            delivery.error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            delivery.event_count = 0
            delivery.save(update_fields=["status", "error", "event_count", "attempts", "processed_at"])
            return delivery.status
        delivery.status = DeliveryStatus.PROCESSED if events else DeliveryStatus.IGNORED
        delivery.error = ""
        delivery.event_count = len(events)
        delivery.save(update_fields=["status", "error", "event_count", "attempts", "processed_at"])
        since = _earliest_day(events)
        if since is not None:
            recompute_request(contract_ids=[binding.contract_id], since=since)
        return delivery.status
