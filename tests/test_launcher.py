"""`make run`'s launcher (`python -m config.launcher`), as `make run` starts it: embedded PostgreSQL
and Redis in a data folder, the web server, one Celery worker and one beat; Ctrl-C stops every
process it started; a child that dies stops the rest and fails the launcher; a second start loads
no demo data again and says how long it took to be ready."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psutil
import pytest

from config import launcher
from config.embedded import free_loopback_port

ROOT = Path(__file__).resolve().parent.parent
# Ceilings, not targets: each wait ends as soon as the page answers. Generous, because a busy 2-core machine
# running the suite in four processes starts Django, PostgreSQL and Redis several times slower than a quiet one.
SERVE_DEADLINE_SECONDS = 300
# Ceilings for a process to exit and its children to go: each wait ends as soon as the condition holds.
EXIT_CEILING_SECONDS = 120
# A first start in a new folder runs every migration (and, with the demo, loads it): slower, the more so
# on a busy machine.
FIRST_START_DEADLINE_SECONDS = 600
READY = re.compile(r"running at http://127\.0\.0\.1:\d+/ +\(ready in \d+\.\d s\)")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module: the second start finds an initialised database, like a second
    `make run`."""
    return tmp_path_factory.mktemp("launcher") / "var"


class Run:
    """A launcher subprocess with its output in a file (a pipe nobody reads could fill and block it)."""

    def __init__(self, data_dir: Path, log: Path, port: int | None = None, seed_demo: bool = False) -> None:
        self.port = port or free_loopback_port()
        self.log = log
        # The URLs unset: the launcher starts embedded servers, exactly what `make run` does.
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        }
        env |= {"PORT": str(self.port), "VG_DATA_DIR": str(data_dir), "VG_SEED_DEMO": "1" if seed_demo else "0"}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.launcher"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_sign_in_page(self, deadline_seconds: float = SERVE_DEADLINE_SECONDS) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=2) as response:
                    assert response.status == 200
                    return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"the sign-in page never answered (exit {self.process.poll()}):\n{self.output()}")

    def wait_for_output(self, text: str, timeout: float = EXIT_CEILING_SECONDS) -> str:
        """The launcher prints its banner once it sees the port open, which may be a moment after the
        test's own request got an answer."""
        deadline = time.monotonic() + timeout
        while text not in (output := self.output()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return output

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.stop()


def settled(condition: Callable[[], bool], ceiling: float = EXIT_CEILING_SECONDS) -> bool:
    """Wait for ``condition`` (processes gone after their parent exited), up to a generous ceiling."""
    deadline = time.monotonic() + ceiling
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.NoSuchProcess:
            pass
    return living


def processes_using(folder: Path) -> list[psutil.Process]:
    """Every process whose command line names the folder: the embedded PostgreSQL (daemonised by
    pg_ctl, so no descendant of the launcher) and the beat (its schedule lives there)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if str(folder) in " ".join(process.info["cmdline"] or []) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


def command_lines(processes: list[psutil.Process]) -> str:
    lines = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            lines.append(" ".join(process.cmdline()))
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.xdist_group("launcher_data_dir")
def test_serves_and_ctrl_c_stops_every_process(data_dir: Path, tmp_path: Path, runs: list[Run]) -> None:
    run = Run(data_dir, tmp_path / "launcher.log")
    runs.append(run)
    run.wait_for_sign_in_page(deadline_seconds=FIRST_START_DEADLINE_SECONDS)
    # The worker and beat start once the web answers; the banner comes after them.
    output = run.wait_for_output("running at")
    assert READY.search(output), output

    children = run.descendants()
    started = command_lines(children)
    assert "runserver" in started and "redis-server" in started
    assert started.count("celery -A config.celery worker") == 1
    assert started.count("celery -A config.celery beat") == 1
    assert any("postgres" in line for line in command_lines(processes_using(data_dir)).splitlines())
    assert f"running at http://127.0.0.1:{run.port}/" in output

    # A second launcher on the same data folder would start a second beat: refused, readably.
    second = Run(data_dir, tmp_path / "second.log")
    runs.append(second)
    assert second.process.wait(timeout=EXIT_CEILING_SECONDS) == 1
    assert "already using" in second.output()
    assert run.process.poll() is None

    run.process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
    assert run.process.wait(timeout=EXIT_CEILING_SECONDS) == 0, run.output()
    assert settled(lambda: alive(children) == []), command_lines(alive(children))
    assert settled(lambda: processes_using(data_dir) == []), command_lines(processes_using(data_dir))
    assert run.output().rstrip().endswith("Stopped.")


@pytest.mark.slow
@pytest.mark.xdist_group("launcher_data_dir")
def test_a_dying_child_stops_everything_and_fails(data_dir: Path, tmp_path: Path, runs: list[Run]) -> None:
    run = Run(data_dir, tmp_path / "launcher.log")
    runs.append(run)
    # Run alone (-k, or another order) this is the folder's first start, which migrates: the first
    # start's ceiling, which costs nothing when the page answers sooner.
    run.wait_for_sign_in_page(deadline_seconds=FIRST_START_DEADLINE_SECONDS)
    run.wait_for_output("running at")
    children = run.descendants()
    beat = next(p for p in children if "beat" in " ".join(p.cmdline()))

    beat.kill()
    assert run.process.wait(timeout=EXIT_CEILING_SECONDS) == 1
    assert settled(lambda: alive(children) == []), command_lines(alive(children))
    assert settled(lambda: processes_using(data_dir) == []), command_lines(processes_using(data_dir))
    assert "beat exited" in run.output()


@pytest.mark.slow
def test_a_taken_port_is_a_readable_refusal(tmp_path: Path, runs: list[Run]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = Run(tmp_path / "var", tmp_path / "launcher.log", port=taken.getsockname()[1])
        runs.append(run)
        assert run.process.wait(timeout=EXIT_CEILING_SECONDS) == 1
    assert f"Port {run.port} on 127.0.0.1 is already in use" in run.output()
    assert not (tmp_path / "var" / "postgres").exists(), "nothing is started when the port is taken"


@pytest.mark.slow
def test_a_second_start_loads_no_demo_data_again(tmp_path: Path, runs: list[Run]) -> None:
    """The first start loads the demo and sweeps its SLAs; the second adds nothing, writes nothing
    (no sweep either: that is beat's job) and is ready in a few seconds."""
    folder = tmp_path / "var"
    first = Run(folder, tmp_path / "first.log", seed_demo=True)
    runs.append(first)
    first.wait_for_sign_in_page(deadline_seconds=FIRST_START_DEADLINE_SECONDS)
    assert "Demo data ready (6 users" in first.wait_for_output("running at")
    assert "SLA sweep as of" in first.output()
    first.process.send_signal(signal.SIGINT)
    assert first.process.wait(timeout=EXIT_CEILING_SECONDS) == 0, first.output()

    second = Run(folder, tmp_path / "second.log", seed_demo=True)
    runs.append(second)
    second.wait_for_sign_in_page()
    output = second.wait_for_output("running at")
    assert "Demo data already loaded" in output and "nothing added, nothing changed" in output
    assert "SLA sweep as of" not in output
    assert READY.search(output), output
    second.process.send_signal(signal.SIGINT)
    assert second.process.wait(timeout=EXIT_CEILING_SECONDS) == 0, second.output()


def test_set_up_sweeps_the_slas_and_sends_reminders_only_right_after_loading_the_demo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One process migrates and loads the demo; the SLA sweep runs only when the demo was loaded just
    now (on a later start the data is people's, and beat sweeps)."""
    calls: list[str] = []
    loaded_on: list[date | None] = [None]  # what the audit trail says; seed_demo below may load it

    def call_command(name: str, *args: object, **options: object) -> None:
        calls.append(name)
        if name == "seed_demo" and loaded_on[0] is None:
            loaded_on[0] = date(2026, 11, 23)

    monkeypatch.setattr("django.core.management.call_command", call_command)
    monkeypatch.setattr("apps.demo.management.commands.seed_demo.demo_loaded_on", lambda: loaded_on[0])
    assert launcher.set_up(seed_demo=True) == 0
    assert calls == ["migrate", "seed_demo", "evaluate_slas", "send_reminders"]

    calls.clear()  # a later start: the demo is there
    assert launcher.set_up(seed_demo=True) == 0
    assert calls == ["migrate", "seed_demo"]

    # A database whose demo rows predate the mark: the seed adds nothing, so nothing is swept either.
    calls.clear()
    loaded_on[0] = None
    monkeypatch.setattr("django.core.management.call_command", lambda name, *args, **options: calls.append(name))
    assert launcher.set_up(seed_demo=True) == 0
    assert calls == ["migrate", "seed_demo"]

    calls.clear()
    assert launcher.set_up(seed_demo=False) == 0
    assert calls == ["migrate"]


def test_links_point_at_the_port_served_unless_site_url_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    served = launcher.Launcher(tmp_path, 8016, seed_demo=False)
    assert served.env({})["SITE_URL"] == "http://localhost:8016"
    monkeypatch.setenv("SITE_URL", "https://vendors.example.org")
    assert served.env({})["SITE_URL"] == "https://vendors.example.org"
