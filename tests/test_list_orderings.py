"""The API's lists read a page through an index in their default order: no list sorts its whole table for
each page (with sequential scans off, the page's statement has no Sort node)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def page_plan(client: Any, url: str, table: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    statement = next(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT")
        and f'FROM "{table}"' in query["sql"]
        and "LIMIT" in query["sql"]
        and "COUNT(" not in query["sql"]  # the bounded count (apps.core.counting) reads no order
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("url", "table", "index"),
    [
        ("/api/v1/contracts/?page_size=100", "contracts_contract", "contracts_start_title_idx"),
        ("/api/v1/vendors/?page_size=100", "vendors_vendor", "vendors_vendor_name_idx"),
    ],
)
def test_the_default_order_reads_an_index(api_client_for: Any, url: str, table: str, index: str) -> None:
    for _ in range(3):
        factories.ContractFactory()
    plan = page_plan(api_client_for("executive"), url, table)
    assert index in plan, plan
    limit, below = plan.split("\n")[:2]  # the page's LIMIT and what feeds it: the index, not a sort
    assert limit.startswith("Limit") and "Sort" not in below, plan
