"""Production settings: `check --deploy` is clean with the required variables, and a missing secret
is a readable refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k7Qv2pX9-rT4wZ1mN8bC6yH3jL5sD0fG-aE7uI2oP9qW4xV1nB6zM3",
    "DJANGO_ALLOWED_HOSTS": "governance.example.com",
    "DATABASE_URL": "postgres://app:secret@db.example.com:5432/vendor_governance",
    "REDIS_URL": "redis://redis.example.com:6379/0",
}


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean() -> None:
    result = run_manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_missing_secret_key_is_refused_readably() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr and "ImproperlyConfigured" in result.stderr


def test_missing_allowed_hosts_is_refused_readably() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr and "ImproperlyConfigured" in result.stderr


def test_production_refuses_demo_data() -> None:
    result = run_manage({**PRODUCTION, "DEMO_DATA_ALLOWED": "true"}, "seed_demo")
    assert result.returncode != 0
    assert "Demo data is disabled" in result.stderr


# An answer under the production settings, without a database or Redis: the API's refusal of an anonymous
# request, over HTTPS, with its headers as JSON.
HEADERS_SCRIPT = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/api/v1/", secure=True, HTTP_HOST="governance.example.com")
print(json.dumps({"status": response.status_code, **dict(response.headers)}))
"""


def test_production_answers_carry_the_strict_policy_headers() -> None:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", HEADERS_SCRIPT],
        cwd=ROOT,
        env={**base, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert headers["status"] == 401
    policy = {
        name: set(sources)
        for name, *sources in (part.split() for part in headers["Content-Security-Policy"].split(";"))
    }
    assert policy["script-src"] == {"'self'"} and policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}
    assert policy["base-uri"] == {"'self'"} and policy["form-action"] == {"'self'"}
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
