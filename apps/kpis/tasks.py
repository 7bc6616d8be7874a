"""Celery tasks of the KPI app: thin shells around services (STYLE.md §6)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.kpis.imports import measurement_import_fail, measurement_import_run
from apps.kpis.services import measurement_windows_reevaluate_many

logger = logging.getLogger(__name__)
IMPORT_MAX_RETRIES = 3


@shared_task(
    name="kpis.reevaluate_measurement_windows",
    acks_late=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=3,
)
def reevaluate_measurement_windows(periods: list[list[Any]]) -> int:
    """Re-evaluate the SLA windows a bulk write's measurements fall in: ``periods`` are
    ``[contract_id, kpi_id, "YYYY-MM-DD" period end]``; each term's window is evaluated once. Idempotent."""
    return measurement_windows_reevaluate_many(
        periods=[(int(contract), int(kpi), date.fromisoformat(day)) for contract, kpi, day in periods]
    )


@shared_task(bind=True, name="kpis.import_measurements", acks_late=True, max_retries=IMPORT_MAX_RETRIES)
def import_measurements(self: Any, import_id: int) -> str:
    """Write a confirmed CSV import in chunks (``apps.kpis.imports.measurement_import_run``).

    Idempotent: a finished (or missing) import is a no-op, and a re-delivered one resumes after its
    last committed chunk. A lost database connection is retried with backoff; after the last retry,
    or on any other error, the import is marked failed and the error logged."""
    try:
        return measurement_import_run(import_id=import_id)
    except (OperationalError, InterfaceError, ConnectionError) as exc:
        if self.request.retries < IMPORT_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
        measurement_import_fail(import_id=import_id, reason=f"The database could not be reached: {exc}")
        raise
    except Exception as exc:
        logger.exception("Measurement import %s failed.", import_id)
        measurement_import_fail(import_id=import_id, reason=f"Unexpected error: {exc}")
        raise
