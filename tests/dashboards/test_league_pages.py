"""The league table is shown a page at a time (``league_page``): the whole portfolio is ranked, only the
page's rows (and the vendors named as needing attention first) are built, and a page holds exactly the rows
the whole table (``league_table``, the CSV) has in those positions, in every order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.dashboards.scope import Scope
from apps.dashboards.tiles.league import LEAGUE_SORTS, LEAGUE_TABLE_ROWS, LeagueRow, league_page, league_table
from apps.performance.scorecards import MONTH, Period
from tests.factories import ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
PERIOD = Period.last_closed(MONTH, today=TODAY)


def portfolio(vendors: int) -> list[Any]:
    made = []
    for n in range(vendors):
        vendor = VendorFactory(name=f"Vendor {n:02d}")
        # Cancel-by dates near and far give the vendors different attention scores.
        cancel_by = TODAY + dt.timedelta(days=(10, 60, 200)[n % 3])
        ContractFactory(vendor=vendor, cancel_by=cancel_by, end_date=TODAY + dt.timedelta(days=400))
        made.append(vendor)
    return made


def seen(row: LeagueRow) -> tuple[Any, ...]:
    return (row.vendor.id, row.rank, row.attention_score, row.score, row.attention.reasons if row.attention else ())


def test_each_page_holds_the_rows_of_the_whole_table_in_those_positions() -> None:
    portfolio(5)
    for sort in LEAGUE_SORTS:
        whole = league_table(scope=Scope(), period=PERIOD, today=TODAY, sort=sort)
        pages = [
            league_page(scope=Scope(), period=PERIOD, today=TODAY, sort=sort, page=n, per_page=2) for n in (1, 2, 3)
        ]
        assert [seen(row) for page in pages for row in page.rows] == [seen(row) for row in whole], sort
        assert [(p.start, p.end, p.has_previous, p.has_next) for p in pages] == [
            (1, 2, False, True),
            (3, 4, True, True),
            (5, 5, True, False),
        ]
        by_attention = sorted(whole, key=lambda row: row.attention_order)[:3]
        assert all([seen(row) for row in page.first] == [seen(row) for row in by_attention] for page in pages)
    past_the_end = league_page(scope=Scope(), period=PERIOD, today=TODAY, page=99, per_page=2)
    assert (past_the_end.number, past_the_end.pages, len(past_the_end.rows)) == (3, 3, 1)
    nothing = league_page(scope=Scope(), period=PERIOD, today=TODAY, per_page=0)
    assert (nothing.total, nothing.rows, nothing.first) == (5, [], [])


@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role("executive"))
    return client


def test_the_overview_pages_through_its_league_table(signed_in: Client) -> None:
    portfolio(LEAGUE_TABLE_ROWS + 2)
    url = reverse("dashboards:overview")
    first = signed_in.get(url)
    assert len(first.context["league_rows"]) == LEAGUE_TABLE_ROWS
    page = first.content.decode()
    assert f"Vendors 1–{LEAGUE_TABLE_ROWS} of {LEAGUE_TABLE_ROWS + 2}" in page
    assert first.context["league_next_url"].endswith("league_page=2#league-title")
    assert first.context["league_previous_url"] == ""

    with CaptureQueriesContext(connection) as on_page_one:
        signed_in.get(url)
    with CaptureQueriesContext(connection) as on_page_two:
        second = signed_in.get(url + "?rank_by=scorecard&league_page=2")
    assert len(on_page_two) == len(on_page_one)  # the rows of another page cost no query of their own
    assert len(second.context["league_rows"]) == 2
    assert (
        f"Vendors {LEAGUE_TABLE_ROWS + 1}–{LEAGUE_TABLE_ROWS + 2} of {LEAGUE_TABLE_ROWS + 2}" in second.content.decode()
    )
    assert second.context["league_next_url"] == ""
    assert second.context["league_previous_url"].endswith("rank_by=scorecard#league-title")
    # Vendors needing attention first are named whatever the page.
    assert [r.vendor.id for r in second.context["overview"].attention_first] == [
        r.vendor.id for r in first.context["overview"].attention_first
    ]
    for nonsense in ("0", "-1", "two", "99999999999"):
        assert signed_in.get(f"{url}?league_page={nonsense}").context["overview"].league.number == 1
    assert signed_in.get(f"{url}?league_page=50").context["overview"].league.number == 2  # the last


def test_the_whole_table_reads_the_whole_portfolio_past_the_ids_a_statement_takes(monkeypatch: Any) -> None:
    """Past ``READ_BY_ID`` vendors (the CSV's every row), the rows' vendors and spend are read for the whole
    portfolio and picked, not listed by id (a statement takes at most 65,535 parameters): the same table."""
    from apps.dashboards.tiles import league

    portfolio(5)

    def table() -> list[tuple[Any, ...]]:
        return [(*seen(row), row.next_cancel_by) for row in league_table(scope=Scope(), period=PERIOD, today=TODAY)]

    by_id = table()
    monkeypatch.setattr(league, "READ_BY_ID", 2)
    assert table() == by_id
    assert all(row[-1] is not None for row in by_id)  # each vendor's next cancel-by date read either way
