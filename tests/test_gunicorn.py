"""config/gunicorn.conf.py, loaded the way the image runs it: gunicorn's own command line and config
loader (which silently ignores names it does not know, so every name here is checked to be a gunicorn
setting), the defaults, the environment overrides and their bounds."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "gunicorn.conf.py"
# The command the Dockerfile and docker-compose run (tests/test_compose.py checks they do).
COMMAND = ["gunicorn", "--config=config/gunicorn.conf.py", "config.wsgi:application"]
VARIABLES = (
    "WEB_CONCURRENCY",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_CMD_ARGS",
)


@pytest.fixture
def gunicorn_config(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Load the configuration through gunicorn's command line, from the project folder."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)

    def load() -> Any:
        monkeypatch.setattr(sys, "argv", COMMAND)
        application = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
        assert application.app_uri == "config.wsgi:application"
        return application.cfg

    return load


def test_every_name_in_the_config_is_a_gunicorn_setting(gunicorn_config: Any) -> None:
    loaded = runpy.run_path(str(CONFIG))
    names = {name for name, value in loaded.items() if not name.startswith("_") and name.islower()}
    names -= {"os", "annotations"}  # the module's imports
    assert names - set(gunicorn_config().settings) == set()
    assert {"workers", "timeout", "graceful_timeout", "keepalive", "max_requests", "max_requests_jitter"} <= names


def test_defaults(gunicorn_config: Any) -> None:
    config = gunicorn_config()
    assert config.worker_class_str == "sync"
    assert 1 <= config.workers <= 8
    assert (config.timeout, config.graceful_timeout) == (60, 30)
    assert config.graceful_timeout < config.timeout
    assert (config.max_requests, config.max_requests_jitter) == (1000, 100)
    assert config.keepalive == 75
    assert config.bind == ["0.0.0.0:8000"]
    assert (config.accesslog, config.errorlog) == ("-", "-")


def test_the_environment_overrides_the_numbers(gunicorn_config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "120")
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "0")
    config = gunicorn_config()
    assert (config.workers, config.timeout, config.graceful_timeout) == (3, 120, 45)
    assert (config.max_requests, config.max_requests_jitter) == (0, 0)


@pytest.mark.parametrize(("name", "value"), [("WEB_CONCURRENCY", "many"), ("GUNICORN_TIMEOUT", "5")])
def test_a_bad_value_is_refused_naming_the_variable(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        runpy.run_path(str(CONFIG))
