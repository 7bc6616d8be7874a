"""The API's pagination (apps.core.pagination, decision 0020): page numbers with a count that is exact
up to ``LIST_EXACT_COUNT_LIMIT`` and PostgreSQL's estimate above it (``count_exact``); ``?cursor=`` for
keyset pages by id; and the ordering filter's primary-key tiebreak, so no record is on two pages or none."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from apps.contracts.models import Contract
from apps.core import counting
from apps.core.pagination import OrderingFilter
from apps.vendors.models import Vendor
from tests.factories import ContractFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], APIClient]
VENDORS = "/api/v1/vendors/"
CONTRACTS = "/api/v1/contracts/"
PAGE_KEYS = {"count", "count_exact", "next", "previous", "results"}
CURSOR_KEYS = {"next", "previous", "results"}


@pytest.fixture
def api(api_client_for: ClientFor) -> APIClient:
    return api_client_for("executive")


def make_vendors(n: int, **fields: Any) -> list[Vendor]:
    owner = UserFactory()
    owners = {"engineering_owner": owner, "delivery_owner": owner, "security_contact": owner}
    return list(VendorFactory.create_batch(n, **{**owners, **fields}))


def get_ok(api: APIClient, url: str) -> dict[str, Any]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [row["id"] for row in body["results"]]


def walk(api: APIClient, url: str) -> list[list[int]]:
    """Every page's ids, from ``url`` on through the ``next`` links."""
    pages: list[list[int]] = []
    next_url: str | None = url
    while next_url:
        body = get_ok(api, next_url)
        pages.append(ids(body))
        next_url = body["next"]
        assert len(pages) < 50, "the next links do not end"
    return pages


# -- page numbers and count_exact ------------------------------------------------------------------------
def test_a_small_list_has_an_exact_count(api: APIClient) -> None:
    make_vendors(3)
    body = get_ok(api, VENDORS)
    assert set(body) == PAGE_KEYS
    assert (body["count"], body["count_exact"]) == (3, True)
    assert (body["next"], body["previous"]) == (None, None)
    assert len(body["results"]) == 3


def test_above_the_limit_the_count_is_an_estimate(api: APIClient, settings: Any) -> None:
    """Past the limit ``count_exact`` is false and the count is at least limit + 1; the page is the same."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    vendors = make_vendors(5)
    body = get_ok(api, VENDORS)
    assert set(body) == PAGE_KEYS
    assert body["count_exact"] is False
    assert body["count"] >= 4
    assert sorted(ids(body)) == sorted(vendor.pk for vendor in vendors)


def test_a_filtered_list_below_the_limit_is_counted_exactly(api: APIClient, settings: Any) -> None:
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(2, tier="tier_1")
    make_vendors(4, tier="tier_2")
    body = get_ok(api, f"{VENDORS}?tier=tier_1")
    assert (body["count"], body["count_exact"]) == (2, True)


def test_with_an_estimate_next_follows_the_rows(api: APIClient, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner says 1,000 vendors, there are 5: pages of 2 end at page 3 (no ``next``), page 4 is a
    404, and the pages hold every vendor once."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    vendors = make_vendors(5)
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1000)
    pages = walk(api, f"{VENDORS}?page_size=2")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(pk for page in pages for pk in page) == sorted(vendor.pk for vendor in vendors)
    last = get_ok(api, f"{VENDORS}?page_size=2&page=3")
    assert (last["count"], last["count_exact"], last["next"]) == (1000, False, None)
    assert "page=2" in last["previous"]
    assert api.get(f"{VENDORS}?page_size=2&page=4").status_code == 404


def test_the_last_page_with_an_estimate_counts_exactly(
    api: APIClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``?page=last`` asks for what only a whole count knows: with an estimate of 1,000 and 5 vendors,
    it is page 3, counted exactly."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1000)
    last = get_ok(api, f"{VENDORS}?page_size=2&page=last")
    assert (last["count"], last["count_exact"], last["next"], len(last["results"])) == (5, True, None, 1)
    assert "page=2" in last["previous"]


def test_an_estimated_count_costs_the_page_one_statement_more(api: APIClient, settings: Any) -> None:
    """Past the limit the page runs the bounded count and one EXPLAIN, never a COUNT of the whole table."""
    make_vendors(5)
    with CaptureQueriesContext(connection) as exact:
        assert get_ok(api, VENDORS)["count_exact"] is True
    settings.LIST_EXACT_COUNT_LIMIT = 3
    with CaptureQueriesContext(connection) as estimated:
        assert get_ok(api, VENDORS)["count_exact"] is False
    assert len(estimated) == len(exact) + 1
    counts = [query["sql"] for query in estimated.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1 and "LIMIT 4" in counts[0], counts


# -- the cursor ------------------------------------------------------------------------------------------
def test_a_cursor_walks_every_record_once_in_id_order(api: APIClient) -> None:
    """``?cursor=`` is the first page, by id (not the list's default order, by name); following ``next``
    visits every vendor exactly once; no count is given."""
    vendors = make_vendors(5)
    Vendor.objects.filter(pk=vendors[0].pk).update(name="Zzz last by name")
    first = get_ok(api, f"{VENDORS}?cursor=&page_size=2")
    assert set(first) == CURSOR_KEYS
    assert first["previous"] is None
    assert first["next"] and "cursor=" in first["next"]

    pages = walk(api, f"{VENDORS}?cursor=&page_size=2")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [pk for page in pages for pk in page] == sorted(vendor.pk for vendor in vendors)


def test_a_record_added_during_a_cursor_walk_comes_at_its_end(api: APIClient) -> None:
    """Keyset pages: a vendor added after the first page was read is on the next page, after the ones
    that were there, and nothing is skipped or repeated (an offset would not shift; the id range does)."""
    vendors = make_vendors(3)
    first = get_ok(api, f"{VENDORS}?cursor=&page_size=2")
    assert ids(first) == [vendor.pk for vendor in vendors[:2]]
    (later,) = make_vendors(1)
    assert ids(get_ok(api, first["next"])) == [vendors[2].pk, later.pk]


def test_a_cursor_keeps_the_lists_filters(api: APIClient) -> None:
    tier_1 = make_vendors(3, tier="tier_1")
    make_vendors(3, tier="tier_2")
    pages = walk(api, f"{VENDORS}?cursor=&page_size=2&tier=tier_1")
    assert [pk for page in pages for pk in page] == [vendor.pk for vendor in tier_1]
    named = get_ok(api, f"{VENDORS}?cursor=&q={tier_1[1].name}")
    assert ids(named) == [tier_1[1].pk]


def test_a_cursor_the_list_did_not_give_is_a_400_on_cursor(api: APIClient) -> None:
    make_vendors(1)
    response = api.get(f"{VENDORS}?cursor=garbage")
    assert response.status_code == 400
    assert set(response.json()) >= {"cursor"}
    assert response.json()["cursor"]


def test_an_ordering_with_a_cursor_is_a_400_on_ordering(api: APIClient) -> None:
    make_vendors(1)
    response = api.get(f"{VENDORS}?cursor=&ordering=name")
    assert response.status_code == 400
    assert response.json()["ordering"]


def test_without_a_cursor_ordering_and_page_numbers_work_as_before(api: APIClient) -> None:
    """The cursor's rules change nothing for a client that does not send one."""
    make_vendors(1, name="Bravo")
    make_vendors(1, name="Alpha")
    body = get_ok(api, f"{VENDORS}?ordering=-name&page_size=1")
    assert set(body) == PAGE_KEYS
    assert [row["name"] for row in body["results"]] == ["Bravo"]
    assert (body["count"], body["count_exact"]) == (2, True)
    assert "page=2" in body["next"]
    assert api.get(f"{VENDORS}?page=abc").status_code == 404


# -- the ordering's primary-key tiebreak -----------------------------------------------------------------
def same_sort_keys_contracts(n: int) -> list[Contract]:
    """``n`` contracts that tie on every ordering the test uses: the same start date and title."""
    vendor = make_vendors(1)[0]
    return list(ContractFactory.create_batch(n, vendor=vendor, title="Same title", start_date=dt.date(2026, 3, 1)))


def list_page_sql(api: APIClient, url: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return next(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT")
        and f'FROM "{Contract._meta.db_table}"' in query["sql"]
        and "LIMIT" in query["sql"]
        and "COUNT(" not in query["sql"]
    )


@pytest.mark.parametrize(
    ("ordering", "tiebreak"),
    [
        ("-start_date", "DESC"),  # the key's own direction, as the HTML lists (apps.core.ui)
        ("start_date", "ASC"),
        ("title,-start_date", "DESC"),
        ("", "ASC"),  # the default, -start_date then title
    ],
)
def test_ties_are_broken_by_the_primary_key(api: APIClient, ordering: str, tiebreak: str) -> None:
    """Contracts that tie on the ordering come in id order (in the direction of the last key), and the
    page's SQL ends its ORDER BY with the id."""
    contracts = same_sort_keys_contracts(3)
    url = f"{CONTRACTS}?ordering={ordering}" if ordering else CONTRACTS
    expected = sorted(contract.pk for contract in contracts)
    assert ids(get_ok(api, url)) == (expected[::-1] if tiebreak == "DESC" else expected)
    sql = list_page_sql(api, url)
    order_by = re.search(r"ORDER BY (.*) LIMIT", sql)
    assert order_by is not None, sql
    assert order_by.group(1).endswith(f'"{Contract._meta.db_table}"."id" {tiebreak}'), sql


@pytest.mark.parametrize(
    ("query", "order_by"),
    [
        ("ordering=-title", ("-title", "-pk")),
        ("ordering=title,-start_date", ("title", "-start_date", "-pk")),
        ("ordering=-id,title", ("-id", "title")),  # the id is named already: no second one
        ("ordering=nonsense", ("-start_date", "title", "pk")),  # an unknown field: the view's default
    ],
)
def test_the_ordering_filter_appends_the_primary_key(query: str, order_by: tuple[str, ...]) -> None:
    view = SimpleNamespace(ordering_fields=["title", "start_date", "id"], ordering=["-start_date", "title"])
    request = Request(APIRequestFactory().get(f"{CONTRACTS}?{query}"))
    ordered = OrderingFilter().filter_queryset(request, Contract.objects.all(), view)
    assert ordered.query.order_by == order_by


@pytest.mark.parametrize("ordering", ["-start_date", "title", "start_date,title", ""])
def test_paging_through_ties_shows_each_record_once(api: APIClient, ordering: str) -> None:
    """7 contracts with identical sort keys in pages of 2: the pages together hold every contract,
    none twice."""
    contracts = same_sort_keys_contracts(7)
    pages = walk(api, f"{CONTRACTS}?page_size=2&ordering={ordering}")
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {contract.pk for contract in contracts}
