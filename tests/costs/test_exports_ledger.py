"""The cost ledger's CSV and XLSX (``/costs/ledger.csv``, ``.xlsx``): the page's lines under the same filters,
every figure with its parts and, per figure, the absolute URL of the rows it counts; text a spreadsheet
would run is made inert; the XLSX holds real numbers and dates."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.costs.test_views_tco import _client, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """The hand-computed month of ``tests.costs.test_views_tco``."""
    return build_world()


URL_COLUMNS = (
    "Invoiced: rows",
    "Management: reviews",
    "Management: logged hours",
    "Rework: rows",
    "Delay: rows",
    "Credits: rows",
    "Story points: rows",
    "Deployments: rows",
)


def _csv(client: Client, params: dict[str, Any]) -> list[dict[str, str]]:
    response = client.get(reverse("costs:ledger-csv"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="cost-ledger-' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _sheet(response: Any) -> Worksheet:
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


def _month(world: dict[str, Any]) -> dict[str, str]:
    key = f"{world['month']:%Y-%m}"
    return {"from_month": key, "to_month": key}


def test_the_csv_holds_the_lines_their_parts_and_drill_downs(world: dict[str, Any]) -> None:
    client = _client(world["reader"])
    rows = _csv(client, {"vendor": world["vendor"].pk, **_month(world)})
    assert len(rows) == 2
    line = next(row for row in rows if row["Contract"] == "Platform team")
    assert line["Month"] == world["month"].isoformat() and line["Vendor"] == "Vistula Code"
    assert line["Contract id"] == str(world["c1"].pk) and line["Currency"] == "EUR"
    figures = {
        "Invoiced": "20000.00",
        "Management": "530.00",
        "Review hours": "1.00",
        "Logged hours": "4.00",
        "Rework": "1530.00",
        "Escaped defects": "3.0000",
        "Escaped defects from": "defects",
        "Delay": "1000.00",
        "Late milestones": "2.0000",
        "Cost of delay per week": "500.00",
        "Credits": "400.00",
        "Total cost": "22660.00",
        "Billed hours": "200.00",
        "Effective rate": "113.30",
        "Billed rate": "100.00",
    }
    for heading, value in figures.items():
        assert Decimal(line[heading]) == Decimal(value) if heading != "Escaped defects from" else line[heading] == value
    # Each figure traceable: an absolute URL of the list of its rows, which lists exactly them.
    for heading in URL_COLUMNS:
        assert line[heading].startswith("http://testserver/"), heading
    listed = client.get(line["Credits: rows"].removeprefix("http://testserver"))
    assert [b.credit_amount for b in listed.context["paginator"].object_list] == [Decimal("400.00")]
    invoices = client.get(line["Invoiced: rows"].removeprefix("http://testserver"))
    assert [i.amount for i in invoices.context["paginator"].object_list] == [Decimal("20000.00")]
    # The same lines as the page, the same filters.
    page = client.get(reverse("costs:ledger"), {"vendor": world["vendor"].pk, **_month(world)})
    assert page.context["paginator"].count == len(rows)


def test_the_default_export_is_the_pages_twelve_months(world: dict[str, Any]) -> None:
    assert len(_csv(_client(world["reader"]), {})) == 24


def test_formulas_are_made_inert(world: dict[str, Any]) -> None:
    contract = world["c1"]
    contract.title = '=HYPERLINK("http://evil.example")'
    contract.save(update_fields=["title"])
    client = _client(world["reader"])
    rows = _csv(client, {"contract": contract.pk, **_month(world)})
    assert rows[0]["Contract"] == '\'=HYPERLINK("http://evil.example")'
    response = client.get(reverse("costs:ledger-xlsx"), {"contract": contract.pk, **_month(world)})
    sheet = _sheet(response)
    headings = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headings.index("Contract") + 1).value.startswith("'=")


def test_the_xlsx_has_the_same_columns_typed(world: dict[str, Any]) -> None:
    client = _client(world["reader"])
    params = {"vendor": world["vendor"].pk, **_month(world)}
    response = client.get(reverse("costs:ledger-xlsx"), params)
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = _sheet(response)
    headings = [cell.value for cell in sheet[1]]
    assert headings == list(_csv(client, params)[0].keys())
    rows = [dict(zip(headings, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    line = next(row for row in rows if row["Contract"] == "Platform team")
    assert line["Month"].date() == world["month"]
    assert line["Total cost"] == 22660 and line["Effective rate"] == pytest.approx(113.3)
    assert isinstance(line["Invoiced"], int | float) and line["Credits: rows"].startswith("http://testserver/")
