"""The import engine for every register (``apps.performance.imports``): XLSX reading (typed cells as
text, formula cells refused, sheets mapped to registers), a workbook's registers in order (a contract
naming a vendor the same workbook creates), re-import → unchanged, permissions, the templates, the
pages under /imports/ and ``manage.py import``."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.contracts.models import Contract
from apps.core import importing
from apps.core.errors import PermissionDeniedError
from apps.core.importing import ImportColumn, ImportContext, ImportRegister, RowCheck
from apps.performance import imports
from apps.performance.imports import ImportFileError
from apps.performance.models import ImportJob
from apps.vendors.models import Certification, Vendor
from tests.factories import UserFactory
from tests.performance.workbook_fixture import OWNERS, workbook_bytes

pytestmark = pytest.mark.django_db


class GadgetRegister(ImportRegister):
    """A register of the tests only: it records what ``check`` was given."""

    key = "gadgets"
    label = "Gadgets"
    order = 5
    permission = "vendors.add_vendor"
    natural_key = ("name",)
    columns = (
        ImportColumn("name", required=True, aliases=("gadget",)),
        ImportColumn("made_on"),
        ImportColumn("price"),
        ImportColumn("active"),
        ImportColumn("note"),
    )
    seen: list[dict[str, Any]] = []

    def check(self, rows: Sequence[Mapping[str, str]], *, context: ImportContext) -> list[RowCheck]:
        self.seen.extend(dict(row) for row in rows)
        return [RowCheck(data=dict(row), key=(str(row["name"]).casefold(),)) for row in rows]


@pytest.fixture
def gadgets(monkeypatch: pytest.MonkeyPatch) -> Iterator[GadgetRegister]:
    register = GadgetRegister()
    register.seen = []
    monkeypatch.setitem(importing._REGISTERS, register.key, register)
    yield register


def xlsx(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def owners() -> list[Any]:
    return [UserFactory(username=name, role="engineering_manager") for name in OWNERS]


@pytest.fixture
def admin() -> Any:
    return UserFactory(username="wb.admin", role="admin")


# -- XLSX cells ----------------------------------------------------------------------------------------------
def test_xlsx_cells_reach_check_as_text_and_formula_cells_are_refused(gadgets: GadgetRegister) -> None:
    content = xlsx(
        {
            "Anything": [
                ["Gadget", "Made on", "PRICE", "active", "note"],
                ["Widget", dt.date(2026, 3, 1), 18.5, True, "  plain  "],
                ["Sprocket", dt.datetime(2026, 3, 2, 0, 0), 0.1 + 0.2, False, "=1+2"],
                [None, None, None, None, None],  # a blank row is skipped
                ["Cog", "2026-03-04", 1234, None, "'=kept as text?"],
            ]
        }
    )
    rows, preview = imports.import_preview("gadgets", content)
    assert [row["row"] for row in rows] == [2, 3, 5] and {row["sheet"] for row in rows} == {"Anything"}
    widget, sprocket, cog = gadgets.seen
    assert (widget["made_on"], widget["price"], widget["active"], widget["note"]) == (
        "2026-03-01",
        "18.5",
        "yes",
        "plain",
    )
    assert (sprocket["made_on"], sprocket["price"], sprocket["active"]) == ("2026-03-02", "0.3", "no")
    assert sprocket["note"] == ""  # handed over empty: the engine refused it
    assert (cog["price"], cog["note"]) == ("1234", "")
    refused = {entry["row"]: entry["errors"] for entry in preview.errors}
    assert refused == {3: {"note": [imports.FORMULA_MESSAGE]}, 5: {"note": [imports.FORMULA_MESSAGE]}}
    assert preview.valid_rows == 1


def test_a_real_formula_cell_is_refused_even_in_a_free_text_column(gadgets: GadgetRegister, monkeypatch: Any) -> None:
    monkeypatch.setattr(GadgetRegister, "free_text_columns", ("note",), raising=False)
    content = xlsx({"Gadgets": [["name", "note"], ["Widget", "=SUM(1,2)"]]})
    book = load_workbook(io.BytesIO(content))
    assert book["Gadgets"]["B2"].data_type == "f"  # openpyxl wrote a formula cell
    _rows, preview = imports.import_preview("gadgets", content)
    assert preview.errors[0]["errors"] == {"note": [imports.FORMULA_MESSAGE]}
    _csv_rows, csv_preview = imports.import_preview("gadgets", b"name,note\nWidget,=SUM(1;2)\n")
    assert csv_preview.valid_rows == 1 and gadgets.seen[-1]["note"] == "=SUM(1;2)"  # text, kept as given


@pytest.mark.parametrize(
    ("register", "sheets", "message"),
    [
        ("gadgets", {"One": [["name"], ["a"]], "Two": [["name"], ["b"]]}, "The workbook has 2 sheets"),
        ("gadgets", {"Gadgets": [["colour"], ["red"]]}, "Unknown column(s) in the header: colour"),
        ("gadgets", {"Gadgets": [["note"], ["x"]]}, "The header lacks name"),
        ("workbook", {"Gizmos": [["name"], ["a"]]}, "The sheet “Gizmos” is not a register"),
        ("workbook", {"Gadgets": [["name"]]}, "headers but no rows"),
        ("nothing", {"Gadgets": [["name"], ["a"]]}, "No register “nothing”"),
    ],
)
def test_sheets_that_are_not_ours_are_refused_with_a_readable_message(
    gadgets: GadgetRegister, register: str, sheets: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImportFileError) as refused:
        imports.import_file_read(register, xlsx(sheets))
    assert message in refused.value.message


def test_sheet_mapping_by_name_skipping_notes_and_empty_sheets(gadgets: GadgetRegister) -> None:
    content = xlsx({"Sheet1": [], "gadgets": [["name"], ["a"], ["b"]], "Notes": [["help"]]})
    assert [row["name"] for row in imports.import_file_read("workbook", content)] == ["a", "b"]
    assert [row["name"] for row in imports.import_file_read("gadgets", content)] == ["a", "b"]
    with pytest.raises(ImportFileError, match="A workbook is an XLSX file"):
        imports.import_file_read("workbook", b"name\na\n")


def test_the_row_limit_counts_every_sheet(gadgets: GadgetRegister, settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        imports.import_file_read("gadgets", xlsx({"Gadgets": [["name"], ["a"], ["b"], ["c"]]}))


# -- a workbook of real registers ------------------------------------------------------------------------------
def test_a_workbook_imports_its_registers_in_order_and_a_second_time_changes_nothing(
    owners: list[Any], admin: Any
) -> None:
    content, plan = workbook_bytes(vendors=60, certified=45)
    job = imports.import_job_create(actor=admin, file_name="first.xlsx", content=content, register="workbook")
    assert [sheet["register"] for sheet in job.sheets] == ["vendors", "certifications", "contracts"]
    assert (job.valid_rows, job.error_count) == (plan.valid_rows, len(plan.bad_rows))
    refused = {(entry["sheet"], entry["row"]): set(entry["errors"]) for entry in job.errors}
    assert refused == {(sheet, row): {column} for sheet, row, column in plan.bad_rows}
    assert Vendor.objects.count() == 0  # the preview writes nothing; contracts were checked against the plan
    imports.import_job_start(instance=job, actor=admin, enqueue=False)
    assert imports.import_job_run(import_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.created_count, job.error_count) == (plan.valid_rows, len(plan.bad_rows))
    assert Vendor.objects.count() == plan.vendors and Certification.objects.count() == plan.certifications
    assert Contract.objects.count() == plan.contracts
    assert not Vendor.objects.filter(name__in=plan.refused_names).exists()
    assert not Contract.objects.filter(reference__in=plan.refused_names).exists()
    sow = Contract.objects.get(reference="SOW-WB-001")
    assert sow.parent is not None and sow.parent.reference == "MSA-WB-001"
    assert {sheet["register"]: sheet["created"] for sheet in job.sheets} == {
        "vendors": plan.vendors,
        "certifications": plan.certifications,
        "contracts": plan.contracts,
    }
    again = imports.import_job_create(actor=admin, file_name="again.xlsx", content=content, register="workbook")
    imports.import_job_start(instance=again, actor=admin, enqueue=False)
    assert imports.import_job_run(import_id=again.pk) == "done"
    again.refresh_from_db()
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, plan.valid_rows)


def test_a_workbook_needs_the_permission_of_every_sheet(owners: list[Any]) -> None:
    content, _plan = workbook_bytes(vendors=60, certified=45)
    with pytest.raises(PermissionDeniedError, match="You may not import"):
        imports.import_job_create(
            actor=UserFactory(username="nobody"), file_name="x.xlsx", content=content, register="workbook"
        )
    assert ImportJob.objects.count() == 0


# -- templates -----------------------------------------------------------------------------------------------
def test_the_templates_download_as_csv_and_xlsx(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    csv_response = client.get(reverse("imports:template", args=["vendors", "csv"]))
    assert csv_response.status_code == 200
    assert csv_response.content.decode("utf-8-sig").splitlines()[0].startswith("name,country,geography")
    single = client.get(reverse("imports:template", args=["vendors", "xlsx"]))
    book = load_workbook(io.BytesIO(single.content))
    assert book.sheetnames == ["Vendors", "Notes"]
    assert [cell.value for cell in book["Vendors"][1]][:2] == ["name", "country"]
    assert book["Vendors"]["A2"].value == "Acme Software"
    workbook = load_workbook(io.BytesIO(client.get(reverse("imports:workbook-template")).content))
    assert workbook.sheetnames[-1] == "Notes" and {"Vendors", "Contracts", "Measurements"} <= set(workbook.sheetnames)
    assert workbook.sheetnames.index("Vendors") < workbook.sheetnames.index("Contracts")
    assert client.get(reverse("imports:template", args=["nothing", "csv"])).status_code == 404


# -- pages ---------------------------------------------------------------------------------------------------
def test_upload_a_workbook_preview_per_sheet_and_who_sees_it(owners: list[Any], admin: Any) -> None:
    content, plan = workbook_bytes(vendors=60, certified=45)
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("imports:create"),
        {"register": "workbook", "file": SimpleUploadedFile("portfolio.xlsx", content, imports.XLSX_MIME)},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Valid rows are written; refused rows are not — nothing of a refused row is kept." in page
    assert 'id="import-sheets"' in page and f"Import {plan.valid_rows} valid rows" in page
    outsider = Client()
    outsider.force_login(UserFactory(username="outsider"))
    assert outsider.get(job.get_absolute_url()).status_code == 404
    assert "portfolio.xlsx" not in outsider.get(reverse("imports:list")).content.decode()
    assert "portfolio.xlsx" in client.get(reverse("imports:list")).content.decode()


def test_the_old_measurement_import_paths_redirect(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    assert client.get("/kpis/imports/new/")["Location"] == "/imports/new/?register=measurements"
    assert client.get("/kpis/imports/template.csv")["Location"] == "/imports/templates/measurements.csv"
    assert client.get("/kpis/imports/7/")["Location"] == "/imports/7/"


def test_a_csv_sent_as_a_workbook_is_a_form_error(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("imports:create"), {"register": "workbook", "file": SimpleUploadedFile("x.csv", b"name\na\n")}
    )
    assert response.status_code == 400 and "A workbook is an XLSX file" in response.content.decode()


# -- manage.py import ----------------------------------------------------------------------------------------
def test_the_command_previews_and_imports_a_workbook(
    owners: list[Any], admin: Any, tmp_path: Path, capsys: Any
) -> None:
    content, plan = workbook_bytes(vendors=60, certified=45)
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(content)
    call_command("import", "workbook", str(path), "--dry-run", "--as", admin.username)
    out = capsys.readouterr().out
    assert f"{plan.valid_rows + len(plan.bad_rows)} rows read: {plan.valid_rows} can be imported" in out
    assert "Vendors (sheet “Vendors”)" in out and "Contracts row 13: vendor: No vendor named" in out
    assert "Dry run: nothing was written." in out and Vendor.objects.count() == 0
    call_command("import", "vendors", str(path), "--as", admin.username)  # the Vendors sheet of the workbook
    assert Vendor.objects.count() == plan.vendors
    with pytest.raises(CommandError, match="No register “gizmos”"):
        call_command("import", "gizmos", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "vendors", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="is not a register"):
        call_command("import", "workbook", str(_with_unknown_sheet(tmp_path)))


def _with_unknown_sheet(tmp_path: Path) -> Path:
    path = tmp_path / "odd.xlsx"
    path.write_bytes(xlsx({"Gizmos": [["name"], ["a"]]}))
    return path
