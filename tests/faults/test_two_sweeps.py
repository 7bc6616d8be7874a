"""Two SLA sweeps at once, as two real Celery workers each running the hourly task (``contracts.
evaluate_slas``) over a real Redis broker: both are in flight together (the test holds the sweep's
advisory lock until both wait for it), and the breach they find is opened once and told once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest
import redis
from django.db import connection

from apps.notifications.models import Notification
from apps.performance.models import Breach
from apps.performance.sla import SWEEP_LOCK
from apps.performance.tasks import evaluate_slas
from config.celery import app
from tests.celery_worker import wait_until
from tests.factories import ContractFactory, MeasurementFactory, SlaTermFactory
from tests.faults.servers import CeleryWorker, ThrowawayRedis, publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def sweeps_waiting_for_the_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_database ON pg_database.oid = pg_locks.database "
            "WHERE locktype = 'advisory' AND NOT granted AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def test_two_sweeps_at_once_open_one_breach_and_send_one_notification(
    throwaway_redis: ThrowawayRedis, start_workers: Callable[..., list[CeleryWorker]]
) -> None:
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), status="active")
    term = SlaTermFactory(contract=contract, comparator="gte", target=Decimal("95"), window="month")
    october = dt.date(2026, 10, 31)
    MeasurementFactory(contract=contract, kpi=term.kpi, period_start=october, period_end=october, value=Decimal("80"))
    owner = contract.vendor.engineering_owner
    start_workers("sweeper-a", "sweeper-b")

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", [SWEEP_LOCK])
        with publishing_to(throwaway_redis.url):
            evaluate_slas.delay("2026-11-23")
            evaluate_slas.delay("2026-11-23")
        # One message each (prefetch 1, acknowledged late): both sweeps are running, waiting for the lock.
        assert wait_until(lambda: sweeps_waiting_for_the_lock() == 2)
        holder.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SWEEP_LOCK])

    broker = redis.Redis.from_url(throwaway_redis.url)
    queue = app.conf.task_default_queue

    def all_done() -> bool:  # both sweeps (and the e-mail they enqueued) acknowledged
        return bool(Notification.objects.exists()) and broker.llen(queue) == 0 and broker.hlen("unacked") == 0

    assert wait_until(all_done)
    assert Breach.objects.filter(term=term).count() == 1
    assert Notification.objects.filter(recipient=owner, kind="breach_opened").count() == 1
    assert Notification.objects.filter(kind="breach_opened").values("recipient").distinct().count() == (
        Notification.objects.filter(kind="breach_opened").count()
    )
