"""gunicorn's settings for the web process: ``gunicorn -c config/gunicorn.conf.py config.wsgi:application``
(the Dockerfile's CMD and docker-compose's ``web`` service). docs/operations.md explains each choice.

The numbers may be changed per deployment through the environment (``.env``); a value that is not a
whole number within its bounds stops gunicorn at start with a message naming the variable. Anything else
gunicorn offers can still be given with its own ``GUNICORN_CMD_ARGS`` (and ``FORWARDED_ALLOW_IPS``).
"""

from __future__ import annotations

import os


def _env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number from {minimum} to {maximum}.") from None
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}={value}: expected a whole number from {minimum} to {maximum}.")
    return value


def _cpus() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Processes, not threads: the sync worker class, one request per worker at a time. A sync worker that
# has not answered within ``timeout`` is killed and replaced, so one slow request can never hold a
# worker for longer (a threaded worker's heartbeat comes from its main thread, so a stuck request is
# never killed). The usual 2 × CPUs + 1, at most 8 by default: every worker holds its own database
# connection and about 150 MB.
worker_class = "sync"
workers = _env_int("WEB_CONCURRENCY", min(2 * _cpus() + 1, 8), minimum=1, maximum=64)

bind = "0.0.0.0:8000"

# Seconds a request may take before its worker is killed (the client gets a 502 from the proxy):
# twice gunicorn's default of 30, room for the heaviest pages on a loaded machine, while a request that
# takes longer is a fault to be found, not waited for. Nothing a page renders grows with the length of
# what users typed (texts have a maximum, and the contract text is shown a page at a time).
timeout = _env_int("GUNICORN_TIMEOUT", 60, minimum=10, maximum=600)
# On SIGTERM (a deploy, `docker compose stop`): seconds in-flight requests get to finish before the
# workers are killed. docker-compose's `stop_grace_period` for web is longer than this.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1, maximum=600)
# Seconds an idle keep-alive connection stays open for the next request. The sync worker closes every
# connection after its response (the TLS proxy in front keeps the clients' connections alive and buffers
# slow clients), so this matters only if GUNICORN_CMD_ARGS chooses another worker class; it is then
# longer than a proxy's usual upstream keep-alive reuse, so the proxy never reuses a closed connection.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75, minimum=1, maximum=600)

# Each worker is replaced after about this many requests, so memory a long-lived process accumulates is
# given back; the jitter (a tenth) keeps the workers from restarting all at once. 0: never.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000, minimum=0, maximum=1_000_000)
max_requests_jitter = max_requests // 10

# The workers' heartbeat files in memory: on a container's overlay file system a write can stall for
# seconds and get a healthy worker killed as if it had timed out. (gunicorn creates them with mkstemp
# and unlinks them at once, so a shared folder is safe.)
_SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for containers; files are mkstemp'd
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None

# Access log and errors to standard output/error, where docker-compose collects them.
accesslog = "-"
errorlog = "-"
