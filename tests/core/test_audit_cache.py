"""A value cached by the version of its sources (``cached_by_version``): worked out once while nothing it
reads changes, again after any change, never kept while another writer is in flight, and worked out
every time — never an error — while the cache does not answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.models import Contract
from apps.core.audit_cache import audit_trail, cached_by_version
from config.embedded import free_loopback_port
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def counting(value: Callable[[], Any]) -> tuple[list[int], Callable[[], Any]]:
    calls: list[int] = []

    def compute() -> Any:
        calls.append(1)
        return value()

    return calls, compute


def contracts() -> int:
    return Contract.objects.count()


def test_kept_until_a_source_changes() -> None:
    ContractFactory()
    calls, compute = counting(contracts)
    assert cached_by_version("test-contracts", [Contract], compute) == 1
    with CaptureQueriesContext(connection) as captured:
        assert cached_by_version("test-contracts", [Contract], compute) == 1
    assert len(calls) == 1 and len(captured) == 1  # the version, read in one query
    contract: Any = ContractFactory()
    assert cached_by_version("test-contracts", [Contract], compute) == 2
    contract.title = "Renamed"
    contract.save()
    assert cached_by_version("test-contracts", [Contract], compute) == 2 and len(calls) == 3
    contract.delete()
    assert cached_by_version("test-contracts", [Contract], compute) == 1 and len(calls) == 4


def test_the_key_names_the_database_and_the_version() -> None:
    ContractFactory()
    cached_by_version("test-contracts", [Contract], contracts)
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        (oid,) = cursor.fetchone()
    head = audit_trail(Contract).objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first()
    assert cache.get(f"audit-cache:test-contracts:{oid}:{head}") == 1


def test_not_kept_while_another_writer_is_in_flight() -> None:
    ContractFactory()
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})
    try:
        other.execute("SELECT txid_current()")  # a transaction with an id, not committed
        calls, compute = counting(contracts)
        cached_by_version("test-in-flight", [Contract], compute)
        cached_by_version("test-in-flight", [Contract], compute)
        assert len(calls) == 2
        other.commit()
        cached_by_version("test-in-flight", [Contract], compute)
        cached_by_version("test-in-flight", [Contract], compute)
        assert len(calls) == 3
    finally:
        other.close()


def test_without_the_cache_it_is_worked_out_every_time(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    ContractFactory()
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_loopback_port()}/0",  # nothing listens there
        }
    }
    calls, compute = counting(contracts)
    assert cached_by_version("test-down", [Contract], compute) == 1
    assert cached_by_version("test-down", [Contract], compute) == 1
    assert len(calls) == 2
    assert "The cache did not answer" in caplog.text
