"""XLSX beside CSV (apps.core.tables.xlsx_response): every list's ``?export=xlsx`` and the dashboards'
exports hold the CSV's rows, typed (numbers and dates as such), with formula text made inert."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.choices import Role
from apps.core.tables import XLSX_CONTENT_TYPE, Column, xlsx_cell, xlsx_response
from tests import factories

pytestmark = pytest.mark.django_db


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def as_csv_text(value: Any) -> str:
    """An XLSX cell written the way the CSV writes it, to compare the two files cell by cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def same_cell(xlsx_value: Any, csv_text: str) -> bool:
    if isinstance(xlsx_value, int | float) and not isinstance(xlsx_value, bool):
        return Decimal(str(xlsx_value)) == Decimal(csv_text)
    if isinstance(xlsx_value, dt.datetime) and len(csv_text) == len("2026-12-03"):
        return xlsx_value.date().isoformat() == csv_text  # a date cell reads back as midnight
    if isinstance(xlsx_value, dt.datetime):
        # The CSV writes an aware time with its offset; the spreadsheet holds the local wall-clock time.
        return csv_text.startswith(as_csv_text(xlsx_value))
    return as_csv_text(xlsx_value) == csv_text


def test_xlsx_cell_types_values_and_escapes_formulas() -> None:
    assert xlsx_cell(None) is None
    assert xlsx_cell(True) == "yes"
    assert xlsx_cell(Decimal("12.50")) == Decimal("12.50")
    assert xlsx_cell(dt.date(2026, 12, 3)) == dt.date(2026, 12, 3)
    aware = dt.datetime(2026, 12, 3, 9, 30, 15, tzinfo=dt.UTC)
    assert xlsx_cell(aware) == timezone.localtime(aware).replace(tzinfo=None, second=0, microsecond=0)
    assert xlsx_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert xlsx_cell("bell\x07 text") == "bell text"


def test_a_formula_looking_text_stays_text_in_the_workbook() -> None:
    response = xlsx_response(
        "t", (Column("Name", value=lambda row: row["name"]),), [{"name": "=1+1"}, {"name": "@SUM(A1)"}]
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet["A"]] == ["Name", "'=1+1", "'@SUM(A1)"]
    assert all(cell.data_type == "s" for cell in sheet["A"])


def test_the_breach_list_xlsx_equals_its_csv(user_with_role: Any) -> None:
    factories.BreachFactory.create_batch(3)
    factories.BreachFactory(evaluation__term__contract__title="=cmd|' /C calc'!A0")
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    url = reverse("performance:breach-list")
    from_csv = csv_rows(client.get(url, {"export": "csv"}))
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="breaches-')
    from_xlsx = xlsx_rows(response)
    assert len(from_xlsx) == len(from_csv) == 5
    assert from_xlsx[0] == from_csv[0]
    for xlsx_row, csv_row in zip(from_xlsx[1:], from_csv[1:], strict=True):
        assert all(same_cell(x, c) for x, c in zip(xlsx_row, csv_row, strict=True)), (xlsx_row, csv_row)
    # Typed cells: the credit is a number, the window a date.
    headings = from_xlsx[0]
    first = from_xlsx[1]
    assert isinstance(first[headings.index("Credit owed")], int | float)
    assert isinstance(first[headings.index("Window start")], dt.datetime | dt.date)
    assert "'=cmd|' /C calc'!A0" in [row[0] for row in from_xlsx]


@pytest.mark.parametrize(
    "url_name", ["vendors:vendor-list", "vendors:access-list", "contracts:contract-list", "functions:function-list"]
)
def test_every_list_exports_xlsx_with_the_csv_headings(url_name: str, user_with_role: Any) -> None:
    factories.AccessGrantFactory()
    client = Client()
    client.force_login(user_with_role(Role.PROCUREMENT))
    page = client.get(reverse(url_name)).content.decode()
    assert "export=xlsx" in page
    from_csv = csv_rows(client.get(reverse(url_name), {"export": "csv"}))
    from_xlsx = xlsx_rows(client.get(reverse(url_name), {"export": "xlsx"}))
    assert from_xlsx[0] == from_csv[0] and len(from_xlsx) == len(from_csv)


def test_the_dashboard_exports_offer_xlsx(user_with_role: Any) -> None:
    vendor = factories.VendorFactory()
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    overview = client.get(reverse("dashboards:overview")).content.decode()
    assert reverse("dashboards:export-xlsx", args=["summary"]) in overview
    summary_csv = csv_rows(client.get(reverse("dashboards:export", args=["summary"])))
    summary = client.get(reverse("dashboards:export-xlsx", args=["summary"]))
    assert summary["Content-Type"] == XLSX_CONTENT_TYPE
    rows = xlsx_rows(summary)
    assert rows[0] == summary_csv[0] == ["Measure", "Value", "Currency"]
    assert [row[0] for row in rows[1:]] == [row[0] for row in summary_csv[1:]]
    page = client.get(reverse("dashboards:vendor-360", args=[vendor.pk])).content.decode()
    assert reverse("dashboards:vendor-export-xlsx", args=[vendor.pk, "contracts"]) in page
    contracts = client.get(reverse("dashboards:vendor-export-xlsx", args=[vendor.pk, "contracts"]))
    assert contracts.status_code == 200 and xlsx_rows(contracts)[0][0] == "Contract"
