"""The API's lists read a page through an index in their default order: no list sorts its whole table for
each page (with sequential scans and sorts priced out, the page's statement still has no Sort node)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
        # Whatever the tiny test table's statistics make cheapest, ask whether an index can deliver the
        # order: with sorts and sequential scans priced out, a plan still sorts only when none can.
        cursor.execute(f'ANALYZE "{table}"')  # statistics as autovacuum may have left them: a row or two
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
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


CONTRACT_API_ORDERINGS = ["title", "start_date", "end_date", "cancel_by", "value", "status", "created_at"]
VENDOR_API_ORDERINGS = ["name", "country", "geography", "status", "tier", "rate_min", "rate_max", "created_at"]


def _reads_an_index(plan: str) -> bool:
    limit, below = plan.split("\n")[:2]
    return limit.startswith("Limit") and "Sort" not in below


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(
    ("url", "table", "ordering"),
    [("/api/v1/contracts/", "contracts_contract", name) for name in CONTRACT_API_ORDERINGS]
    + [("/api/v1/vendors/", "vendors_vendor", name) for name in VENDOR_API_ORDERINGS],
)
def test_every_ordering_the_api_offers_reads_an_index(
    api_client_for: Any, url: str, table: str, ordering: str, direction: str
) -> None:
    """Each ``?ordering=`` (either direction) then the title or name, then the id: an index's order."""
    factories.ContractFactory()
    plan = page_plan(api_client_for("executive"), f"{url}?page_size=100&ordering={direction}{ordering}", table)
    assert _reads_an_index(plan), plan


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize(
    ("list_name", "table", "sort"),
    # The contract list's vendor sort orders by a joined vendor's name: the vendors' name index drives it.
    [("contracts:contract-list", "contracts_contract", s) for s in ("title", "engagement", "status", "value", "end")]
    + [("contracts:contract-list", "contracts_contract", "cancel_by")]
    + [("vendors:vendor-list", "vendors_vendor", s) for s in ("name", "status", "country", "geography", "tier")]
    + [("vendors:vendor-list", "vendors_vendor", s) for s in ("rate", "updated")],
)
def test_every_sort_a_list_page_offers_reads_an_index(
    client: Any, user_with_role: Any, list_name: str, table: str, sort: str, direction: str
) -> None:
    factories.ContractFactory()
    client.force_login(user_with_role("executive"))
    plan = page_plan(client, f"{reverse(list_name)}?sort={direction}{sort}", table)
    assert _reads_an_index(plan), plan
