"""Counts that stay cheap on a large table (apps.core.counting, decision 0020): exact up to
``LIST_EXACT_COUNT_LIMIT``, PostgreSQL's planner estimate above it, and pages that decide "next" from the
rows they fetched rather than from the estimate. The limit is lowered here so a handful of rows runs the
estimate path."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.template import Context, Template
from django.test import Client

from apps.accounts.models import User
from apps.core import counting
from apps.core.counting import CountingPaginator, RowCount, bounded_count, planner_estimate
from apps.core.formatting import format_row_count
from apps.vendors.models import Vendor
from tests.factories import UserFactory, VendorFactory

ROW_COUNT = re.compile(r"<p class=\"muted\" data-row-count>(.*?)</p>", re.S)
PAGE_OF = re.compile(r"<span class=\"muted\">(Page \d+[^<]*)</span>")


def make_vendors(n: int, **fields: Any) -> list[Vendor]:
    """``n`` vendors sharing one owner (three users per vendor would only slow the test down)."""
    owner = UserFactory()
    owners = {"engineering_owner": owner, "delivery_owner": owner, "security_contact": owner}
    return list(VendorFactory.create_batch(n, **{**owners, **fields}))


def vendors_by_pk() -> Any:
    return Vendor.objects.order_by("pk")


def analyze_vendors() -> None:
    # The planner's estimate comes from the table's statistics: bring them up to date with the test's rows
    # (ANALYZE counts the rows the test's own open transaction inserted).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Vendor._meta.db_table)}")


# -- bounded_count ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("rows", [0, 2, 3])
def test_bounded_count_is_exact_up_to_the_limit_in_one_query(
    settings: Any, django_assert_num_queries: Any, rows: int
) -> None:
    """At or below the limit the count is the real one, marked exact, and costs one statement."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(rows)
    with django_assert_num_queries(1):
        assert bounded_count(Vendor.objects.all()) == RowCount(rows, exact=True)


@pytest.mark.django_db
def test_bounded_count_above_the_limit_is_an_estimate_of_at_least_limit_plus_one(
    settings: Any, django_assert_num_queries: Any
) -> None:
    """Past the limit the figure is marked inexact, is never below what was counted (limit + 1), and
    costs two statements: the bounded count, then the planner's estimate."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    with django_assert_num_queries(2) as captured:
        counted = bounded_count(Vendor.objects.all())
    assert counted.exact is False
    assert counted.n >= 4
    assert "LIMIT 4" in captured.captured_queries[0]["sql"]  # counts at most limit + 1 rows
    assert captured.captured_queries[1]["sql"].startswith("EXPLAIN")  # never a full COUNT(*)


@pytest.mark.django_db
def test_an_explicit_limit_wins_over_the_setting(settings: Any) -> None:
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    assert bounded_count(Vendor.objects.all(), limit=10) == RowCount(5, exact=True)
    assert bounded_count(Vendor.objects.all(), limit=4).exact is False


@pytest.mark.django_db
def test_bounded_count_counts_the_filtered_rows(settings: Any) -> None:
    """The count is of the queryset as filtered (its ordering and select_related do not matter)."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(2, tier="tier_1")
    make_vendors(4, tier="tier_2")
    tier_1 = Vendor.objects.filter(tier="tier_1").select_related("engineering_owner").order_by("-name")
    assert bounded_count(tier_1) == RowCount(2, exact=True)
    assert bounded_count(Vendor.objects.filter(tier="tier_2")).exact is False


# -- planner_estimate ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_estimate_is_the_planners_and_close_to_the_real_number(settings: Any) -> None:
    """With fresh statistics the planner's estimate for ~20 rows is about 20, and bounded_count reports
    it (not the limit + 1 it counted) above the limit."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(20)
    analyze_vendors()
    estimate = planner_estimate(Vendor.objects.all())
    assert 15 <= estimate <= 25
    assert bounded_count(Vendor.objects.all()) == RowCount(estimate, exact=False)


@pytest.mark.django_db
def test_the_estimate_follows_a_filter_with_parameters() -> None:
    """The filter's parameters reach the EXPLAIN: a name no vendor has is estimated at about nothing."""
    make_vendors(20)
    analyze_vendors()
    assert planner_estimate(Vendor.objects.filter(name="No such vendor")) <= 2
    assert planner_estimate(Vendor.objects.filter(name__startswith="Vendor")) >= 15


@pytest.mark.django_db
def test_bounded_count_never_reports_less_than_it_counted(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stale statistics (the planner thinks the table is empty) cannot make the figure smaller than the
    rows counted."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(6)
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1)
    assert bounded_count(Vendor.objects.all()) == RowCount(4, exact=False)


# -- CountingPaginator -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_paginator_is_djangos_below_the_limit(settings: Any) -> None:
    """An exact count: the pages, the last page and the refusal past it are Django's."""
    settings.LIST_EXACT_COUNT_LIMIT = 10
    vendors = make_vendors(7)
    paginator = CountingPaginator(vendors_by_pk(), 3)
    assert (paginator.count, paginator.count_exact, paginator.num_pages) == (7, True, 3)
    assert paginator.page(2).has_next()
    last = paginator.page(3)
    assert not last.has_next()
    assert list(last.object_list) == vendors[6:]
    assert (last.start_index(), last.end_index()) == (7, 7)
    with pytest.raises(EmptyPage):
        paginator.page(4)


@pytest.mark.django_db
def test_with_an_estimate_next_comes_from_the_rows_not_the_estimate(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    """The planner says 1,000 rows (334 pages of 3) but there are 7: pages 1 and 2 have a next page,
    page 3 (one row) is the last, page 4 is refused. A page reads per_page + 1 rows in one query."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    vendors = make_vendors(7)
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1000)
    paginator = CountingPaginator(vendors_by_pk(), 3)
    assert (paginator.count, paginator.count_exact, paginator.num_pages) == (1000, False, 334)

    first = paginator.page(1)
    assert first.has_next() and not first.has_previous()
    assert list(first.object_list) == vendors[:3]
    with django_assert_num_queries(1) as captured:
        second = paginator.page("2")
    assert "LIMIT 4 OFFSET 3" in captured.captured_queries[0]["sql"]
    assert second.has_next() and second.has_previous()
    assert list(second.object_list) == vendors[3:6]
    assert second.next_page_number() == 3

    last = paginator.page(3)
    assert not last.has_next()
    assert last.has_previous()
    assert list(last.object_list) == vendors[6:]
    assert (last.start_index(), last.end_index()) == (7, 7)
    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(334)  # the estimate's "last page" is past the rows


@pytest.mark.django_db
def test_with_an_estimate_a_full_last_page_has_no_next(settings: Any) -> None:
    """6 rows in pages of 3: page 2 is full and still the last (no seventh row came with it)."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    vendors = make_vendors(6)
    paginator = CountingPaginator(vendors_by_pk(), 3)
    assert paginator.count_exact is False
    assert paginator.page(1).has_next()
    last = paginator.page(2)
    assert list(last.object_list) == vendors[3:]
    assert not last.has_next()
    assert last.end_index() == 6
    with pytest.raises(EmptyPage):
        paginator.page(3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "error"),
    [("abc", PageNotAnInteger), (None, PageNotAnInteger), (1.5, PageNotAnInteger), (0, EmptyPage), ("-1", EmptyPage)],
)
def test_with_an_estimate_a_page_that_is_no_page_is_refused(settings: Any, number: Any, error: type[Exception]) -> None:
    """As Django's: a page that is not a whole number is PageNotAnInteger, one below 1 EmptyPage."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    paginator = CountingPaginator(vendors_by_pk(), 2)
    assert paginator.count_exact is False
    with pytest.raises(error):
        paginator.page(number)


@pytest.mark.django_db
def test_with_an_estimate_the_count_is_read_once(settings: Any, django_assert_num_queries: Any) -> None:
    """count, count_exact and num_pages share one bounded count (two statements), however often read."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    paginator = CountingPaginator(vendors_by_pk(), 2)
    with django_assert_num_queries(2):
        assert paginator.count >= 4
        assert paginator.count_exact is False
        assert paginator.num_pages >= 2
        assert paginator.count_exact is False


def test_a_list_is_counted_exactly() -> None:
    """Not a queryset (a list already in memory): its length, exact, whatever the limit."""
    paginator = CountingPaginator(list(range(20_000)), 50)
    assert (paginator.count, paginator.count_exact, paginator.num_pages) == (20_000, True, 400)


# -- format_row_count and the row_count filter ------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "exact", "shown"),
    [
        (98_341, False, "about 98,000"),
        (1_180, True, "1,180"),
        (98_341, True, "98,341"),
        (1_234, False, "about 1,200"),
        (1_260, False, "about 1,300"),
        (57, False, "57"),  # a small estimate reads as it is
        (100, False, "about 100"),
        (999, False, "about 1,000"),
        (1_234_567, False, "about 1,200,000"),
        (0, True, "0"),
    ],
)
def test_format_row_count(count: int, exact: bool, shown: str) -> None:
    """An exact count in full, thousands grouped; an estimate of 100 or more to two significant figures
    after "about"."""
    assert format_row_count(count, exact=exact) == shown


@pytest.mark.django_db
def test_the_row_count_filter_says_about_for_an_estimate(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(5)
    template = Template("{% load ui %}{{ paginator|row_count }}")
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 98_341)
    assert template.render(Context({"paginator": CountingPaginator(vendors_by_pk(), 2)})) == "about 98,000"
    settings.LIST_EXACT_COUNT_LIMIT = 10
    assert template.render(Context({"paginator": CountingPaginator(vendors_by_pk(), 2)})) == "5"


# -- the HTML list page -------------------------------------------------------------------------------------
@pytest.fixture
def procurement_client(client: Client, user_with_role: Callable[[str], User]) -> Client:
    client.force_login(user_with_role("procurement"))
    return client


def list_page(client: Client, url: str = "/vendors/") -> tuple[str, str | None]:
    """The list's count paragraph and its "Page N of …" (None when the list has one page)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    count = ROW_COUNT.search(html)
    assert count is not None, html
    page_of = PAGE_OF.search(html)
    return " ".join(count.group(1).split()), page_of.group(1).strip() if page_of else None


@pytest.mark.django_db
def test_the_list_page_shows_an_exact_count_below_the_limit(procurement_client: Client, settings: Any) -> None:
    settings.LIST_EXACT_COUNT_LIMIT = 100
    make_vendors(30)
    count, page_of = list_page(procurement_client)
    assert count == "30 vendors"
    assert page_of == "Page 1 of 2"


@pytest.mark.django_db
def test_the_list_page_says_about_above_the_limit(procurement_client: Client, settings: Any) -> None:
    """120 vendors over a limit of 100: the count is at least 101, so it reads "about …", and the
    pagination "Page 1 of about …"; the last real page (5 of 25 rows) has no "of" and no next link."""
    settings.LIST_EXACT_COUNT_LIMIT = 100
    make_vendors(120)
    count, page_of = list_page(procurement_client)
    assert re.fullmatch(r"about [\d,]+ vendors", count), count
    assert page_of is not None and page_of.startswith("Page 1 of about "), page_of

    _, page_of = list_page(procurement_client, "/vendors/?page=5")
    assert page_of == "Page 5"
    html = procurement_client.get("/vendors/?page=5").content.decode()
    assert 'rel="next"' not in html
    assert 'rel="prev"' in html
    assert procurement_client.get("/vendors/?page=6").status_code == 404


@pytest.mark.django_db
def test_the_list_page_counts_the_filtered_rows(procurement_client: Client, settings: Any) -> None:
    """A filter below the limit is counted exactly even when the whole table is past it."""
    settings.LIST_EXACT_COUNT_LIMIT = 3
    make_vendors(2, tier="tier_1")
    make_vendors(4, tier="tier_2")
    count, _ = list_page(procurement_client, "/vendors/?tier=tier_1")
    assert count == "2 vendors match the filters"
    count, _ = list_page(procurement_client, "/vendors/?tier=tier_2")
    assert "about" not in count  # an estimate below 100 reads as a number (format_row_count)
    assert count.endswith("vendors match the filters")
