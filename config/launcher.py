"""`make run`: one command that sets up and serves the whole app locally.

Starts the embedded PostgreSQL and Redis (data in ``var/``) for whichever of ``DATABASE_URL`` /
``REDIS_URL`` is not set, migrates, loads the demo data and evaluates its SLAs, then runs the web server, one Celery worker
and exactly one Celery beat. Ctrl-C (or SIGTERM / SIGHUP) stops every process it started; when any
of them dies, the rest are stopped too and the launcher fails.

A second start is quick and writes nothing anyone could have changed: the set-up runs in one process
(one Django start-up), the demo data is loaded only into a database that never had it
(``manage.py seed_demo``: added once, never rewritten), and the SLA sweep runs at start only right
after that load (beat runs it hourly, and catches up on a missed hour when it starts).

Environment: ``PORT`` (default 8000), ``VG_DATA_DIR`` (default ``var/``), ``VG_SEED_DEMO=0`` to skip
loading the demo data.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO

from apps.demo.demo_data import DEMO_PASSWORD, USERS
from config.embedded import EmbeddedServices

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PORT = 8000
STOP_GRACE_SECONDS = 10
SERVE_TIMEOUT_SECONDS = 60
LOCK_FILE = "launcher.lock"
# How the launcher runs its own set-up step as a child process.
SET_UP_FLAG = "--set-up"
SEED_FLAG = "--seed-demo"


class Interrupted(Exception):
    """A stop signal arrived while the launcher was still setting up."""


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a socket of the previous run in TIME_WAIT is no reason to refuse; a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_from_environment(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    raw = environ.get("PORT") or str(DEFAULT_PORT)
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise SystemExit(f"PORT must be a TCP port number (1-65535), not {raw!r}.")
    return port


def _pump(name: str, stream: IO[bytes]) -> None:
    """Copy a child's output to ours, each line prefixed with the child's name."""
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>6} | {raw.decode(errors='replace')}")
        sys.stdout.flush()


class Launcher:
    def __init__(self, data_dir: Path, port: int, seed_demo: bool) -> None:
        self.data_dir = data_dir
        self.port = port
        self.seed_demo = seed_demo
        self.services = EmbeddedServices(data_dir)
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.began = False  # services or children may have been started: stop() has work to do
        self._lock: IO[str] | None = None

    def env(self, added: dict[str, str]) -> dict[str, str]:
        # Links in e-mails and webhooks point at the port actually served, unless SITE_URL is set.
        site = {"SITE_URL": f"http://localhost:{self.port}"}
        return {
            **site,
            **os.environ,
            **added,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "PYTHONUNBUFFERED": "1",
        }

    def check_not_stopping(self) -> None:
        if self.stopping:
            raise Interrupted

    def lock_data_dir(self) -> None:
        """One launcher per data folder: a second one would start a second beat (every reminder sent
        twice) on the same embedded database."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = open(self.data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held open for the launcher's lifetime
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock, as before
            pass
        except OSError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            lock.close()
            raise SystemExit(
                f"Another `make run` (pid {holder}) is already using {self.data_dir}. Stop it first (Ctrl-C), "
                "or give this one its own folder: VG_DATA_DIR=/some/where make run"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock

    def set_up(self, env: dict[str, str]) -> None:
        """Migrate and load the demo data, in one child process (``set_up`` below)."""
        self.check_not_stopping()
        command = [PYTHON, "-m", "config.launcher", SET_UP_FLAG, *([SEED_FLAG] if self.seed_demo else [])]
        # Same process group as ours: a Ctrl-C during set-up reaches the command too.
        subprocess.run(command, cwd=BASE_DIR, env=env, check=True)
        self.check_not_stopping()

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.check_not_stopping()
        child = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it (and its children) ourselves
        )
        assert child.stdout is not None
        threading.Thread(target=_pump, args=(name, child.stdout), daemon=True).start()
        self.children[name] = child

    def start(self) -> dict[str, str]:
        if not port_is_free(self.port):
            raise SystemExit(
                f"Port {self.port} on 127.0.0.1 is already in use. Stop what uses it, or choose another: "
                f"PORT={self.port + 1} make run"
            )
        self.lock_data_dir()
        started = time.monotonic()
        self.began = True
        if (BASE_DIR / ".env").exists():
            print(f"Note: the settings read {BASE_DIR / '.env'}; its values apply to this run too.", flush=True)
        added = self.services.start()
        for name, url in added.items():
            print(f"Embedded {'PostgreSQL' if name == 'DATABASE_URL' else 'Redis'} started ({url}).", flush=True)
        for name in ("DATABASE_URL", "REDIS_URL"):
            if name not in added:
                print(f"Using {name} from the environment; nothing embedded started for it.", flush=True)
        env = self.env(added)
        set_up_began = time.monotonic()
        self.set_up(env)
        print(f"Set-up done in {time.monotonic() - set_up_began:.1f} s.", flush=True)
        schedule = self.data_dir / "celerybeat-schedule"
        self.spawn("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"], env)
        # The worker and beat start once the web answers: on a small machine their start-up would
        # otherwise compete with the web server's for the same cores (tasks queued meanwhile wait in Redis).
        self.wait_until_serving()
        ready = time.monotonic() - started
        celery = [PYTHON, "-m", "celery", "-A", "config.celery"]
        # The solo pool: one task at a time in the worker process itself, light on a laptop.
        self.spawn("worker", [*celery, "worker", "--loglevel=INFO", "--pool=solo", "--hostname=worker@%h"], env)
        self.spawn("beat", [*celery, "beat", "--loglevel=INFO", f"--schedule={schedule}"], env)
        print(self.banner(ready, added), flush=True)
        return env

    def wait_until_serving(self, timeout: float = SERVE_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_not_stopping()
            if self.children["web"].poll() is not None:
                raise SystemExit("The web server exited at start; see its output above.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"The web server did not answer on port {self.port} within {timeout:.0f} seconds.")

    def banner(self, seconds: float, embedded: dict[str, str]) -> str:
        address = f"http://127.0.0.1:{self.port}/"
        lines = [
            "",
            "=" * 78,
            f"  Vendor Governance is running at {address}   (ready in {seconds:.1f} s)",
            f"  Sign in: {address}accounts/login/   API docs: {address}api/docs/   Admin: {address}admin/",
        ]
        if self.seed_demo:
            lines.append(f"  Demo sign-ins, all with the password {DEMO_PASSWORD}:")
            lines += [f"    {username:<12} {role.replace('_', ' ')}" for username, _first, _last, role in USERS]
        else:
            lines.append("  Demo data not loaded (VG_SEED_DEMO=0).")
        if embedded:
            exports = " ".join(f"{name}='{url}'" for name, url in embedded.items())
            lines += [
                "  manage.py against these servers, from another terminal, e.g. an API token:",
                f"    export {exports}",
                "    .venv/bin/python manage.py create_api_token cto --expires-days 30",
            ]
        lines += [
            f"  Data: {self.data_dir}   Processes: web, one Celery worker, one Celery beat.",
            "  Press Ctrl-C to stop everything.",
            "=" * 78,
            "",
        ]
        return "\n".join(lines)

    def watch(self) -> int:
        """Wait until a stop signal, or until a child dies (then stop the rest and fail)."""
        while not self.stopping:
            for name, child in self.children.items():
                if child.poll() is not None:
                    print(f"{name} exited with code {child.returncode}; stopping everything.", flush=True)
                    return 1
            time.sleep(0.3)
        return 0

    def stop(self) -> None:
        """SIGTERM every child's process group, SIGKILL what is left after the grace period, then stop
        the embedded services (last: the children need them to shut down cleanly)."""
        for child in self.children.values():
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)  # whatever is left of its process group
            child.wait()
        self.services.stop()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None


def set_up(seed_demo: bool) -> int:
    """The set-up before the servers start, in this one process: apply the migrations, and (with
    ``seed_demo``) load the demo data. The demo opens with its SLA breaches already found and the day's
    reminders sent (roster findings, reviews due, certificates expiring…), so the sweep and the reminders
    run right after the demo is loaded; on a later start the data is people's, and both are beat's job
    (the sweep hourly, and at once when an hour was missed while nothing ran; the reminders daily)."""
    import django

    django.setup()
    from django.core.management import CommandError, call_command

    from apps.demo.management.commands.seed_demo import demo_loaded_on  # imports models: after django.setup()

    try:
        call_command("migrate", interactive=False, verbosity=0)
        if seed_demo:
            before = demo_loaded_on()
            call_command("seed_demo")
            if before is None and demo_loaded_on() is not None:  # loaded just now
                call_command("evaluate_slas")
                call_command("send_reminders")
    except CommandError as exc:
        print(f"CommandError: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


def main() -> int:
    launcher: Launcher | None = None

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if launcher is not None:
            launcher.stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, request_stop)
    code = 1
    try:
        data_dir = Path(os.environ.get("VG_DATA_DIR") or BASE_DIR / "var").resolve()
        launcher = Launcher(
            data_dir, port_from_environment(), seed_demo=os.environ.get("VG_SEED_DEMO", "1").strip() != "0"
        )
        launcher.start()
        code = launcher.watch()
    except Interrupted:
        code = 0
    except subprocess.CalledProcessError as exc:
        if launcher is not None and launcher.stopping:
            code = 0  # the Ctrl-C reached the set-up command too
        else:
            print(f"Set-up step failed: {' '.join(map(str, exc.cmd))} (exit {exc.returncode}).", flush=True)
            code = 1
    except SystemExit as exc:
        if not isinstance(exc.code, int):
            print(exc, file=sys.stderr, flush=True)
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        if launcher is not None and launcher.began:
            print("Stopping…", flush=True)
            launcher.stop()
            print("Stopped.", flush=True)
        elif launcher is not None:
            launcher.stop()  # releases the data folder's lock
    return code


if __name__ == "__main__":
    if SET_UP_FLAG in sys.argv[1:]:
        sys.exit(set_up(seed_demo=SEED_FLAG in sys.argv[1:]))
    sys.exit(main())
