"""What the web process needs, and what it can do without for a while: the checks behind ``/healthz``,
``/readyz`` and the admins' status page (``/status/``).

The web process needs **the database**: without it nothing answers, so readiness is the database.
**Redis** (the cache and the Celery broker) it can do without for a while: pages, the API, sign-in and
writes keep working (a task that cannot be enqueued is caught up later, the cache is computed instead),
so Redis being down is reported as *degraded*, never as not ready — a readiness probe that failed on it
would take every web replica out of rotation at once. **Scheduled work** (beat and the workers) reports
that it ran (``scheduled_run_record``), and the apps that keep background work in the database register
a summary of it (``register_job_summary``): both are shown to admins, not to probes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# A probe must answer quickly even when Redis does not (a host that drops packets): wait at most this.
REDIS_CHECK_TIMEOUT_SECONDS = 0.5


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def redis_ok(url: str) -> bool:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_CHECK_TIMEOUT_SECONDS, socket_timeout=REDIS_CHECK_TIMEOUT_SECONDS
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def dependency_checks() -> dict[str, bool]:
    """The services the web process can do without for a while: ``redis`` (the cache, and the broker
    unless ``CELERY_BROKER_URL`` names another one: then ``broker`` too)."""
    checks = {"redis": redis_ok(settings.REDIS_URL)}
    broker = settings.CELERY_BROKER_URL
    if broker and broker != settings.REDIS_URL and broker.startswith(("redis://", "rediss://")):
        checks["broker"] = redis_ok(broker)
    return checks


def degraded(checks: dict[str, bool]) -> list[str]:
    return [name for name, ok in checks.items() if not ok]


# -- scheduled work reports that it ran ---------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduledTask:
    name: str  # the Celery task's name
    every: timedelta  # how often beat sends it
    what: str


@dataclass(frozen=True)
class ScheduledRun:
    task: ScheduledTask
    last_run: datetime | None
    late: bool  # never seen, or not for three of its periods: beat or every worker may be down


_SCHEDULED: dict[str, ScheduledTask] = {}


def register_scheduled_task(name: str, *, every: timedelta, what: str) -> None:
    """A task beat sends often enough that its last run says beat and the workers are alive."""
    _SCHEDULED[name] = ScheduledTask(name=name, every=every, what=what)


def _run_key(name: str) -> str:
    return f"health:last-run:{name}"


def scheduled_run_record(name: str, *, at: datetime | None = None) -> None:
    """Note that ``name`` ran (in the cache: with Redis down there is nothing to run it anyway)."""
    try:
        cache.set(_run_key(name), (at or timezone.now()).isoformat(), timeout=None)
    except Exception:  # noqa: BLE001 - a health note must never fail the task that writes it
        logger.warning("Could not note that %s ran: the cache did not answer.", name)


def scheduled_runs(*, now: datetime | None = None) -> list[ScheduledRun]:
    now = now or timezone.now()
    runs = []
    for task in _SCHEDULED.values():
        try:
            seen = cache.get(_run_key(task.name))
        except Exception:  # noqa: BLE001 - Redis down: unknown, shown as never seen
            seen = None
        last_run = datetime.fromisoformat(seen) if seen else None
        runs.append(
            ScheduledRun(task=task, last_run=last_run, late=last_run is None or last_run < now - 3 * task.every)
        )
    return runs


# -- background work kept in the database, summarised by the apps that own it --------------------------------
@dataclass(frozen=True)
class JobSummary:
    label: str
    url: str
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"queued": 2, "running": 1}
    attention: dict[str, int] = field(default_factory=dict)  # what an admin should look at, e.g. {"failed": 1}


_JOB_SUMMARIES: list[Callable[[], JobSummary]] = []


def register_job_summary(summary: Callable[[], JobSummary]) -> None:
    if summary not in _JOB_SUMMARIES:
        _JOB_SUMMARIES.append(summary)


def job_summaries() -> list[JobSummary]:
    return [summary() for summary in _JOB_SUMMARIES]
