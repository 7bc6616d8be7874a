"""Real servers a fault test owns, so stopping, killing or restarting them disturbs no other test running
in parallel: a throwaway redis-server and PostgreSQL (``config.embedded``), Celery workers and a
gunicorn web server as subprocesses, and the test process's own Celery publisher pointed at the
throwaway Redis. Every wait is for a condition, under the suite's generous ceiling."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.db import connection
from kombu import pools

from config.celery import app
from config.embedded import EmbeddedServices, free_loopback_port
from tests.celery_worker import WAIT_CEILING_SECONDS, wait_until

ROOT = Path(__file__).resolve().parents[2]
# What a subprocess must not inherit from the test process: they get their own URLs and settings.
OWN_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")


class ThrowawayRedis:
    """A redis-server of this test's own, without persistence; stopped and started again on the same
    port (its URL stays valid), and stopped for good at the end."""

    def __init__(self, folder: Path) -> None:
        self._services = EmbeddedServices(folder, persist_redis=False)
        self.url = self.start()

    def start(self) -> str:
        return self._services.start({"DATABASE_URL": "not started"})["REDIS_URL"]

    def stop(self) -> None:
        self._services.stop()


class ThrowawayPostgres:
    """A PostgreSQL of this test's own (the embedded server), stopped (``pg_ctl stop``: every
    connection is cut) and started again under the same socket."""

    def __init__(self, database: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="vg-fault-postgres-"))
        self._services = EmbeddedServices(self.folder, database=database, throwaway=True)
        self.url = self._services.start({"REDIS_URL": "not started"})["DATABASE_URL"]
        self._server: Any = self._services._postgres
        self.bin = Path(self._server.bin_path)  # its pg_dump, pg_restore
        self.socket_dir = str(self._server.get_postmaster_info().socket_dir)

    def stop(self) -> None:
        self._server.stop()

    def start(self) -> None:
        self._server.start()

    def close(self) -> None:
        self._services.stop()
        atexit.unregister(self._server._cleanup)  # stopped already; at exit it would only log, too late
        shutil.rmtree(self.folder, ignore_errors=True)


def tests_database_url(**options: str) -> str:
    """The URL of the test process's own test database, for a subprocess (``options``: e.g. its
    ``application_name``, to tell its connections apart in ``pg_stat_activity``)."""
    params = connection.settings_dict
    user = quote(str(params["USER"] or ""), safe="")
    password = f":{quote(str(params['PASSWORD']), safe='')}" if params["PASSWORD"] else ""
    host = quote(str(params["HOST"] or ""), safe="")
    port = f":{params['PORT']}" if params["PORT"] else ""
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}{query}"


def forget_broker_connections() -> None:
    """kombu keeps global connection and producer pools: rebuild them from the current broker URL."""
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """The test process's Celery app publishes to (and an in-thread worker reads from) ``url``."""
    original = app.conf.broker_url
    app.conf.broker_url = url
    forget_broker_connections()
    try:
        yield
    finally:
        app.conf.broker_url = original
        forget_broker_connections()


class Subprocess:
    """A child process in its own process group (a kill reaches all of it), its output in a file (a
    pipe nobody reads could fill and block it)."""

    def __init__(self, command: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log = log
        base = {name: value for name, value in os.environ.items() if name not in OWN_VARIABLES}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env={**base, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str) -> None:
        if not wait_until(lambda: text in self.output() or self.process.poll() is not None):
            raise AssertionError(f"{text!r} never appeared:\n{self.output()}")
        if text not in self.output():
            raise AssertionError(f"exited {self.process.returncode} before {text!r}:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(WAIT_CEILING_SECONDS)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(WAIT_CEILING_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


class CeleryWorker(Subprocess):
    """``celery worker`` (solo pool: the worker is one process), on the throwaway Redis, writing to the
    test database as ``name`` (its ``application_name``), with the fault tests' settings."""

    def __init__(self, name: str, *, redis_url: str, log_dir: Path) -> None:
        self.name = name
        command = [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "--pool=solo"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"]
        command += [f"--hostname={name}@%h"]
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "DATABASE_URL": tests_database_url(application_name=name),
            "REDIS_URL": redis_url,
        }
        super().__init__(command, env, log_dir / f"{name}.log")

    def wait_until_ready(self) -> None:
        self.wait_for_output(" ready.")


class WebServer(Subprocess):
    """gunicorn serving the app (one sync worker: one process, whose kept database connection a
    restart of PostgreSQL breaks) against ``database_url``."""

    def __init__(self, *, database_url: str, redis_url: str, log_dir: Path) -> None:
        self.port = free_loopback_port()
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{self.port}"]
        command += ["--workers=1", "--threads=1", "--timeout=120", "--graceful-timeout=5", "--access-logfile=-"]
        env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        super().__init__(command, env, log_dir / "gunicorn.log")

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> int:
        """The status of ``GET path``; a request that hangs fails at the ceiling."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=WAIT_CEILING_SECONDS) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def wait_until_serving(self) -> None:
        def answers() -> bool:
            try:
                return self.get("/healthz") == 200
            except OSError:
                return self.process.poll() is not None

        if not wait_until(answers) or self.process.poll() is not None:
            raise AssertionError(f"gunicorn never answered:\n{self.output()}")
