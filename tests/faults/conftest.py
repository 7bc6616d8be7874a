"""Fault tests (marked ``faults`` and ``slow``): the app on real servers that fail — Redis stopped, a
worker killed, PostgreSQL restarted, two sweeps at once. Each test starts the servers it breaks (a
throwaway redis-server, PostgreSQL, workers, a web server), so it disturbs no other test running in
parallel; ``tests/faults/servers.py`` has them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.servers import CeleryWorker, ThrowawayRedis


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    redis = ThrowawayRedis(tmp_path / "redis-server")
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def start_workers(
    transactional_db: None, throwaway_redis: ThrowawayRedis, tmp_path: Path
) -> Iterator[Callable[..., list[CeleryWorker]]]:
    """``start_workers("w1", "w2")``: Celery worker processes on the throwaway Redis, started together
    and ready; stopped (or found killed) before the test's data is emptied."""
    started: list[CeleryWorker] = []

    def start(*names: str) -> list[CeleryWorker]:
        workers = [CeleryWorker(name, redis_url=throwaway_redis.url, log_dir=tmp_path) for name in names]
        started.extend(workers)
        for worker in workers:
            worker.wait_until_ready()
        return workers

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
