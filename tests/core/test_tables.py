"""The list tables (``apps.core.tables``): a column declared once gives the page's cell and the CSV's,
page-only and export-only columns stay where they belong, headings sort, and a table that contradicts
its view fails when the code loads, not on a page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.html import format_html

from apps.accounts.choices import Role
from apps.core.tables import Column, Table, badge, csv_response, row_link
from apps.core.ui import FilteredListView
from apps.vendors import filters as vendor_filters
from apps.vendors import selectors as vendor_selectors
from apps.vendors.tables import VendorTable
from tests import factories


class Thing(SimpleNamespace):
    def get_status_display(self) -> str:
        return {"active": "Active", "exited": "Exited"}[self.status]

    def get_absolute_url(self) -> str:
        return f"/things/{self.pk}/"


class ThingTable(Table):
    name = Column("Name", sort="name", cell=row_link("name"))
    status = Column("Status", sort="status", cell=badge("status"))
    due = Column("Due on", export_heading="Due")
    amount = Column("Amount", numeric=True, export=False, cell=lambda thing: format_html("<b>{}</b>", thing.amount))
    amount_raw = Column("Amount raw", value="amount", page=False)
    note = Column("Note", page=False)
    shouted = Column("Shouted", value=lambda thing: thing.name.upper(), export_value=lambda thing: "n/a")

    empty_text = "No things."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"class": "finding" if row.status == "exited" else False, "data-thing": row.pk}


THINGS = [
    Thing(pk=1, name="=Alpha", status="active", due=dt.date(2026, 1, 2), amount=3, note="+1"),
    Thing(pk=2, name="<Beta>", status="exited", due=None, amount=4, note=""),
]


def page_of(table: Table, **context: Any) -> str:
    return render_to_string("includes/table.html", {"table": table, **context})


def cells_of(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>")[1], flags=re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]


def headings_of(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", th).strip() for th in re.findall(r"<th [^>]*>(.*?)</th>", html, flags=re.S)]


def csv_of(table: type[Table], rows: list[Any]) -> list[list[str]]:
    response = csv_response("things", table.export_columns, rows)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_a_column_declared_once_is_on_the_page_and_in_the_csv() -> None:
    html = page_of(ThingTable(THINGS))
    assert headings_of(html) == ["Name", "Status", "Due on", "Amount", "Shouted"]
    first, second = cells_of(html)
    assert first[:3] == [
        '<a class="row-link" href="/things/1/">=Alpha</a>',
        '<span class="badge badge-good">Active</span>',
        "2 Jan 2026",
    ]
    assert second[0] == '<a class="row-link" href="/things/2/">&lt;Beta&gt;</a>'
    assert second[2] == "—"  # no value: the column's ``empty``
    assert first[4] == "=ALPHA"  # a callable value, shown on the page
    rows = csv_of(ThingTable, THINGS)
    assert rows[0] == ["Name", "Status", "Due", "Amount raw", "Note", "Shouted"]
    # The same declaration, read for the file: labels of choices, ISO dates, formulas made inert.
    assert rows[1] == ["'=Alpha", "Active", "2026-01-02", "3", "'+1", "n/a"]
    assert rows[2] == ["<Beta>", "Exited", "", "4", "", "n/a"]


def test_page_only_and_export_only_columns() -> None:
    assert [column.name for column in ThingTable.page_columns] == ["name", "status", "due", "amount", "shouted"]
    assert [column.name for column in ThingTable.export_columns] == [
        "name",
        "status",
        "due",
        "amount_raw",
        "note",
        "shouted",
    ]
    html = page_of(ThingTable(THINGS))
    assert "Amount raw" not in html and "Note" not in html and "+1" not in html
    first = cells_of(html)[0]
    assert first[3] == "<b>3</b>"  # a cell renderer's HTML is kept, the numeric cell right-aligned
    assert '<td class="num"><b>3</b></td>' in html
    assert '<th scope="col" class="num">' in html


def test_a_plain_string_from_a_cell_renderer_is_escaped() -> None:
    class Escaping(Table):
        name = Column("Name", cell=lambda thing: f"<i>{thing.name}</i>")

    assert "&lt;i&gt;=Alpha&lt;/i&gt;" in page_of(Escaping(THINGS[:1]))


def test_the_heading_of_the_sorted_column_says_which_way_and_links_the_other() -> None:
    html = page_of(ThingTable(THINGS, sort="name"), sort_query_string="q=a")
    assert '<th scope="col" aria-sort="ascending">' in html
    assert '<a class="sort asc" href="?q=a&amp;sort=-name">Name</a>' in html
    assert '<a class="sort " href="?q=a&amp;sort=status">Status</a>' in html
    html = page_of(ThingTable(THINGS, sort="-name"))
    assert 'aria-sort="descending"' in html and '<a class="sort desc" href="?sort=name">Name</a>' in html
    assert html.count("aria-sort") == 1
    assert "<a" not in html.split("Due on")[0].rsplit("<th", 1)[1]  # a column without a sort key: no link


def test_rows_carry_their_attributes_and_an_empty_list_says_so() -> None:
    html = page_of(ThingTable(THINGS))
    assert '<tr data-thing="1">' in html and '<tr class="finding" data-thing="2">' in html
    assert '<td colspan="5" class="empty">No things.</td>' in page_of(ThingTable([]))
    assert "Nothing matches these filters." in page_of(ThingTable([]), filters_active=True)


def test_a_cell_template_sees_the_row_and_the_page() -> None:
    class Risks(Table):
        title = Column("Risk", template="vendors/cells/risk_title.html")

    risk = SimpleNamespace(pk=7, title="<Lock-in>")
    may_edit = {"vendors": {"change_vendorrisk": True}}
    html = page_of(Risks([risk]), perms=may_edit)
    edit = reverse("vendors:risk-update", args=[7])
    assert cells_of(html) == [[f'<strong>&lt;Lock-in&gt;</strong> <a class="small" href="{edit}">edit</a>']]
    assert "edit" not in page_of(Risks([risk]), perms={"vendors": {}})


def test_export_order_reorders_the_file_only() -> None:
    class Reordered(ThingTable):
        export_order = ("note", "name", "status", "due", "amount_raw", "shouted")

    assert [column.name for column in Reordered.page_columns] == [column.name for column in ThingTable.page_columns]
    assert csv_of(Reordered, THINGS[:1])[0] == ["Note", "Name", "Status", "Due", "Amount raw", "Shouted"]


def test_a_table_that_contradicts_itself_or_its_view_does_not_load() -> None:
    with pytest.raises(ImproperlyConfigured, match="export_order"):

        class Incomplete(ThingTable):
            export_order = ("name",)

    with pytest.raises(ImproperlyConfigured, match="may not be called rows"):

        class Clash(Table):
            rows = Column("Rows")  # type: ignore[assignment]  # the clash under test

    with pytest.raises(ImproperlyConfigured, match="not in sort_fields"):

        class Unsortable(FilteredListView):
            selector = vendor_selectors.vendor_list
            filterset_class = vendor_filters.VendorFilterSet
            sort_fields = {"name": "name"}
            table_class = ThingTable  # sorts by "status" too


@pytest.mark.django_db
def test_the_vendor_list_draws_its_page_and_its_file_from_one_table(user_with_role: Callable[[str], Any]) -> None:
    client = Client()
    client.force_login(user_with_role(Role.SECURITY))
    factories.VendorFactory(name="Alpha", rate_min=None, rate_max=None)
    url = reverse("vendors:vendor-list")
    html = client.get(url).content.decode()
    assert headings_of(html) == [column.heading for column in VendorTable.page_columns]
    assert "Rate min" not in html
    body = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert header == [column.csv_heading for column in VendorTable.export_columns]
    assert "Hourly rate" not in header and "Rate min" in header
