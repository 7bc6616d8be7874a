"""Invoice services: creation, the edit locks, the transitions (a dispute needs a reason), the billed hours,
and the constraints answered as 400/409 rather than 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, TransitionError
from apps.core.models import StatusChange
from apps.costs import services
from apps.costs.models import Invoice
from tests.factories import ContractFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(user_with_role: Any) -> Any:
    return user_with_role("procurement")


def _data(contract: Any, **extra: Any) -> dict[str, Any]:
    return {
        "contract": contract,
        "number": "INV-1",
        "period_start": dt.date(2026, 2, 1),
        "period_end": dt.date(2026, 2, 28),
        "amount": Decimal("1200.00"),
        "currency": "eur",
        **extra,
    }


def test_create_stores_upper_case_currency_received_status_and_hours(buyer: Any) -> None:
    contract = ContractFactory()
    invoice = services.invoice_create(actor=buyer, data=_data(contract, hours={"Developer": Decimal("10")}))
    assert invoice.currency == "EUR" and invoice.status == "received"
    assert services.invoice_hours_of(invoice) == {"Developer": Decimal("10")}


def test_a_number_repeated_on_the_contract_in_any_case_is_a_conflict(buyer: Any) -> None:
    contract = ContractFactory()
    services.invoice_create(actor=buyer, data=_data(contract))
    with pytest.raises(ValidationError) as caught:
        services.invoice_create(actor=buyer, data=_data(contract, number="inv-1"))
    assert "already has an invoice with this number" in str(caught.value)
    services.invoice_create(actor=buyer, data=_data(ContractFactory(), number="inv-1"))  # another contract: fine


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"period_end": dt.date(2026, 1, 1)}, "cannot end before it starts"),
        ({"amount": Decimal("-1")}, "greater than or equal to 0"),
        ({"currency": "XXQ"}, "not an ISO-4217 currency code"),
    ],
)
def test_invalid_fields_are_refused(buyer: Any, extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        services.invoice_create(actor=buyer, data=_data(ContractFactory(), **extra))
    assert not Invoice.objects.exists()


def test_other_roles_may_not_write(user_with_role: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.invoice_create(actor=user_with_role("executive"), data=_data(ContractFactory()))


def test_transitions_follow_the_lifecycle_and_are_recorded(buyer: Any) -> None:
    invoice = InvoiceFactory()
    services.invoice_transition(invoice=invoice, actor=buyer, to_status="approved")
    services.invoice_transition(invoice=invoice, actor=buyer, to_status="paid")
    assert invoice.status == "paid"
    with pytest.raises(TransitionError, match="final"):
        services.invoice_transition(invoice=invoice, actor=buyer, to_status="disputed", reason="Wrong rate")
    moves = list(StatusChange.objects.order_by("id").values_list("from_status", "to_status"))
    assert moves == [("received", "approved"), ("approved", "paid")]


def test_a_dispute_needs_a_reason_and_keeps_it(buyer: Any) -> None:
    invoice = InvoiceFactory()
    with pytest.raises(ApplicationError) as caught:
        services.invoice_transition(invoice=invoice, actor=buyer, to_status="disputed", reason="  ")
    assert caught.value.field == "reason" and caught.value.status_code == 400
    services.invoice_transition(invoice=invoice, actor=buyer, to_status="disputed", reason="Hours not agreed")
    assert StatusChange.objects.get().reason == "Hours not agreed"
    services.invoice_transition(invoice=invoice, actor=buyer, to_status="received")
    assert Invoice.objects.get().status == "received"


def test_content_is_locked_once_approved_until_disputed(buyer: Any) -> None:
    invoice = InvoiceFactory(status="approved")
    with pytest.raises(ApplicationError, match="Dispute it to correct them") as caught:
        services.invoice_update(instance=invoice, actor=buyer, data={"amount": Decimal("1")})
    assert caught.value.status_code == 400
    with pytest.raises(ApplicationError):
        services.invoice_hours_set(invoice=invoice, actor=buyer, hours={"QA": 3})
    # The note and the received date are not the approved content.
    services.invoice_update(instance=invoice, actor=buyer, data={"note": "Posted", "received_on": dt.date(2026, 4, 2)})
    services.invoice_transition(invoice=invoice, actor=buyer, to_status="disputed", reason="Amount wrong")
    services.invoice_update(instance=invoice, actor=buyer, data={"amount": Decimal("9000")})
    assert Invoice.objects.get().amount == Decimal("9000")


def test_update_refuses_a_status_or_contract_change(buyer: Any) -> None:
    invoice = InvoiceFactory()
    with pytest.raises(ApplicationError, match="approving, disputing or paying"):
        services.invoice_update(instance=invoice, actor=buyer, data={"status": "paid"})
    with pytest.raises(ApplicationError, match="stays on its contract"):
        services.invoice_update(instance=invoice, actor=buyer, data={"contract": ContractFactory()})


def test_hours_set_replaces_and_the_same_hours_write_nothing(buyer: Any) -> None:
    invoice = InvoiceFactory()
    services.invoice_hours_set(invoice=invoice, actor=buyer, hours={"Developer": "120", "QA": "40.5"})
    stamp = Invoice.objects.get().updated_at
    services.invoice_hours_set(invoice=invoice, actor=buyer, hours={"Developer": "120", "QA": "40.50"})
    assert Invoice.objects.get().updated_at == stamp
    services.invoice_hours_set(invoice=invoice, actor=buyer, hours={"Developer": "100"})
    assert services.invoice_hours_of(Invoice.objects.get()) == {"Developer": Decimal("100")}
    with pytest.raises(ApplicationError, match="more than 0"):
        services.invoice_hours_set(invoice=invoice, actor=buyer, hours={"QA": "0"})


def test_hours_text_reads_and_writes_the_same_form() -> None:
    parsed = services.hours_parse("Developer: 120; QA: 40.5")
    assert parsed == {"Developer": Decimal("120"), "QA": Decimal("40.5")}
    assert services.hours_text(parsed) == "Developer: 120; QA: 40.5"
    with pytest.raises(ApplicationError, match="does not read"):
        services.hours_parse("Developer 120")
    with pytest.raises(ApplicationError, match="twice"):
        services.hours_parse("QA: 1; qa: 2")


def test_upsert_creates_then_answers_unchanged_then_refuses_another_status(buyer: Any) -> None:
    contract = ContractFactory()
    invoice, outcome = services.invoice_upsert(actor=buyer, data=_data(contract))
    assert outcome == "created"
    again, outcome = services.invoice_upsert(actor=buyer, data=_data(contract, number="inv-1"))
    assert outcome == "unchanged" and again.pk == invoice.pk
    _, outcome = services.invoice_upsert(actor=buyer, data=_data(contract, amount=Decimal("1300")))
    assert outcome == "updated"
    with pytest.raises(ApplicationError, match="not by an upsert"):
        services.invoice_upsert(actor=buyer, data=_data(contract, status="approved"))


def test_a_race_on_the_number_is_a_409(buyer: Any) -> None:
    invoice = InvoiceFactory()
    duplicate = Invoice(
        contract=invoice.contract,
        number=invoice.number.lower(),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        amount=Decimal(1),
        currency="EUR",
    )
    from apps.core.services import save_validated

    duplicate.validate_constraints = lambda *args, **kwargs: None  # type: ignore[method-assign]  # as a race would
    with pytest.raises(ConflictError):
        save_validated(duplicate)
