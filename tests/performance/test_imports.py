"""The CSV import: reading the file (encodings, header, limits), the preview's row errors with the
file's row numbers, formula-looking cells, the commit through the Celery task in chunks with its
progress, idempotency, and ``manage.py import_measurements``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from apps.core.errors import ApplicationError, ConflictError
from apps.core.importing import import_register
from apps.kpis.models import KpiDefinition
from apps.performance import imports, measurement_imports
from apps.performance.imports import ImportFileError, import_file_read
from apps.performance.models import ImportJob, Measurement
from apps.performance.tasks import run_import
from tests.factories import ContractFactory, MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db
HEADER = "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
MeasurementEvent = apps.get_model("performance", "MeasurementEvent")


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{line}\n" for line in lines)).encode()


@pytest.fixture
def manager() -> Any:
    return UserFactory(username="importer", role="engineering_manager")


@pytest.fixture
def contract() -> Any:
    return ContractFactory(reference="MSA-7")


def preview(content: bytes) -> imports.ImportPreview:
    return imports.import_preview("measurements", content)[1]


def errors_by_row(content: bytes) -> dict[int, dict[str, list[str]]]:
    return {entry["row"]: entry["errors"] for entry in preview(content).errors}


# -- reading the file ----------------------------------------------------------------------------------------
def test_rows_are_read_with_their_row_numbers_in_the_file() -> None:
    content = csv_bytes(
        "MSA-7,lead_time_for_changes,2026-10-01,2026-10-31,18.5,,,",
        ",,,,,,,",  # a blank line keeps its number and is skipped
        'MSA-7,defect_rate,2026-10-01,2026-10-31,,3,240,"two\nlines"',
        "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,",
    )
    rows = import_file_read("measurements", content)
    assert [row["row"] for row in rows] == [2, 4, 5]  # the header is row 1
    assert rows[1]["note"] == "two\nlines" and rows[1]["numerator"] == "3"


@pytest.mark.parametrize(
    "encoded",
    [
        ("\ufeff" + HEADER + "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,Café\n").encode(),  # BOM
        (HEADER + "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,Café\n").encode(),
        (HEADER.replace(",", ";") + "MSA-7;sprint_velocity;2026-10-01;2026-10-14;40;;;Café\n").encode(),
        (
            "Contract Reference,KPI code,Period start,Period end,Value,Note\n"
            "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,Café\n"
        ).encode(),
    ],
    ids=["utf8-bom", "utf8", "semicolons", "aliases-and-optional-columns"],
)
def test_encodings_delimiters_and_header_spellings(encoded: bytes, contract: Any) -> None:
    rows = import_file_read("measurements", encoded)
    assert rows[0]["contract"] == "MSA-7" and rows[0]["kpi"] == "sprint_velocity" and rows[0]["note"] == "Café"
    assert preview(encoded).valid_rows == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (HEADER.encode(), "no rows"),
        ("contract,kpi,period_start,period_end,value\n1,x,2026-01-01,2026-01-02,3\n".encode("utf-16"), "not UTF-8"),
        (b"contract,kpi,period_start,value\n1,x,2026-01-01,3\n", "lacks period_end"),
        (
            b"contract,kpi,period_start,period_end,colour\n1,x,2026-01-01,2026-01-02,red\n",
            "Unknown column(s) in the header: colour",
        ),
        (b"contract,kpi,kpi,period_start,period_end\n", "more than once"),
        ("café".encode("latin-1") + b",kpi\n", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_ours_is_refused_with_a_readable_message(content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        import_file_read("measurements", content)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_size_and_row_limits(settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 3
    rows = [f"MSA-7,sprint_velocity,2026-10-01,2026-10-{day:02d},40,,," for day in range(1, 5)]
    assert len(import_file_read("measurements", csv_bytes(*rows[:3]))) == 3
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        import_file_read("measurements", csv_bytes(*rows))
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="the limit is"):
        import_file_read("measurements", csv_bytes(*rows[:3]))


def test_the_default_limits() -> None:
    from django.conf import settings

    assert (settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS) == (5 * 1024 * 1024, 50_000)


def test_a_row_with_more_cells_than_the_header_is_an_error(contract: Any) -> None:
    errors = errors_by_row(csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,note,surplus"))
    assert errors == {2: {"non_field_errors": ["This row has more cells than the header has columns."]}}


# -- the preview ---------------------------------------------------------------------------------------------
def test_the_preview_lists_each_rows_errors_with_its_row_number(contract: Any) -> None:
    other = ContractFactory(reference="")
    content = csv_bytes(
        "MSA-7,lead_time_for_changes,2026-10-01,2026-10-31,18.5,,,",  # row 2: fine
        "MSA-7,defect_rate,2026-10-01,2026-10-31,,3,0,",  # row 3: denominator 0
        f"{other.pk},sprint_velocity,2026-10-01,2026-10-14,40,,,",  # row 4: a contract by id
        "NOPE-1,sprint_velocity,2026-10-01,2026-10-14,40,,,",  # row 5: unknown reference
        "MSA-7,no_such_kpi,2026-10-01,2026-10-14,40,,,",  # row 6
        "MSA-7,sprint_velocity,2026-10-14,2026-10-01,40,,,",  # row 7: ends before it starts
        "MSA-7,sprint_velocity,2026-10-01,2099-10-14,40,,,",  # row 8: in the future
        "MSA-7,on_time_delivery_rate,2026-10-01,2026-10-31,,120,100,",  # row 9: 120 %
        "MSA-7,lead_time_for_changes,2026-10-01,2026-10-31,18.5,,,again",  # row 10: repeats row 2
        "MSA-7,sprint_velocity,01/10/2026,2026-10-14,40,,,",  # row 11: not a date
    )
    result = preview(content)
    assert (result.total_rows, result.valid_rows) == (10, 2)
    errors = {entry["row"]: entry["errors"] for entry in result.errors}
    assert set(errors) == {3, 5, 6, 7, 8, 9, 10, 11}
    assert errors[3] == {"denominator": ["The denominator must be above zero."]}
    assert errors[5] == {"contract": ["No contract with the reference “NOPE-1”."]}
    assert errors[6] == {"kpi": ["No KPI with code “no_such_kpi”."]}
    assert list(errors[7]) == ["period_end"] and list(errors[8]) == ["period_end"]
    assert "cannot be above 100" in errors[9]["numerator"][0]
    assert errors[10] == {"non_field_errors": ["Same contract, KPI and period as row 2: only that one is saved."]}
    assert "YYYY-MM-DD" in errors[11]["period_start"][0]
    assert Measurement.objects.count() == 0  # a preview writes nothing


def test_a_reference_shared_by_two_contracts_must_be_given_as_an_id() -> None:
    first, _second = ContractFactory(reference="SOW-1"), ContractFactory(reference="SOW-1")
    errors = errors_by_row(
        csv_bytes(
            "SOW-1,sprint_velocity,2026-10-01,2026-10-14,40,,,",
            f"{first.pk},sprint_velocity,2026-10-01,2026-10-14,40,,,",
        )
    )
    assert errors == {
        2: {"contract": ["Several contracts have the reference “SOW-1”: give the contract's id instead."]}
    }


def test_formula_looking_cells_are_never_evaluated(contract: Any, manager: Any) -> None:
    content = csv_bytes(
        'MSA-7,sprint_velocity,2026-10-01,2026-10-01,40,,,"=HYPERLINK(""http://evil"",""x"")"',  # row 2: stored as text
        "MSA-7,sprint_velocity,2026-10-01,2026-10-02,40,,,@SUM(A1)",  # row 3: text
        "MSA-7,sprint_velocity,2026-10-01,2026-10-03,40,,,'=1+2",  # row 4: the apostrophe escape is dropped
        "MSA-7,sprint_velocity,2026-10-01,2026-10-04,40,,,+31 6 1234 5678",  # row 5: text
        "MSA-7,sprint_velocity,2026-10-01,2026-10-05,40,,,-- checked",  # row 6: text
        "MSA-7,sprint_velocity,2026-10-01,2026-10-06,=1+1,,,",  # row 7: a formula instead of a number
        "MSA-7,sprint_velocity,2026-10-01,2026-10-07,@A1,,,",  # row 8: the same
        "MSA-7,sprint_velocity,2026-10-01,2026-10-08,-5,,,",  # row 9: a negative number, checked as one
        "MSA-7,sprint_velocity,2026-10-01,2026-10-09,+5,,,",  # row 10: a positive number
        "MSA-7,sprint_velocity,2026-10-01,2026-10-10,\t7,,,\tTabbed",  # row 11: tab before the number
        "=cmd|' /C calc'!A0,sprint_velocity,2026-10-01,2026-10-11,40,,,",  # row 12: formula as the contract
    )
    errors = errors_by_row(content)
    assert set(errors) == {7, 8, 9, 12}
    assert errors[7] == {"value": ["This cell is a spreadsheet formula: put its value in the file instead."]}
    assert errors[8] == errors[7]
    assert errors[9] == {"value": ["Sprint velocity cannot be below 0 points; the value is -5."]}
    assert "contract" in errors[12]
    job = imports.import_job_create(register="measurements", actor=manager, file_name="formulas.csv", content=content)
    imports.import_job_start(instance=job, actor=manager, enqueue=False)
    assert run_import(job.pk) == "done"
    notes = dict(Measurement.objects.values_list("period_end__day", "note"))
    assert notes[1] == '=HYPERLINK("http://evil","x")'
    assert notes[2] == "@SUM(A1)"
    assert notes[3] == "=1+2"
    assert notes[4] == "+31 6 1234 5678" and notes[5] == "-- checked"
    assert notes[10] == "Tabbed"
    assert Measurement.objects.get(period_end__day=9).value == 5
    assert Measurement.objects.get(period_end__day=10).value == 7


# -- the commit --------------------------------------------------------------------------------------------------
def test_start_enqueues_the_task_after_the_commit(
    contract: Any, manager: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: sent.append(args))
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="october.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"),
    )
    assert job.status == "pending"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        imports.import_job_start(instance=job, actor=manager)
        assert sent == []  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert job.status == "queued" and job.queued_at is not None
    assert Measurement.objects.count() == 0  # the worker writes, not the request


def test_the_task_writes_in_chunks_and_counts_progress(
    contract: Any, manager: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    MeasurementFactory(
        contract=contract, kpi=velocity, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 1), value=40
    )
    MeasurementFactory(
        contract=contract, kpi=velocity, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 2), value=40
    )
    content = csv_bytes(
        "MSA-7,sprint_velocity,2026-10-01,2026-10-01,40,,,",  # unchanged
        "MSA-7,sprint_velocity,2026-10-01,2026-10-02,41,,,",  # updated
        "MSA-7,sprint_velocity,2026-10-01,2026-10-03,-1,,,",  # error
        "MSA-7,defect_rate,2026-10-01,2026-10-31,,3,240,",  # created
        "MSA-7,sprint_velocity,2026-10-01,2026-10-05,42,,,",  # created
    )
    job = imports.import_job_create(register="measurements", actor=manager, file_name="october.csv", content=content)
    assert (job.total_rows, job.valid_rows, job.error_count) == (5, 4, 1)
    imports.import_job_start(instance=job, actor=manager, enqueue=False)
    seen: list[int] = []
    upsert = measurement_imports.measurement_bulk_upsert

    def watching(**kwargs: Any) -> Any:
        seen.append(ImportJob.objects.get(pk=job.pk).processed_rows)
        return upsert(**kwargs)

    monkeypatch.setattr(measurement_imports, "measurement_bulk_upsert", watching)
    assert run_import(job.pk) == "done"
    assert seen == [0, 2, 4]  # three chunks; the count moved on after each
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.progress_percent) == ("done", 5, 100)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.error_count) == (2, 1, 1, 1)
    assert job.errors == [
        {
            "row": 4,
            "register": "measurements",
            "sheet": "",
            "errors": {"value": ["Sprint velocity cannot be below 0 points; the value is -1."]},
        }
    ]
    assert job.started_at and job.finished_at
    created = Measurement.objects.get(period_end=dt.date(2026, 10, 31))
    assert (created.source, created.recorded_by, created.value) == ("import", manager, Decimal("1.2500"))
    event = MeasurementEvent.objects.filter(pgh_obj_id=created.pk).get()
    assert (event.pgh_context.metadata["user"], event.pgh_context.metadata["action"]) == (
        manager.pk,
        "measurement_import",
    )


def test_running_a_finished_import_again_is_a_no_op(
    contract: Any, manager: Any, django_assert_max_num_queries: Any
) -> None:
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="october.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"),
    )
    imports.import_job_start(instance=job, actor=manager, enqueue=False)
    assert run_import(job.pk) == "done"
    events = MeasurementEvent.objects.count()
    with django_assert_max_num_queries(3):
        assert run_import(job.pk) == "done"
    assert MeasurementEvent.objects.count() == events
    assert run_import(987654) == "missing"
    with pytest.raises(ConflictError):
        imports.import_job_start(instance=job, actor=manager)


def test_a_pending_import_is_not_written_by_a_stray_task(contract: Any, manager: Any) -> None:
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="october.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"),
    )
    assert run_import(job.pk) == "pending"
    assert Measurement.objects.count() == 0


def test_a_worker_that_died_resumes_after_the_last_chunk(contract: Any, manager: Any, settings: Any) -> None:
    settings.IMPORT_CHUNK_ROWS = 2
    lines = [f"MSA-7,sprint_velocity,2026-10-01,2026-10-{day:02d},40,,," for day in range(1, 6)]
    job = imports.import_job_create(
        register="measurements", actor=manager, file_name="october.csv", content=csv_bytes(*lines)
    )
    imports.import_job_start(instance=job, actor=manager, enqueue=False)
    # As if a worker had committed the first chunk (2 rows created) and died.
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=2, created_count=2)
    assert run_import(job.pk) == "done"
    job.refresh_from_db()
    assert (job.processed_rows, job.created_count) == (5, 5)
    assert Measurement.objects.count() == 3  # only the rows after the committed chunk were written here


def test_an_import_without_a_valid_row_cannot_start(contract: Any, manager: Any) -> None:
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="bad.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,-40,,,"),
    )
    with pytest.raises(ApplicationError, match="No row"):
        imports.import_job_start(instance=job, actor=manager)


def test_an_unexpected_error_marks_the_import_failed(contract: Any, manager: Any, monkeypatch: Any) -> None:
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="october.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"),
    )
    imports.import_job_start(instance=job, actor=manager, enqueue=False)

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(measurement_imports, "measurement_bulk_upsert", broken)
    with pytest.raises(RuntimeError):
        run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "disk on fire" in job.failure and job.finished_at


def test_the_import_keeps_the_rows_in_the_database_and_its_history_without_them(contract: Any, manager: Any) -> None:
    job = imports.import_job_create(
        register="measurements",
        actor=manager,
        file_name="october.csv",
        content=csv_bytes("MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,"),
    )
    assert ImportJob.objects.get(pk=job.pk).rows[0]["contract"] == "MSA-7"
    event_model = apps.get_model("performance", "ImportJobEvent")
    event_fields = {f.name for f in event_model._meta.fields}
    assert "rows" not in event_fields and "errors" not in event_fields and "status" in event_fields
    assert event_model.objects.filter(pgh_obj_id=job.pk).get().pgh_context.metadata["action"] == "import_create"


def test_the_template_rows_import_as_they_are(contract: Any) -> None:
    register = import_register("measurements")
    assert register is not None
    assert preview(imports.template_csv(register)).valid_rows == 2


# -- manage.py import_measurements --------------------------------------------------------------------------------
@pytest.fixture
def csv_file(tmp_path: Path, contract: Any) -> Path:
    path = tmp_path / "october.csv"
    path.write_bytes(
        csv_bytes(
            "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,",
            "MSA-7,defect_rate,2026-10-01,2026-10-31,,3,240,=not evaluated",
            "MSA-7,sprint_velocity,2026-10-15,2026-10-28,-4,,,",
        )
    )
    return path


def test_the_command_dry_run_prints_the_preview_and_writes_nothing(csv_file: Path, capsys: Any) -> None:
    call_command("import_measurements", str(csv_file), "--dry-run")
    out = capsys.readouterr().out
    assert "3 rows read: 2 can be imported, 1 with errors." in out
    assert "row 4: value: Sprint velocity cannot be below 0 points" in out
    assert "Dry run: nothing was written." in out
    assert Measurement.objects.count() == 0 and ImportJob.objects.count() == 0


def test_the_command_imports_as_the_given_user(csv_file: Path, manager: Any, capsys: Any) -> None:
    call_command("import_measurements", str(csv_file), "--as", "importer")
    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 1 skipped with errors" in out
    assert set(Measurement.objects.values_list("recorded_by__username", "source")) == {("importer", "import")}
    job = ImportJob.objects.get()
    assert (job.status, job.created_by, job.processed_rows) == ("done", manager, 3)
    call_command("import_measurements", str(csv_file), "--as", "importer")  # again: nothing changes
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp / "missing.csv", "No such file"),
        (lambda tmp: (tmp / "bad.csv").write_bytes(b"name,colour\nx,red\n") and tmp / "bad.csv", "Unknown column(s)"),
        (
            lambda tmp: (
                (tmp / "none.csv").write_bytes((HEADER + "X,sprint_velocity,2026-10-01,2026-10-14,40,,,\n").encode())
                and tmp / "none.csv"
            ),
            "No row can be imported",
        ),
    ],
    ids=["missing-file", "bad-header", "no-valid-row"],
)
def test_the_command_fails_with_a_readable_message(setup: Any, message: str, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_measurements", str(setup(tmp_path)))
    assert Measurement.objects.count() == 0


def test_the_command_refuses_an_unknown_or_unauthorised_user(csv_file: Path) -> None:
    with pytest.raises(CommandError, match="No user"):
        call_command("import_measurements", str(csv_file), "--as", "nobody")
    UserFactory(username="cfo", role="executive")
    with pytest.raises(CommandError, match="may not import measurements"):
        call_command("import_measurements", str(csv_file), "--as", "cfo")


def test_the_command_exits_1_without_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "import_measurements", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode == 1
    assert "No such file" in result.stderr and "Traceback" not in result.stderr
