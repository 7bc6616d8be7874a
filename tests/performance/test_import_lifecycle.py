"""A CSV import always ends, done or failed with a reason its owner reads, and its owner may retry it:
the lifecycle (``IMPORT_TRANSITIONS``), the watchdog that sends a silent import to the workers again or
fails it, a redelivery after a worker died counted as an attempt, the retry that goes on after the rows
already written, the Retry button, and a broker visibility timeout longer than every retry countdown.
The same on real servers, with Redis stopped and a worker killed: tests/faults/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import psycopg
import pytest
from celery.app.task import Context
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.errors import ConflictError, PermissionDeniedError, TransitionError
from apps.performance import imports, measurement_imports
from apps.performance.choices import IMPORT_TRANSITIONS, ImportStatus
from apps.performance.models import ImportJob, Measurement
from apps.performance.tasks import run_import, watch_imports
from config.celery import app
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db
HEADER = "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
STALE = dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
LATER = STALE + dt.timedelta(minutes=1)


def csv_bytes(rows: int) -> bytes:
    lines = [f"MSA-7,sprint_velocity,2026-10-01,2026-10-{day:02d},40,,," for day in range(1, rows + 1)]
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode()


@pytest.fixture
def manager() -> Any:
    ContractFactory(reference="MSA-7")
    return UserFactory(username="importer", role=Role.ENGINEERING_MANAGER)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What was sent to the workers (the publish, after the commit)."""
    published: list[Any] = []
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: published.append(args[0]))
    return published


def started(manager: Any, rows: int = 3) -> ImportJob:
    job = imports.import_job_create(
        register="measurements", actor=manager, file_name="october.csv", content=csv_bytes(rows)
    )
    imports.import_job_start(instance=job, actor=manager, enqueue=False)
    return job


def reload(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


@contextmanager
def task_request(**fields: Any) -> Iterator[None]:
    """Run the import task's body as a worker would with this request (its retries, its delivery)."""
    run_import.request_stack.push(Context(**fields))
    try:
        yield
    finally:
        run_import.request_stack.pop()


# -- the lifecycle --------------------------------------------------------------------------------------------
def test_every_status_has_its_moves_and_done_is_final() -> None:
    assert set(IMPORT_TRANSITIONS) == set(ImportStatus.values)
    assert IMPORT_TRANSITIONS[ImportStatus.DONE] == ()
    assert ImportStatus.QUEUED in IMPORT_TRANSITIONS[ImportStatus.FAILED]  # retry
    for status in (ImportStatus.QUEUED, ImportStatus.RUNNING):  # every active import can end both ways
        assert {ImportStatus.FAILED} <= set(IMPORT_TRANSITIONS[status])


def test_a_move_the_lifecycle_does_not_allow_is_refused(manager: Any) -> None:
    job = imports.import_job_create(
        register="measurements", actor=manager, file_name="october.csv", content=csv_bytes(1)
    )
    locked = ImportJob.objects.get(pk=job.pk)
    with pytest.raises(TransitionError, match="awaiting confirmation cannot become done"):
        imports._import_move(locked, ImportStatus.DONE)


def test_start_sends_it_to_the_workers_once_with_a_heartbeat(manager: Any) -> None:
    job = started(manager)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.heartbeat_at is not None and job.queued_at == job.heartbeat_at


# -- the watchdog ---------------------------------------------------------------------------------------------
def test_the_watchdog_leaves_a_fresh_import_alone(manager: Any, sent: list[Any]) -> None:
    job = started(manager)
    assert imports.import_jobs_watch(now=timezone.now() + STALE / 2) == {"requeued": 0, "failed": 0}
    assert sent == [] and reload(job).attempts == 1


def test_a_queued_import_whose_message_was_lost_is_sent_again_then_failed_with_the_reason(
    manager: Any, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Started while the broker was down: the enqueue was lost, the import is queued in the database.
    The watchdog sends it again each stale period, up to the attempts, then fails it."""
    job = started(manager)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_jobs_watch(now=now + LATER) == {"requeued": 1, "failed": 0}
    assert sent == [job.pk]  # after the commit
    job = reload(job)
    assert (job.status, job.attempts, job.heartbeat_at) == ("queued", 2, now + LATER)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_jobs_watch(now=now + LATER) == {"requeued": 0, "failed": 0}  # idempotent
        assert imports.import_jobs_watch(now=now + 2 * LATER)["requeued"] == 1
        assert imports.import_jobs_watch(now=now + 3 * LATER) == {"requeued": 0, "failed": 1}
    assert sent == [job.pk, job.pk]
    job = reload(job)
    assert job.status == "failed" and job.finished_at == now + 3 * LATER
    assert job.failure.startswith("No worker started it: it was sent to the workers 3 times")
    assert "retry it once they are back" in job.failure


def test_a_running_import_whose_worker_died_is_sent_again_and_resumes_without_duplicates(
    manager: Any, sent: list[Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    job = started(manager, rows=5)
    # As if a worker had written the first chunk and died (SIGKILL: nothing marked it failed).
    assert imports.import_job_run(import_id=job.pk) == "done"
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=2, finished_at=None)
    Measurement.objects.filter(period_end__day__gt=2).delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_jobs_watch(now=timezone.now() + LATER) == {"requeued": 1, "failed": 0}
    assert sent == [job.pk] and reload(job).status == "queued"
    assert run_import(job.pk) == "done"  # the worker that gets it
    job = reload(job)
    assert (job.processed_rows, job.attempts) == (5, 2)
    assert Measurement.objects.count() == 5 and job.started_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_watchdog_skips_an_import_a_worker_is_writing(manager: Any, sent: list[Any]) -> None:
    """A chunk holds the import's row while it writes: whoever holds it is alive, however old the
    heartbeat (a slow chunk). The watchdog skips locked rows rather than wait for them."""
    job = started(manager)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    with psycopg.connect(**connection.get_connection_params()) as worker:
        worker.execute("SELECT 1 FROM kpis_measurementimport WHERE id = %s FOR UPDATE", [job.pk])
        assert imports.import_jobs_watch(now=timezone.now() + LATER) == {"requeued": 0, "failed": 0}
        worker.rollback()
    assert imports.import_jobs_watch(now=timezone.now() + LATER) == {"requeued": 1, "failed": 0}
    assert sent == [job.pk]


def test_a_running_import_that_stays_silent_fails_with_the_reason(manager: Any, sent: list[Any]) -> None:
    job = started(manager)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=3, processed_rows=1)
    assert imports.import_jobs_watch(now=timezone.now() + LATER) == {"requeued": 0, "failed": 1}
    job = reload(job)
    assert job.status == "failed"
    assert job.failure.startswith(f"The worker writing it stopped: no progress for {STALE.seconds // 60} minutes")


def test_the_watchdog_task_notes_its_run_for_the_status_page(manager: Any, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from apps.core.health import scheduled_runs

    assert watch_imports.run((timezone.now() + LATER).isoformat()) == {"requeued": 0, "failed": 0}
    [run] = [run for run in scheduled_runs() if run.task.name == "performance.watch_imports"]
    assert run.last_run is not None and not run.late
    entry = app.conf.beat_schedule["performance-watch-imports-every-minute"]
    assert entry["task"] == watch_imports.name == "performance.watch_imports"
    assert entry["schedule"] == crontab()  # every minute


# -- a redelivery after the worker died ----------------------------------------------------------------------
def test_a_redelivered_message_counts_as_an_attempt_and_a_worker_killer_ends_failed(manager: Any) -> None:
    job = started(manager)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    with mock.patch.object(imports, "import_rows_check", side_effect=MemoryError), pytest.raises(MemoryError):
        imports.import_job_run(import_id=job.pk, redelivered=True)  # the worker "dies" here
    assert reload(job).attempts == 2
    ImportJob.objects.filter(pk=job.pk).update(attempts=3)
    assert imports.import_job_run(import_id=job.pk, redelivered=True) == "failed"
    assert reload(job).failure.startswith("The worker writing it stopped 3 times")


def test_the_task_reads_the_redelivered_flag(manager: Any) -> None:
    job = started(manager)
    ImportJob.objects.filter(pk=job.pk).update(attempts=3)
    with task_request(delivery_info={"redelivered": True}):
        assert run_import.run(job.pk) == "failed"


def test_when_even_failing_it_needs_the_absent_database_the_watchdog_ends_it(
    manager: Any, caplog: pytest.LogCaptureFixture
) -> None:
    job = started(manager)
    down = OperationalError("server closed the connection unexpectedly")
    with (
        mock.patch("apps.performance.tasks.import_job_run", side_effect=down),
        mock.patch("apps.performance.tasks.import_job_fail", side_effect=down),
        pytest.raises(OperationalError),
        task_request(retries=3),  # the last retry
    ):
        run_import.run(job.pk)
    assert "could not be marked failed" in caplog.text
    assert reload(job).status == "queued"  # left for the watchdog, which ends it
    ImportJob.objects.filter(pk=job.pk).update(attempts=3)
    imports.import_jobs_watch(now=timezone.now() + LATER)
    assert reload(job).status == "failed"


def test_the_database_gone_past_the_retries_fails_it_with_a_readable_reason(manager: Any) -> None:
    job = started(manager)
    down = OperationalError("server closed the connection unexpectedly")
    with (
        mock.patch("apps.performance.tasks.import_job_run", side_effect=down),
        pytest.raises(OperationalError),
        task_request(retries=3),
    ):
        run_import.run(job.pk)
    job = reload(job)
    assert job.status == "failed"
    assert job.failure == (
        "The database could not be reached (4 tries). The rows processed so far are saved; retry it to write the rest."
    )


# -- retry ----------------------------------------------------------------------------------------------------
def test_retry_goes_on_after_the_rows_already_written(
    manager: Any, sent: list[Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    job = started(manager, rows=5)
    calls = 0
    upsert = measurement_imports.measurement_bulk_upsert

    def failing_second_chunk(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        return upsert(**kwargs)

    with (
        mock.patch.object(measurement_imports, "measurement_bulk_upsert", failing_second_chunk),
        pytest.raises(RuntimeError),
    ):
        run_import(job.pk)
    job = reload(job)
    assert (job.status, job.processed_rows, job.created_count) == ("failed", 2, 2)
    assert job.failure.startswith("An unexpected error stopped it (RuntimeError: disk on fire).")
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_retry(instance=job, actor=manager)
    assert sent == [job.pk]
    job = reload(job)
    assert (job.status, job.attempts, job.failure, job.finished_at) == ("queued", 1, "", None)
    assert run_import(job.pk) == "done"
    job = reload(job)
    assert (job.processed_rows, job.created_count, job.unchanged_count, job.error_count) == (5, 5, 0, 0)
    assert Measurement.objects.count() == 5


def test_only_the_uploader_or_an_admin_retries_and_only_a_failed_or_stale_import(
    manager: Any, sent: list[Any], user_with_role: Callable[[str], Any]
) -> None:
    job = started(manager)
    colleague = UserFactory(role=Role.ENGINEERING_MANAGER)
    with pytest.raises(ConflictError, match="once it has failed, or when no worker has started it for 10 minutes"):
        imports.import_job_retry(instance=job, actor=manager)
    imports.import_job_retry(instance=job, actor=manager, now=timezone.now() + LATER)  # stale queued
    ImportJob.objects.filter(pk=job.pk).update(status="failed")
    with pytest.raises(PermissionDeniedError):
        imports.import_job_retry(instance=job, actor=colleague)
    imports.import_job_retry(instance=job, actor=user_with_role(Role.ADMIN))
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    with pytest.raises(ConflictError, match="only a failed import can be retried"):
        imports.import_job_retry(instance=job, actor=manager)


def test_the_retry_button(manager: Any, sent: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    job = started(manager)
    ImportJob.objects.filter(pk=job.pk).update(status="failed", failure="The worker writing it stopped.")
    owner, colleague = Client(), Client()
    owner.force_login(manager)
    colleague.force_login(UserFactory(role=Role.ENGINEERING_MANAGER))
    html = owner.get(job.get_absolute_url()).content.decode()
    assert "The import stopped: The worker writing it stopped." in html and 'data-action="retry-import"' in html
    assert 'data-action="retry-import"' not in colleague.get(job.get_absolute_url()).content.decode()
    assert colleague.post(reverse("imports:retry", args=[job.pk])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(reverse("imports:retry", args=[job.pk]), follow=True)
    assert "Retrying the import of october.csv" in response.content.decode()
    assert sent == [job.pk] and reload(job).status == "queued"
    again = owner.post(reverse("imports:retry", args=[job.pk]), follow=True).content.decode()
    assert "it can be retried once it has failed" in again  # a 409 explained, not a 500


def test_a_stale_queued_import_says_so_and_offers_retry(manager: Any) -> None:
    job = started(manager)
    client = Client()
    client.force_login(manager)
    assert "data-stale" not in client.get(job.get_absolute_url()).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LATER, attempts=2)
    html = client.get(job.get_absolute_url()).content.decode()
    assert "No worker has started it since" in html and "attempt 2 of 3" in html
    assert 'data-action="retry-import"' in html


# -- the broker's visibility timeout ----------------------------------------------------------------------------
def _longest_countdown(task: Any) -> float:
    """The longest a retry of ``task`` waits, in seconds (Celery: ``factor × 2^retries``, capped)."""
    retries = task.max_retries or 1
    if task.name == run_import.name:  # it retries by hand: 5 s, doubling
        return float(5 * 2 ** (retries - 1))
    if not getattr(task, "autoretry_for", ()):
        return 0.0
    if not task.retry_backoff:
        return float(task.default_retry_delay)
    factor = 1 if task.retry_backoff is True else int(task.retry_backoff)
    return float(min(getattr(task, "retry_backoff_max", 600), factor * 2 ** (retries - 1)))  # Celery's default cap


def test_the_visibility_timeout_is_longer_than_any_retry_countdown() -> None:
    """Acknowledged late, a message a worker holds (a task's retry waits in the worker until its time)
    is handed to another worker once the visibility timeout has passed: were it shorter than a
    countdown, a healthy task would run twice. It is deliberate, not Redis's default hour."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout == app.conf.broker_transport_options["visibility_timeout"] == 30 * 60
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    app.loader.import_default_modules()  # every app's tasks module, as a worker loads them
    ours = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    longest = max(_longest_countdown(task) for task in ours)
    assert 0 < longest < timeout
    assert longest == 16 * 60  # an e-mail's last retry: the figure docs/operations.md gives
    assert timeout > settings.IMPORT_STALE_MINUTES * 60  # the watchdog acts first for imports
