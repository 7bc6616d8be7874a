"""The contract status task on a real Celery worker and the real Redis broker."""

from __future__ import annotations

from datetime import date

import pytest

from apps.contracts.models import Contract
from apps.contracts.tasks import sync_contract_status_by_date
from config.celery import app
from tests.celery_worker import running_worker, wait_until
from tests.factories import ContractFactory


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_expires_and_renews_contracts() -> None:
    ending = ContractFactory(renewal="none", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    renewing = ContractFactory(renewal="automatic", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    with running_worker():
        sync_contract_status_by_date.delay("2026-11-23")
        assert wait_until(lambda: Contract.objects.get(pk=ending.pk).status == "expired")
        assert wait_until(lambda: Contract.objects.get(pk=renewing.pk).end_date == date(2026, 12, 31))
    renewing.refresh_from_db()
    assert renewing.status == "active" and renewing.cancel_by == date(2026, 11, 1)


@pytest.mark.django_db
def test_task_enqueued_on_the_broker_is_named_stably() -> None:
    assert sync_contract_status_by_date.name == "contracts.sync_status_by_date"
    assert app.conf.beat_schedule["contracts-sync-status-daily"]["task"] == sync_contract_status_by_date.name
