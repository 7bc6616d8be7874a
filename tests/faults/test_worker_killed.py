"""A Celery worker killed with SIGKILL in the middle of an import (a real worker process, a real Redis
broker): the import still ends — the broker hands the message to another worker once the visibility
timeout has passed (acks late; 5 s in the fault settings, 30 min in production, where the import
watchdog acts after 10), which resumes after the last committed chunk — with no row written twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection
from django.db.models import Count

from apps.accounts.choices import Role
from apps.kpis.models import KpiDefinition
from apps.performance import imports
from apps.performance.models import ImportJob, Measurement
from tests.celery_worker import wait_until
from tests.factories import ContractFactory, MeasurementFactory, UserFactory
from tests.faults.servers import CeleryWorker, ThrowawayRedis, publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
HEADER = "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"


def waiting_for_a_lock() -> list[str]:
    """The ``application_name`` of every connection to the test database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return [name for (name,) in cursor.fetchall()]


def test_an_import_whose_worker_is_killed_ends_done_without_duplicate_rows(
    throwaway_redis: ThrowawayRedis, start_workers: Callable[..., list[CeleryWorker]]
) -> None:
    manager = UserFactory(role=Role.ENGINEERING_MANAGER)
    contract = ContractFactory(reference="MSA-7", vendor__engineering_owner=manager)  # the engagement they own
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    day = dt.date(2026, 10, 1)
    # The third row updates this measurement: while the test holds its row, the worker writing the
    # second chunk (rows 3 and 4; two rows a chunk in the fault settings) waits for it.
    held = MeasurementFactory(
        contract=contract, kpi=velocity, period_start=day, period_end=day.replace(day=3), value=40
    )
    lines = [f"MSA-7,sprint_velocity,2026-10-01,2026-10-{n:02d},41,,," for n in range(1, 7)]
    content = (HEADER + "".join(f"{line}\n" for line in lines)).encode()
    job = imports.import_job_create(register="measurements", actor=manager, file_name="october.csv", content=content)

    workers = {worker.name: worker for worker in start_workers("worker-a", "worker-b")}
    with psycopg.connect(**connection.get_connection_params()) as holder:
        holder.execute("SELECT 1 FROM kpis_measurement WHERE id = %s FOR UPDATE", [held.pk])
        with publishing_to(throwaway_redis.url):
            imports.import_job_start(instance=job, actor=manager)
        # The first chunk is committed; the second waits for the held row, inside its transaction.
        assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).processed_rows == 2)
        assert wait_until(lambda: bool(set(waiting_for_a_lock()) & set(workers)))
        [writer] = set(waiting_for_a_lock()) & set(workers)
        workers[writer].kill()  # SIGKILL: no ack, no rollback message, nothing marks the import
        holder.rollback()  # the killed worker's transaction (its connection is gone) rolls back

    # The other worker gets the message again (its visibility timeout passed) and finishes the import.
    assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).status in ("done", "failed"))
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.failure
    assert (job.processed_rows, job.created_count, job.updated_count, job.error_count) == (6, 5, 1, 0)
    assert job.attempts == 2  # the redelivery counted
    assert Measurement.objects.filter(contract=contract).count() == 6
    repeated = (
        Measurement.objects.values("contract", "kpi", "period_start", "period_end")
        .annotate(rows=Count("id"))
        .filter(rows__gt=1)
    )
    assert list(repeated) == []
    held.refresh_from_db()
    assert held.value == 41
    survivor = next(worker for name, worker in workers.items() if name != writer)
    assert "imports.run" in survivor.output()
