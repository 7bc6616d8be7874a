"""Redis stopped (a redis-server of the test's own: the cache and the Celery broker). The workspace keeps
working — sign-in, pages, the API's reads and writes —, readiness tells the truth (ready, Redis
degraded), and an import started meanwhile is not lost: it waits, queued, its owner may retry it, and
once Redis is back the watchdog (what beat sends every minute) sends it to a worker, which finishes it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.services import api_token_issue
from apps.performance.models import ImportJob, Measurement
from apps.performance.tasks import watch_imports
from tests.celery_worker import running_worker, wait_until
from tests.factories import ContractFactory, UserFactory
from tests.faults.servers import ThrowawayRedis, forget_broker_connections, publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.celery, pytest.mark.django_db(transaction=True)]
HEADER = "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
PASSWORD = "pass-word-123"  # the factories' password


@pytest.fixture
def own_redis(throwaway_redis: ThrowawayRedis, settings: Any) -> Iterator[ThrowawayRedis]:
    """The test process's cache, broker and readiness check on the throwaway Redis."""
    # publishing_to first: it remembers the broker URL to restore, which Celery may read lazily from
    # the settings (after they were changed, it would "restore" the throwaway Redis for later tests).
    with publishing_to(throwaway_redis.url):
        settings.REDIS_URL = settings.CELERY_BROKER_URL = throwaway_redis.url
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": throwaway_redis.url}}
        yield throwaway_redis


def test_with_redis_stopped_the_workspace_works_and_an_import_started_meanwhile_ends(
    own_redis: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    manager = UserFactory(username="redis-down-manager", role=Role.ENGINEERING_MANAGER)
    contract = ContractFactory(reference="MSA-7", vendor__engineering_owner=manager)
    key = api_token_issue(
        user=manager, name="integration", scopes=["read", "measurements:write"], expires_in_days=1
    ).key
    admin = Client()
    admin.force_login(UserFactory(role=Role.ADMIN))
    own_redis.stop()

    # Sign-in, pages, the API: all work without Redis.
    browser = Client()
    signed_in = browser.post(reverse("login"), {"login": manager.username, "password": PASSWORD})
    assert signed_in.status_code == 302 and browser.session.get("_auth_user_id") == str(manager.pk)
    for page in ("/", reverse("vendors:vendor-list"), contract.get_absolute_url(), reverse("imports:list")):
        assert browser.get(page).status_code == 200, page
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/vendors/").status_code == 200
    measurement = {
        "contract": contract.pk,
        "kpi": "sprint_velocity",
        "period_start": "2026-09-01",
        "period_end": "2026-09-14",
        "value": "40",
    }
    written = api.post("/api/v1/measurements/", measurement, content_type="application/json")
    assert written.status_code == 201, written.content
    assert api.get(f"/api/v1/measurements/{written.json()['id']}/").status_code == 200

    # Readiness: ready (the database answers), Redis reported as degraded; the admins see it too.
    ready = browser.get("/readyz")
    assert ready.status_code == 200 and ready.json()["degraded"] == ["redis"]
    assert 'data-degraded="redis"' in admin.get(reverse("system-status")).content.decode()

    # An import started meanwhile: its enqueue is lost (logged), the import waits, queued.
    lines = "".join(f"MSA-7,sprint_velocity,2026-10-01,2026-10-{day:02d},40,,,\n" for day in range(1, 6))
    with caplog.at_level(logging.WARNING, logger="apps.core.tasks"):
        uploaded = browser.post(
            reverse("imports:create"),
            {
                "register": "measurements",
                "file": SimpleUploadedFile("october.csv", (HEADER + lines).encode(), "text/csv"),
            },
        )
        job = ImportJob.objects.get(pk=re.findall(r"\d+", uploaded["Location"])[-1])
        started = browser.post(reverse("imports:start", args=[job.pk]), follow=True)
    assert started.status_code == 200 and "waiting for a worker" in started.content.decode()
    assert "Could not enqueue imports.run" in caplog.text
    # Ten minutes on, its owner is offered Retry; retrying with Redis still down loses nothing either.
    stale = timezone.now() - dt.timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale, queued_at=stale)
    assert 'data-action="retry-import"' in browser.get(job.get_absolute_url()).content.decode()
    retried = browser.post(reverse("imports:retry", args=[job.pk]), follow=True)
    assert "Retrying the import of october.csv" in retried.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == "queued"

    # Redis is back: readiness says so, and the watchdog's catch-up gets the import done.
    own_redis.start()
    forget_broker_connections()  # the pools still hold the connections Redis dropped
    assert browser.get("/readyz").json() == {"status": "ok", "database": True, "redis": True, "degraded": []}
    with running_worker():
        watch_imports.delay((timezone.now() + dt.timedelta(minutes=11)).isoformat())  # what beat sends
        assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).status in ("done", "failed"))
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.failure
    assert (job.processed_rows, job.created_count) == (5, 5)
    assert Measurement.objects.filter(contract=contract, source="import").count() == 5
