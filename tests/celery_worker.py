"""A real Celery worker on the real Redis broker, in a thread of the test process.

Tests that use it need committed data (``transactional_db``): the worker has its own connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from config.celery import app


@contextmanager
def running_worker() -> Iterator[None]:
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10):
        yield


# A generous ceiling, not an expected duration: the wait ends as soon as the condition holds, and a
# slow or busy machine (2 cores, the suite in parallel) still gets there well within it.
WAIT_CEILING_SECONDS = 120.0


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_CEILING_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
