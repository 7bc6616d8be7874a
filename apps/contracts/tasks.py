"""Celery tasks of the contracts app: thin shells around services. (The SLA sweep, still named
``contracts.evaluate_slas``, is ``apps.performance.tasks``'.)"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from apps.contracts.services import contract_sync_status_by_date


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
