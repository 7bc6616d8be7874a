"""Keeping delivery telemetry running: re-processing stored deliveries after a rule change, clearing
old payloads, sending again what the broker never took, and the summary on the admins' status page.

- **Re-processing** (``deliveries_reprocess``, ``manage.py telemetry_reprocess``): stored deliveries go
  through ``processing.delivery_process(again=True)`` once more, oldest first, in batches — after a
  parser fix, a new identity rule or a changed list of production environments. Events are upserted by
  source id, so replaying a delivery never duplicates anything; a delivery whose payload was cleared is
  skipped and counted.
- **Retention** (``payloads_purge``, daily ``telemetry.purge_payloads``): the raw payload of a delivery
  received more than ``TELEMETRY_RETENTION_DAYS`` ago is cleared (set NULL), in batches; the delivery
  row (its status, its error) and the normalised events stay. A delivery still waiting to be processed
  keeps its payload.
- **The pending sweeper** (``pending_sweep``, ``telemetry.process_pending`` every five minutes): a
  receiver stores a delivery and enqueues its processing after the commit; when the broker was down
  the delivery stays ``received``. The sweeper sends such deliveries to the workers again, oldest first
  and a bounded number per run, and marks failed the ones sent ``PENDING_MAX_SENDS`` times without
  ending (a payload that crashes its worker must not be sent forever; ``telemetry_reprocess --status
  failed`` takes it again after the fix). It also enqueues ``telemetry.measure`` when contracts have
  waited for their metrics longer than ``PENDING_AFTER``. Docs: docs/telemetry/operations.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.health import JobSummary, register_job_summary, register_scheduled_task
from apps.core.tasks import enqueue
from apps.performance.choices import DeliveryStatus
from apps.performance.telemetry.models import Delivery, SourceBinding, TelemetryRecompute
from apps.performance.telemetry.processing import delivery_process

logger = logging.getLogger(__name__)

PENDING_TASK = "telemetry.process_pending"
PURGE_TASK = "telemetry.purge_payloads"
# A delivery still ``received`` this long after it arrived was never taken by a worker.
PENDING_AFTER = timedelta(minutes=5)
# Deliveries sent again per sweeper run (the oldest first): a long broker outage is caught up over runs.
PENDING_BATCH = 500
# Sent this many times without ending: its processing crashes (see the worker's log); marked failed.
PENDING_MAX_SENDS = 12
PENDING_GAVE_UP = (
    "Sent to processing {sends} times without it ending: the worker fails on it (see the worker's log). "
    "Run manage.py telemetry_reprocess --status failed once the cause is fixed."
)
REPROCESS_BATCH = 500
PURGE_BATCH = 1_000
REPROCESS_STATUSES = ("failed", "all")


# -- re-processing ------------------------------------------------------------------------------------------
@dataclass
class ReprocessResult:
    """Deliveries re-processed, by their new status; ``purged``: skipped, their payload was cleared;
    ``busy``: held by a worker at that moment (it processes them itself)."""

    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, day_time.min, tzinfo=timezone.get_current_timezone())


def deliveries_to_reprocess(
    *, binding_id: int | None = None, contract_id: int | None = None, since: date | None = None, status: str = "all"
) -> QuerySet[Delivery]:
    """The deliveries ``telemetry_reprocess`` takes: of a binding, of a contract's bindings, received
    on or after ``since``; every status, or only the failed ones."""
    if status not in REPROCESS_STATUSES:
        raise ValueError(f"status is one of {', '.join(REPROCESS_STATUSES)}, not {status!r}")
    deliveries = Delivery.objects.all()
    if binding_id is not None:
        deliveries = deliveries.filter(binding_id=binding_id)
    if contract_id is not None:
        deliveries = deliveries.filter(binding__contract_id=contract_id)
    if since is not None:
        deliveries = deliveries.filter(received_at__gte=_start_of(since))
    if status == "failed":
        deliveries = deliveries.filter(status=DeliveryStatus.FAILED)
    return deliveries


def deliveries_reprocess(
    *,
    binding_id: int | None = None,
    contract_id: int | None = None,
    since: date | None = None,
    status: str = "all",
    batch_size: int = REPROCESS_BATCH,
    progress: Callable[[ReprocessResult], None] | None = None,
) -> ReprocessResult:
    """Process the chosen deliveries again, in the order they were received, ``batch_size`` ids at a
    time (a keyset walk: deliveries arriving meanwhile are taken too when they fall in the filter).
    Each delivery is its own transaction (``delivery_process``)."""
    result = ReprocessResult()
    chosen = deliveries_to_reprocess(binding_id=binding_id, contract_id=contract_id, since=since, status=status)
    after: tuple[datetime, int] | None = None
    while True:
        page = chosen.order_by("received_at", "pk")
        if after is not None:
            page = page.filter(Q(received_at__gt=after[0]) | Q(received_at=after[0], pk__gt=after[1]))
        rows = list(
            page.annotate(purged=ExpressionWrapper(Q(payload__isnull=True), output_field=BooleanField())).values_list(
                "pk", "received_at", "purged"
            )[:batch_size]
        )
        if not rows:
            return result
        for pk, _received_at, purged in rows:
            if purged:
                result.statuses["purged"] += 1
                continue
            outcome = delivery_process(delivery_id=pk, again=True)
            result.statuses[str(outcome) if outcome else "busy"] += 1
        after = (rows[-1][1], rows[-1][0])
        if progress is not None:
            progress(result)


# -- retention ----------------------------------------------------------------------------------------------
def payloads_purge(*, now: datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Clear the payload of deliveries received more than ``TELEMETRY_RETENTION_DAYS`` ago (not those
    still waiting to be processed), ``batch_size`` rows per transaction; answers how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    old = (
        Delivery.objects.filter(received_at__lt=cutoff, payload__isnull=False)
        .exclude(status=DeliveryStatus.RECEIVED)
        .order_by()
    )
    cleared = 0
    while True:
        with transaction.atomic():
            ids = list(old.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            # None on a nullable JSONField is SQL NULL (not the JSON null).
            cleared += Delivery.objects.filter(pk__in=ids).update(payload=None)
    if cleared:
        logger.info("Telemetry retention: cleared the payload of %s deliveries received before %s.", cleared, cutoff)
    return cleared


# -- the pending sweeper ------------------------------------------------------------------------------------
def pending_sweep(*, now: datetime | None = None, limit: int = PENDING_BATCH) -> dict[str, int]:
    """Send deliveries still ``received`` after ``PENDING_AFTER`` to the workers again (at most
    ``limit``, the oldest first; one sent ``PENDING_MAX_SENDS`` times is failed instead), and enqueue
    ``telemetry.measure`` when contracts have waited for their metrics as long. Answers
    ``{"resent": n, "failed": n, "measure": 0 or 1}``. Idempotent: a delivery processed meanwhile is a
    no-op for the worker."""
    from apps.performance.telemetry.tasks import measure_pending, process_delivery

    now = now or timezone.now()
    outcome = {"resent": 0, "failed": 0, "measure": 0}
    with transaction.atomic():
        stuck = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.RECEIVED, received_at__lt=now - PENDING_AFTER, payload__isnull=False)
            .order_by("received_at", "pk")
            .values_list("pk", "attempts")[:limit]
        )
        given_up = [pk for pk, attempts in stuck if attempts + 1 >= PENDING_MAX_SENDS]
        resent = [pk for pk, attempts in stuck if attempts + 1 < PENDING_MAX_SENDS]
        if given_up:
            outcome["failed"] = Delivery.objects.filter(pk__in=given_up).update(
                status=DeliveryStatus.FAILED,
                attempts=F("attempts") + 1,
                processed_at=now,
                error=PENDING_GAVE_UP.format(sends=PENDING_MAX_SENDS),
            )
        if resent:
            # ``attempts`` of a delivery still received counts the sends (a finished processing moves it on).
            Delivery.objects.filter(pk__in=resent).update(attempts=F("attempts") + 1)
            for pk in resent:
                enqueue(process_delivery, pk)
            outcome["resent"] = len(resent)
        if TelemetryRecompute.objects.filter(requested_at__lt=now - PENDING_AFTER).exists():
            enqueue(measure_pending)
            outcome["measure"] = 1
    if outcome["resent"] or outcome["failed"]:
        logger.warning("Telemetry pending sweeper: %s", outcome)
    return outcome


# -- silent bindings ----------------------------------------------------------------------------------------
def silence_start() -> Any:
    """A binding's silence starts at its last event, or at its creation when it never had one."""
    return Coalesce("last_event_at", "created_at")


def silent_bindings(*, at: datetime | None = None) -> QuerySet[SourceBinding]:
    """Active bindings with no event for ``TELEMETRY_SILENT_DAYS`` at ``at`` (default now), or none since
    they were made that long ago; annotated with ``silent_since``."""
    at = at or timezone.now()
    return (
        SourceBinding.objects.filter(active=True)
        .annotate(silent_since=silence_start())
        .filter(silent_since__lte=at - timedelta(days=settings.TELEMETRY_SILENT_DAYS))
    )


# -- the admins' status page --------------------------------------------------------------------------------
def telemetry_summary(*, now: datetime | None = None) -> JobSummary:
    """Deliveries waiting to be processed (and the minutes the oldest has waited), those failed in the
    last day, waiting longer than the sweeper's delay, and silent bindings."""
    now = now or timezone.now()
    counts = Delivery.objects.aggregate(
        waiting=Count("pk", filter=Q(status=DeliveryStatus.RECEIVED)),
        oldest=Min("received_at", filter=Q(status=DeliveryStatus.RECEIVED)),
        late=Count("pk", filter=Q(status=DeliveryStatus.RECEIVED, received_at__lt=now - PENDING_AFTER)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED, processed_at__gte=now - timedelta(days=1))),
    )
    oldest = counts["oldest"]
    return JobSummary(
        label="Delivery telemetry",
        url=_summary_url(),
        counts={
            "deliveries waiting": counts["waiting"],
            "minutes the oldest has waited": int((now - oldest).total_seconds() // 60) if oldest else 0,
        },
        attention={
            "waiting longer than the sweeper's delay": counts["late"],
            "failed in the last day": counts["failed"],
            "silent bindings": silent_bindings(at=now).count(),
        },
    )


def _summary_url() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:performance_delivery_changelist")
    except NoReverseMatch:
        return reverse("admin:index")


register_job_summary(telemetry_summary)
register_scheduled_task(
    PENDING_TASK,
    every=timedelta(minutes=5),
    what="the telemetry sweeper: deliveries the broker did not take are processed, metrics waiting are computed",
)
