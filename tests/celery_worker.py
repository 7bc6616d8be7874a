"""A real Celery worker on the real Redis broker, in a thread of the test process.

Tests that use it need committed data (``transactional_db``): the worker has its own connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from config.celery import app


@contextmanager
def logging_kept() -> Iterator[None]:
    """Celery's test worker sets logging up as a worker would (the root logger at ERROR, its own
    handlers); put everything back afterwards, so a later test in the process still sees warnings."""
    loggers = [
        logging.getLogger(),
        *(item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)),
    ]
    saved = [(logger, logger.level, list(logger.handlers), logger.propagate, logger.disabled) for logger in loggers]
    try:
        yield
    finally:
        for logger, level, handlers, propagate, disabled in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled


@contextmanager
def running_worker() -> Iterator[None]:
    with (
        logging_kept(),
        start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10),
    ):
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
