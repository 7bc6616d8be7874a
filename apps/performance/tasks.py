"""Celery tasks of the performance app: thin shells around services that take primitive ids.

Their names are the ones they were born with in ``contracts`` and ``kpis``: integrations, the beat
schedule (``config/celery.py``) and messages already queued in Redis name them, so a name never changes.

Re-evaluating the SLA windows of written measurements is one job with one task,
``kpis.reevaluate_measurement_windows`` (what ``services.measurement_windows_reevaluate`` enqueues).
``contracts.evaluate_measurement_windows`` is the name the single-row writes used to enqueue: it stays
registered, as an alias running the same service, so a message queued under it before a deploy (or
sent by an integration) is still worked off. Nothing enqueues it any more.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.core.health import scheduled_run_record
from apps.performance.imports import (
    WATCHDOG_TASK,
    import_job_fail,
    import_job_run,
    import_jobs_watch,
)
from apps.performance.sla import sla_evaluate_measurement_windows, sla_sweep

logger = logging.getLogger(__name__)
IMPORT_MAX_RETRIES = 3


@shared_task(
    name="contracts.evaluate_slas",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def evaluate_slas(as_of: str | None = None) -> dict[str, object]:
    """The hourly SLA sweep (``apps.performance.sla.sla_sweep``). Idempotent; concurrent runs serialise."""
    day = date.fromisoformat(as_of) if as_of else None
    return sla_sweep(as_of=day).as_dict()


@shared_task(
    name="kpis.reevaluate_measurement_windows",
    acks_late=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=3,
)
def reevaluate_measurement_windows(periods: list[list[Any]]) -> int:
    """Re-evaluate the SLA windows written measurements fall in: ``periods`` are ``[contract_id, kpi_id,
    "YYYY-MM-DD" period end]``; each term's window is evaluated once. Idempotent."""
    return sla_evaluate_measurement_windows(
        periods=[(int(contract), int(kpi), date.fromisoformat(day)) for contract, kpi, day in periods]
    )


@shared_task(
    name="contracts.evaluate_measurement_windows",
    acks_late=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=3,
)
def evaluate_measurement_windows(contract_id: int, kpi_id: int, period_end: str) -> int:
    """The former name of ``reevaluate_measurement_windows`` for one period (see the module docstring):
    the same service, for ``[contract_id, kpi_id, period_end]``."""
    return sla_evaluate_measurement_windows(periods=[(int(contract_id), int(kpi_id), date.fromisoformat(period_end))])


# What an import's owner reads when the database stayed away longer than the task's retries.
DATABASE_LOST_REASON = (
    "The database could not be reached ({tries} tries). The rows processed so far are saved; retry it to "
    "write the rest."
)
UNEXPECTED_ADVICE = "The rows processed so far are saved; retry it, and tell an administrator if it happens again."


IMPORT_TASK = "imports.run"


def _run_import(task: Any, import_id: int) -> str:
    """Write a confirmed import in chunks (``apps.performance.imports.import_job_run``).

    Idempotent: a finished (or missing) import is a no-op, and a re-delivered one resumes after its
    last committed chunk (a re-delivery, after its worker died, counts as an attempt). A lost database
    connection is retried with backoff; after the last retry, or on any other error, the import is
    marked failed with the reason, and the error logged. When even that cannot be written (the database
    is still away), the import stays running and the watchdog (``performance.watch_imports``) ends it."""
    try:
        redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
        return import_job_run(import_id=import_id, redelivered=redelivered)
    except (OperationalError, InterfaceError, ConnectionError) as exc:
        if task.request.retries < IMPORT_MAX_RETRIES:
            raise task.retry(exc=exc, countdown=5 * 2**task.request.retries) from exc
        _fail(import_id, DATABASE_LOST_REASON.format(tries=IMPORT_MAX_RETRIES + 1))
        raise
    except Exception as exc:
        logger.exception("Import %s failed.", import_id)
        _fail(import_id, f"An unexpected error stopped it ({type(exc).__name__}: {exc}). {UNEXPECTED_ADVICE}")
        raise


@shared_task(bind=True, name=IMPORT_TASK, acks_late=True, max_retries=IMPORT_MAX_RETRIES)
def run_import(self: Any, import_id: int) -> str:
    """Write a confirmed import of any register (see ``_run_import``)."""
    return _run_import(self, import_id)


@shared_task(bind=True, name="kpis.import_measurements", acks_late=True, max_retries=IMPORT_MAX_RETRIES)
def import_measurements(self: Any, import_id: int) -> str:
    """The former name of ``run_import`` (when imports were of measurements only): kept registered, so a
    message queued under it before a deploy is still worked off. Nothing sends it any more."""
    return _run_import(self, import_id)


def _fail(import_id: int, reason: str) -> None:
    try:
        import_job_fail(import_id=import_id, reason=reason)
    except (OperationalError, InterfaceError):
        logger.warning("Import %s could not be marked failed (the database is away): the watchdog will.", import_id)


@shared_task(
    name=WATCHDOG_TASK,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def watch_imports(now: str | None = None) -> dict[str, int]:
    """The import watchdog (beat, every minute; ``import_jobs_watch``): an import queued or
    running without a sign of life is sent to the workers again, or failed with the reason once it has
    had its attempts. ``now``: an ISO date-time (default: now). Idempotent."""
    outcome = import_jobs_watch(now=datetime.fromisoformat(now) if now else None)
    scheduled_run_record(WATCHDOG_TASK)  # the admins' status page: beat and a worker are alive
    return outcome


# Delivery telemetry's tasks live with it; importing them here registers them with Celery's autodiscovery.
from apps.performance.telemetry.tasks import measure_pending, process_delivery  # noqa: E402, F401
