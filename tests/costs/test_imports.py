"""The "invoices" import register: the preview's row errors, a created invoice with its hours, and a
re-import of the same file that writes nothing (no update, no audit event); a known invoice's status is
not changed by a file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from apps.costs.models import Invoice
from apps.performance.imports import import_job_create, import_job_run, import_job_start, import_preview
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "contract,number,period start,period end,amount,currency,status,received on,note,hours\n"
GOOD = "SOW-7,INV-1,2026-03-01,2026-03-31,18500.00,eur,approved,2026-04-02,March,Developer: 120; QA: 40"
InvoiceEvent = apps.get_model("costs", "InvoiceEvent")
InvoiceHoursEvent = apps.get_model("costs", "InvoiceHoursEvent")


@pytest.fixture
def contract() -> Any:
    return factories.ContractFactory(reference="SOW-7")


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def _run(content: bytes, actor: Any) -> Any:
    job = import_job_create(actor=actor, file_name="invoices.csv", content=content, register="invoices")
    import_job_start(instance=job, actor=actor, enqueue=False)
    import_job_run(import_id=job.pk)
    job.refresh_from_db()
    return job


def test_preview_lists_bad_rows_with_reasons(contract: Any, user_with_role: Any) -> None:
    content = _csv(
        GOOD,
        "SOW-404,INV-2,2026-03-01,2026-03-31,1,EUR,,,,",  # no such contract
        "SOW-7,INV-3,2026-03-31,2026-03-01,1,EUR,,,,",  # ends before it starts
        "SOW-7,INV-4,2026-03-01,2026-03-31,-5,EUR,,,,",  # a negative amount
        "SOW-7,INV-5,2026-03-01,2026-03-31,1,EUR,,,,Developer 12",  # hours that do not read
        "SOW-7,inv-1,2026-03-01,2026-03-31,1,EUR,,,,",  # the first row's key again
        "SOW-7,INV-6,,,,,,,,",  # a new invoice without its period, amount and currency
    )
    _, preview = import_preview("invoices", content, actor=user_with_role("procurement"))
    assert preview.total_rows == 7 and preview.valid_rows == 1
    errors = {entry["row"]: entry["errors"] for entry in preview.errors}
    assert "contract" in errors[3]
    assert "period_end" in errors[4] or "detail" in errors[4]
    assert "amount" in errors[5]
    assert "hours" in errors[6] and "does not read" in errors[6]["hours"][0]
    assert "Same contract and number as row 2" in errors[7]["detail"][0]
    assert {"period_start", "period_end", "amount", "currency"} <= set(errors[8])


def test_reimporting_the_same_file_writes_nothing(contract: Any, user_with_role: Any) -> None:
    actor = user_with_role("procurement")
    job = _run(_csv(GOOD), actor)
    assert job.status == "done" and job.created_count == 1, (job.status, job.errors)
    invoice = Invoice.objects.get()
    assert invoice.status == "approved" and invoice.currency == "EUR" and invoice.amount == Decimal("18500")
    assert {line.role: line.hours for line in invoice.hours.all()} == {"Developer": 120, "QA": 40}
    events = (InvoiceEvent.objects.count(), InvoiceHoursEvent.objects.count())
    again = _run(_csv(GOOD.replace("INV-1", "inv-1")), actor)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1), again.errors
    assert (InvoiceEvent.objects.count(), InvoiceHoursEvent.objects.count()) == events
    assert Invoice.objects.get().updated_at == invoice.updated_at


def test_a_file_does_not_move_a_known_invoice_nor_change_an_approved_one(contract: Any, user_with_role: Any) -> None:
    actor = user_with_role("procurement")
    factories.InvoiceFactory(contract=contract, number="INV-1", status="approved", amount=Decimal("18500"))
    _, preview = import_preview("invoices", _csv(GOOD.replace(",approved,", ",paid,")), actor=actor)
    assert "status" in preview.errors[0]["errors"]
    assert "not by an import" in preview.errors[0]["errors"]["status"][0]
    _, preview = import_preview("invoices", _csv(GOOD.replace("18500.00", "19000")), actor=actor)
    assert "Dispute it to correct them" in preview.errors[0]["errors"]["detail"][0]


def test_others_may_not_import(contract: Any, user_with_role: Any) -> None:
    from apps.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        import_job_create(actor=user_with_role("executive"), file_name="i.csv", content=_csv(GOOD), register="invoices")
