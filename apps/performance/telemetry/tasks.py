"""Celery tasks of delivery telemetry: thin shells that take ids and call a service. Registered by
``apps.performance.tasks`` (which Celery's autodiscovery reads)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="telemetry.process_delivery",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def process_delivery(delivery_id: int) -> str | None:
    """Turn a stored delivery into normalised events (``processing.delivery_process``). Idempotent: a
    processed delivery is left alone."""
    from apps.performance.telemetry.processing import delivery_process

    return delivery_process(delivery_id=int(delivery_id))


@shared_task(
    name="telemetry.measure",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def measure_pending() -> int:
    """Compute the telemetry metrics of every contract waiting for it (``metrics.telemetry_measure_pending``),
    in one set-based pass; answers how many contracts. Idempotent: with nothing pending it does nothing."""
    from apps.performance.telemetry.metrics import telemetry_measure_pending

    return telemetry_measure_pending()


@shared_task(
    name="telemetry.purge_payloads",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def purge_payloads() -> int:
    """Clear the raw payloads older than ``TELEMETRY_RETENTION_DAYS`` (daily; ``operations.payloads_purge``);
    answers how many. Idempotent: a cleared payload is not cleared again."""
    from apps.performance.telemetry.operations import payloads_purge

    return payloads_purge()


@shared_task(
    name="telemetry.process_pending",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def process_pending() -> dict[str, int]:
    """The pending sweeper (beat, every five minutes; ``operations.pending_sweep``): deliveries the broker
    never took are sent to processing again, waiting metrics are computed. Idempotent."""
    from apps.core.health import scheduled_run_record
    from apps.performance.telemetry.operations import PENDING_TASK, pending_sweep

    outcome = pending_sweep()
    scheduled_run_record(PENDING_TASK)  # the admins' status page: beat and a worker are alive
    return outcome


@shared_task(
    name="telemetry.refresh_recent",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def refresh_recent() -> int:
    """Daily (beat): ask for the last days of every contract with an active binding to be measured again
    (``metrics.telemetry_refresh_recent``), so a week closes without new events; answers how many
    contracts. Idempotent: a second request the same day changes nothing the measuring would not."""
    from apps.performance.telemetry.metrics import telemetry_refresh_recent

    return telemetry_refresh_recent()
