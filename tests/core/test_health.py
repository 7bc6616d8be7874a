"""/healthz (liveness: the database) and /readyz (readiness: the database and Redis). Both answer
without signing in, are never cached, and are exempt from the HTTPS redirect (tests/test_deploy_check.py
runs the production settings)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections
from django.test import Client, override_settings

from config.embedded import free_loopback_port

pytestmark = pytest.mark.django_db


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
    assert response.json() == {"status": "ok", "database": True, "redis": True}


def test_readyz_is_503_when_redis_is_down() -> None:
    with override_settings(REDIS_URL=dead_redis_url()):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "redis": False}


def test_health_endpoints_only_answer_get() -> None:
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/readyz").status_code == 405


def test_favicon_redirects_to_the_static_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
