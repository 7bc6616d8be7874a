"""Celery tasks of the contracts app: thin shells around services (STYLE.md §6)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from apps.contracts.services import contract_sync_status_by_date
from apps.contracts.sla import sla_evaluate_measurement_windows, sla_sweep


@shared_task(
    name="contracts.sync_status_by_date",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def sync_contract_status_by_date(as_of: str | None = None) -> dict[str, int]:
    """Keep contract status true by date (active → expired, automatic renewals renewed). Idempotent."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return contract_sync_status_by_date(as_of=day)


@shared_task(
    name="contracts.evaluate_slas",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def evaluate_slas(as_of: str | None = None) -> dict[str, object]:
    """The hourly SLA sweep (``apps.contracts.sla.sla_sweep``). Idempotent; concurrent runs serialise."""
    day = date.fromisoformat(as_of) if as_of else None
    return sla_sweep(as_of=day).as_dict()


@shared_task(
    name="contracts.evaluate_measurement_windows",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def evaluate_measurement_windows(contract_id: int, kpi_id: int, period_end: str) -> int:
    """Re-evaluate at once the windows a new or changed measurement falls in (the next sweep would too)."""
    return sla_evaluate_measurement_windows(
        contract_id=contract_id, kpi_id=kpi_id, period_end=date.fromisoformat(period_end)
    )
