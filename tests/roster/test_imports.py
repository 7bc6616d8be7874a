"""The "assignments" import register: the preview through the engine (CSV), bad rows refused with their
reasons, a re-import that updates by contract + engineer + start date, and who may import which rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from apps.core.errors import PermissionDeniedError
from apps.core.importing import ImportContext, import_register
from apps.performance.imports import import_job_create, import_job_run, import_job_start, import_preview
from apps.roster.models import Assignment
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "contract,engineer email,role,allocation,start,end,key person,billed rate,currency\n"


@pytest.fixture
def world() -> dict[str, Any]:
    contract = factories.ContractFactory(reference="SOW-7")
    anna = factories.EngineerFactory(vendor=contract.vendor, email="Anna@Acme.example", name="Anna")
    return {"contract": contract, "anna": anna}


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


GOOD = "SOW-7,anna@acme.example,Tech lead,80,2026-02-01,,yes,95,eur"


def test_preview_lists_bad_rows_with_reasons(world: dict[str, Any], user_with_role: Any) -> None:
    stranger = factories.EngineerFactory(email="bob@elsewhere.example")
    content = _csv(
        GOOD,
        "SOW-404,anna@acme.example,QA,100,2026-02-01,,,,",  # no such contract
        f"SOW-7,{stranger.email},QA,100,2026-02-01,,,,",  # an engineer of another vendor
        "SOW-7,anna@acme.example,,100,2026-03-01,,,,",  # a new assignment without a role (and overlapping)
        "SOW-7,anna@acme.example,QA,150,2027-02-01,,,,",  # allocation over 100
        "SOW-7,anna@acme.example,QA,50,2027-05-01,2027-04-01,,,",  # ends before it starts
        "SOW-7,anna@acme.example,QA,50,2028-01-01,,,90,",  # a rate without currency
    )
    _, preview = import_preview("assignments", content, actor=user_with_role("procurement"))
    assert preview.total_rows == 7 and preview.valid_rows == 1
    errors = {entry["row"]: entry["errors"] for entry in preview.errors}
    assert "contract" in errors[3]
    assert "engineer" in errors[4] and "No engineer" in errors[4]["engineer"][0]
    assert "role" in errors[5]
    assert "allocation_percent" in errors[6]
    assert "end_date" in errors[7] or "detail" in errors[7]
    assert "rate_currency" in errors[8] or "billed_rate" in errors[8]


def test_overlap_with_a_stored_assignment_is_refused_in_the_preview(world: dict[str, Any]) -> None:
    factories.AssignmentFactory(contract=world["contract"], engineer=world["anna"], start_date=dt.date(2026, 1, 1))
    register = import_register("assignments")
    assert register is not None
    row: dict[str, Any] = {"row": 2, **dict.fromkeys(register.column_names, "")}
    row.update(contract="SOW-7", engineer="anna@acme.example", role="QA", start_date="2026-03-01")
    [check] = register.check([row], context=ImportContext(actor=None))
    assert "already assigned" in check.errors["start_date"][0]


def _run(content: bytes, actor: Any) -> Any:
    job = import_job_create(actor=actor, file_name="team.csv", content=content, register="assignments")
    import_job_start(instance=job, actor=actor, enqueue=False)
    import_job_run(import_id=job.pk)
    job.refresh_from_db()
    return job


def test_import_then_reimport_updates(world: dict[str, Any], user_with_role: Any) -> None:
    actor = user_with_role("procurement")
    job = _run(_csv(GOOD), actor)
    assert job.status == "done" and job.created_count == 1, (job.status, job.errors)
    assignment = Assignment.objects.get()
    assert assignment.key_person and assignment.allocation_percent == 80
    assert assignment.billed_rate == Decimal("95") and assignment.rate_currency == "EUR"
    again = _run(_csv("SOW-7,ANNA@acme.example,Tech lead,60,2026-02-01,2026-12-31,yes,95,EUR"), actor)
    assert again.updated_count == 1 and again.created_count == 0
    assignment.refresh_from_db()
    assert assignment.allocation_percent == 60 and assignment.end_date == dt.date(2026, 12, 31)
    assert Assignment.objects.count() == 1
    same = _run(_csv("SOW-7,anna@acme.example,Tech lead,60,2026-02-01,,,,"), actor)
    assert same.unchanged_count == 1


def test_delivery_owner_imports_only_their_vendor(world: dict[str, Any]) -> None:
    other = factories.ContractFactory(reference="SOW-8")
    factories.EngineerFactory(vendor=other.vendor, email="carl@other.example")
    owner = world["contract"].vendor.delivery_owner
    register = import_register("assignments")
    assert register is not None and register.may_import(owner)
    _, preview = import_preview(
        "assignments", _csv(GOOD, "SOW-8,carl@other.example,QA,100,2026-02-01,,,,"), actor=owner
    )
    assert preview.valid_rows == 1
    assert "delivery owner" in preview.errors[0]["errors"]["detail"][0]


def test_others_may_not_import(world: dict[str, Any], user_with_role: Any) -> None:
    register = import_register("assignments")
    assert register is not None
    assert not register.may_import(user_with_role("executive"))
    with pytest.raises(PermissionDeniedError):
        import_job_create(
            actor=user_with_role("executive"), file_name="team.csv", content=_csv(GOOD), register="assignments"
        )


def test_check_queries_do_not_grow_with_rows(world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    register = import_register("assignments")
    assert register is not None
    rows: list[dict[str, Any]] = []
    for n in range(30):
        row = {"row": n + 2, **dict.fromkeys(register.column_names, "")}
        row.update(contract="SOW-7", engineer="anna@acme.example", role="QA", start_date=f"2030-01-{n + 1:02d}")
        rows.append(row)
    with django_assert_max_num_queries(3):  # contracts, engineers, assignments
        register.check(rows, context=ImportContext(actor=None))
