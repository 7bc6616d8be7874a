"""List pages: the API's FilterSets, sorting, pagination that keeps the query string, and CSV export of
exactly what is filtered, with spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.core.tables import csv_cell
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.SECURITY))
    return client


def rows_of(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_is_exactly_the_filtered_list(client: Client) -> None:
    factories.VendorFactory(name="Alpha", status="active")
    factories.VendorFactory(name="Beta", status="prospect")
    factories.VendorFactory(name="Gamma", status="active", geography="offshore")
    response = client.get(reverse("vendors:vendor-list"), {"status": "active", "sort": "-name", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="vendors-')
    rows = rows_of(response)
    assert rows[0][:2] == ["Vendor", "Status"]
    assert [row[0] for row in rows[1:]] == ["Gamma", "Alpha"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Plain", "Plain"),
    ],
)
def test_csv_cells_that_start_a_formula_are_escaped(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


def test_csv_export_escapes_formulas_from_the_database(client: Client) -> None:
    factories.VendorFactory(name="=cmd|' /C calc'!A0")
    rows = rows_of(client.get(reverse("vendors:vendor-list"), {"export": "csv"}))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


def test_numbers_and_dates_stay_typed_in_csv() -> None:
    from decimal import Decimal

    assert csv_cell(Decimal("-3.50")) == Decimal("-3.50")
    assert csv_cell(dt.date(2026, 1, 2)) == "2026-01-02"
    assert csv_cell(None) == ""
    assert csv_cell(True) == "yes"


def test_filters_sort_and_pages_keep_the_query_string(client: Client) -> None:
    for n in range(30):
        factories.ContractFactory(title=f"Contract {n:02}", status="active")
    factories.ContractFactory(title="Draft one", status="draft")
    response = client.get(reverse("contracts:contract-list"), {"status": "active", "sort": "-title"})
    titles = [c.title for c in response.context["object_list"]]
    assert titles[0] == "Contract 29" and len(titles) == 25
    html = response.content.decode()
    assert 'href="?status=active&amp;sort=-title&amp;page=2"' in html
    page2 = client.get(reverse("contracts:contract-list"), {"status": "active", "sort": "-title", "page": 2})
    assert [c.title for c in page2.context["object_list"]] == [f"Contract {n:02}" for n in range(4, -1, -1)]


def test_an_unknown_sort_key_falls_back_and_a_bad_filter_says_why(client: Client) -> None:
    factories.VendorFactory(name="Alpha")
    response = client.get(reverse("vendors:vendor-list"), {"sort": "password"})
    assert response.status_code == 200 and len(response.context["object_list"]) == 1
    response = client.get(reverse("vendors:vendor-list"), {"status": "bogus"})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert "bogus" in response.content.decode()


def test_contract_list_badges_a_cancel_by_within_90_days(client: Client) -> None:
    today = dt.date.today()
    soon = factories.ContractFactory(
        title="Soon",
        renewal="automatic",
        notice_days=30,
        start_date=today - dt.timedelta(days=300),
        end_date=today + dt.timedelta(days=60),
    )
    later = factories.ContractFactory(
        title="Later", renewal="automatic", notice_days=30, start_date=today, end_date=today + dt.timedelta(days=400)
    )
    html = client.get(reverse("contracts:contract-list")).content.decode()
    assert soon.cancel_by == today + dt.timedelta(days=30)
    row_soon = html.split("Soon</a>")[1].split("</tr>")[0]
    row_later = html.split("Later</a>")[1].split("</tr>")[0]
    assert "badge-warn" in row_soon and "in 30 d" in row_soon
    assert "badge" not in row_later.split("data-cancel-by")[1]
    assert later.cancel_by is not None


def test_functions_list_shows_recommendation_decision_and_conflict(client: Client) -> None:
    function = factories.FunctionFactory(name="Core architecture", strategic=5, sensitive=5, decision="keep_in_house")
    factories.ContractFactory(status="active").functions.add(function)
    html = client.get(reverse("functions:function-list")).content.decode()
    assert "Never outsource" in html and "Keep in-house" in html and "Policy conflict" in html
    conflicts = client.get(reverse("functions:function-list"), {"policy_conflict": "true"})
    assert [f.name for f in conflicts.context["object_list"]] == ["Core architecture"]


def test_access_tab_highlights_findings(client: Client) -> None:
    vendor = factories.VendorFactory(status="exited")
    factories.AccessGrantFactory(vendor=vendor, person="Expired Ed", expires_on=dt.date.today() - dt.timedelta(days=1))
    html = client.get(reverse("vendors:vendor-tab", args=[vendor.pk, "access"])).content.decode()
    assert 'class="finding"' in html and "Past expiry (high)" in html and "Vendor leaving (high)" in html


def test_contract_text_highlights_every_vague_phrase(client: Client) -> None:
    contract = factories.ContractFactory(text="We use Best  Efforts and <b>reasonable\nsupport</b>.")
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    assert '<mark class="vague"' in html
    assert ">Best  Efforts</mark>" in html
    assert ">reasonable\nsupport</mark>" in html
    assert "&lt;b&gt;" in html  # the contract's own markup is text
    assert html.count('data-finding="') == 2


def test_multiple_choice_filters_are_checkboxes_that_keep_their_state(client: Client) -> None:
    factories.VendorFactory(name="Alpha", status="active")
    factories.VendorFactory(name="Beta", status="pilot")
    factories.VendorFactory(name="Gamma", status="exited")
    response = client.get(reverse("vendors:vendor-list"), {"status": ["active", "pilot"]})
    html = response.content.decode()
    checkboxes = re.findall(r'<input type="checkbox" name="status" value="(\w+)"[^>]*?( checked)?>', html)
    assert [value for value, _ in checkboxes] == ["prospect", "vetting", "pilot", "active", "offboarding", "exited"]
    assert {value for value, checked in checkboxes if checked} == {"active", "pilot"}
    assert sorted(v.name for v in response.context["object_list"]) == ["Alpha", "Beta"]


def test_the_dashboard_is_current_only_on_the_dashboard(client: Client) -> None:
    areas = client.get("/notifications/").context["nav_areas"]
    assert not any(area["current"] for area in areas)
    areas = client.get("/").context["nav_areas"]
    assert [area["label"] for area in areas if area["current"]] == ["Dashboard"]
