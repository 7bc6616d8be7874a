"""docker-compose.yml, the Dockerfile and .env.example. There is no Docker engine here, so the files
are parsed and checked: the services, their commands, exactly one beat, the shared app definition,
healthchecks, the PostgreSQL major version, and that .env.example documents exactly what is read."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from config.embedded import POSTGRES_MAJOR_VERSION

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "mailpit", "web", "worker", "beat")
# In .env.example but read by something other than the settings modules.
NOT_READ_BY_SETTINGS = {
    "DJANGO_SETTINGS_MODULE",  # manage.py, wsgi.py, celery.py choose the settings module with it
    "POSTGRES_PASSWORD",  # docker-compose's postgres service
    "KEYCLOAK_ADMIN_PASSWORD",  # docker-compose's optional keycloak service (tests/accounts/sso/test_keycloak_realm.py)
}


@pytest.fixture(scope="module")
def compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text()
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.M))


def command(service: dict[str, Any]) -> str:
    value = service.get("command", [])
    return value if isinstance(value, str) else " ".join(value)


def test_services(services: dict[str, Any]) -> None:
    # Services of an optional profile (keycloak) start only when asked for.
    assert {name for name, service in services.items() if not service.get("profiles")} == {
        "postgres",
        "redis",
        "mailpit",
        *APP_SERVICES,
    }
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


def test_postgres_matches_the_embedded_major_version(services: dict[str, Any]) -> None:
    assert services["postgres"]["image"] == f"postgres:{POSTGRES_MAJOR_VERSION}"
    assert services["redis"]["image"] == "redis:7"


def test_app_services_share_one_definition(compose: dict[str, Any], compose_text: str) -> None:
    shared = compose["x-app"]
    assert re.search(r"^x-app: &app$", compose_text, re.M)
    for name in APP_SERVICES:
        block = re.search(rf"^  {name}:\n((?:    .*\n|\n)*)", compose_text, re.M)
        assert block and "    <<: *app\n" in block.group(1), f"{name} does not merge the shared definition"
        service = compose["services"][name]
        for key in ("build", "image", "env_file", "environment"):
            assert service[key] == shared[key], (name, key)
    assert shared["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert shared["env_file"] == ".env"


def test_commands(services: dict[str, Any]) -> None:
    # Workers, timeouts and logging come from the config file (tests/test_gunicorn.py loads it).
    assert command(services["web"]) == "gunicorn --config=config/gunicorn.conf.py config.wsgi:application"
    # docker-compose waits longer than gunicorn's graceful timeout before it kills the web service.
    assert int(services["web"]["stop_grace_period"].removesuffix("s")) > 30
    assert command(services["worker"]).startswith("celery -A config.celery worker")
    assert command(services["beat"]).startswith("celery -A config.celery beat")
    assert command(services["migrate"]) == "python manage.py migrate --noinput"


def test_migrations_run_before_the_app_starts(services: dict[str, Any]) -> None:
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    for dependency in ("postgres", "redis"):
        assert services["migrate"]["depends_on"][dependency] == {"condition": "service_healthy"}


def test_exactly_one_beat(services: dict[str, Any]) -> None:
    beats = [name for name, service in services.items() if re.search(r"\bbeat\b|(^|\s)-B\b", command(service))]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "--beat" not in command(services["worker"])


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        healthcheck = services[name].get("healthcheck", {})
        assert not healthcheck.get("disable") and healthcheck.get("test"), name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    # The worker answers the ping under the node name its healthcheck asks for.
    assert "--hostname=worker@%h" in command(services["worker"])
    assert "worker@$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])  # $$: compose's escape


def test_web_healthcheck_script_is_valid_python(services: dict[str, Any]) -> None:
    test = services["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "<healthcheck>", "exec")
    assert "DJANGO_ALLOWED_HOSTS" in test[3], "Host header: production rejects 127.0.0.1 otherwise"


def test_env_example_matches_what_settings_read(env_example: dict[str, str]) -> None:
    settings_text = "".join(path.read_text() for path in (ROOT / "config" / "settings").glob("*.py"))
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', settings_text))
    # ... and by gunicorn's config file (its _env_int).
    read |= set(re.findall(r'_env_int\(\s*"([A-Z][A-Z0-9_]*)"', (ROOT / "config" / "gunicorn.conf.py").read_text()))
    documented = set(env_example)
    assert read - documented == set(), "read by the settings but not in .env.example"
    assert documented - read - NOT_READ_BY_SETTINGS == set(), "in .env.example but never read"


def test_compose_variables_are_documented(compose_text: str, env_example: dict[str, str]) -> None:
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", compose_text))
    assert interpolated - set(env_example) == set()


def test_env_example_fits_the_compose_services(env_example: dict[str, str]) -> None:
    database = urlsplit(env_example["DATABASE_URL"])
    assert (database.hostname, database.port, database.path) == ("postgres", 5432, "/vendor_governance")
    assert database.password == env_example["POSTGRES_PASSWORD"]
    assert urlsplit(env_example["REDIS_URL"]).hostname == "redis"
    assert (env_example["EMAIL_HOST"], env_example["EMAIL_PORT"]) == ("mailpit", "1025")
    assert env_example["DJANGO_SECRET_KEY"] == "", "never ship a secret, not even an example one"


def test_dockerfile() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith((" ", "#"))]
    assert instructions[0] == "FROM python:3.11-slim"
    assert "RUN pip install ." in instructions
    assert re.search(r"collectstatic --noinput", dockerfile)
    user = [line for line in instructions if line.startswith("USER ")]
    assert user and user[-1] != "USER root"
    assert instructions[-1] == 'CMD ["gunicorn", "--config=config/gunicorn.conf.py", "config.wsgi:application"]'
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def test_importing_config_chooses_no_settings_module() -> None:
    """`python -m config.embedded -- pytest` must not hand its child a settings module."""
    code = "import os, config, config.embedded; print(os.environ.get('DJANGO_SETTINGS_MODULE', 'unset'))"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "unset"
