"""/healthz (liveness: the database) and /readyz (readiness: the database; Redis reported, and listed as
degraded when it does not answer, never a 503: the web process serves without it). Both answer without
signing in, are never cached, and are exempt from the HTTPS redirect (tests/test_deploy_check.py runs
the production settings). The admins' status page shows the same checks, the scheduled work's last run
and the background jobs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections
from django.test import Client, override_settings

from apps.accounts.choices import Role
from apps.core.health import scheduled_run_record
from config.embedded import free_loopback_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    """The scheduled runs are noted in the cache: a cache of this test's own, empty at its start."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{free_loopback_port()}/0"  # nothing listens there


def test_healthz_answers_without_sign_in() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}


def test_healthz_does_not_need_redis() -> None:
    with override_settings(REDIS_URL=dead_redis_url()):
        response = Client().get("/healthz")
    assert response.status_code == 200


def test_readyz_reports_the_database_and_redis() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "redis": True, "degraded": []}


def test_readyz_stays_ready_with_redis_down_and_says_it_is_degraded() -> None:
    """Pages, the API, sign-in and writes work without Redis: a 503 here would take every web replica
    out of rotation for nothing (tests/faults/test_redis_down.py proves the rest on a real Redis)."""
    with override_settings(REDIS_URL=dead_redis_url(), CELERY_BROKER_URL=""):
        response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "redis": False, "degraded": ["redis"]}


def test_readyz_reports_a_separate_broker(settings: Any) -> None:
    settings.CELERY_BROKER_URL = dead_redis_url()
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "redis": True,
        "broker": False,
        "degraded": ["broker"],
    }


def test_readyz_is_503_only_when_the_database_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and response.json()["database"] is False


def test_the_status_page_is_for_admins(user_with_role: Any) -> None:
    assert Client().get("/status/").status_code == 302  # to the sign-in page
    manager = Client()
    manager.force_login(user_with_role(Role.ENGINEERING_MANAGER))
    assert manager.get("/status/").status_code == 403
    admin = Client()
    admin.force_login(user_with_role(Role.ADMIN))
    page = admin.get("/status/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-check="database"' in html and 'data-check="redis"' in html and "data-degraded" not in html
    assert "performance.watch_imports" in html and "never seen" in html  # no beat in the tests
    assert 'data-jobs="Imports"' in html
    assert "System status" in admin.get("/").content.decode()  # in the admin's menu
    assert "System status" not in manager.get("/").content.decode()


def test_the_status_page_shows_redis_down_and_the_watchdogs_last_run(user_with_role: Any) -> None:
    scheduled_run_record("performance.watch_imports")
    scheduled_run_record("telemetry.process_pending")
    scheduled_run_record("notifications.send_due_webhooks")
    admin = Client()
    admin.force_login(user_with_role(Role.ADMIN))
    html = admin.get("/status/").content.decode()
    assert "never seen" not in html and "late:" not in html
    with override_settings(REDIS_URL=dead_redis_url(), CELERY_BROKER_URL=""):
        html = admin.get("/status/").content.decode()
    assert 'data-degraded="redis"' in html and "not answering" in html


def test_health_endpoints_only_answer_get() -> None:
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/readyz").status_code == 405


def test_favicon_redirects_to_the_static_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
