"""/api/v1/invoices/: reads for everyone, writes for procurement and admins, the moves, the flags, the
400/409 answers, and the bulk upsert (a re-posted body changes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from apps.costs.models import Invoice
from tests.factories import ContractFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"
BULK = "/api/v1/invoices/bulk/"
InvoiceEvent = apps.get_model("costs", "InvoiceEvent")


@pytest.fixture
def buyer(api_client_for: Callable[[str], APIClient]) -> APIClient:
    return api_client_for("procurement")


def body(contract: Any, **extra: Any) -> dict[str, Any]:
    return {
        "contract": contract.pk,
        "number": "INV-9",
        "period_start": "2026-05-01",
        "period_end": "2026-05-31",
        "amount": "5000.00",
        "currency": "eur",
        "hours": [{"role": "Developer", "hours": "40"}],
        **extra,
    }


def test_create_read_and_flags(buyer: APIClient) -> None:
    contract = ContractFactory(value=Decimal("4000"))
    created = buyer.post(URL, body(contract), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["currency"] == "EUR" and data["status"] == "received"
    assert data["hours"] == [{"role": "Developer", "hours": "40.00", "seniority": ""}]
    assert [flag["code"] for flag in data["flags"]] == ["over_remaining_value"]
    listed = buyer.get(URL, {"contract": contract.pk, "status": "received"}).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    assert buyer.get(URL, {"vendor": contract.vendor_id + 999}).json()["results"] == []


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"period_end": "2026-04-01"}, 400, "non_field_errors"),
        ({"amount": "-1"}, 400, "amount"),
        ({"currency": "ZZZ"}, 400, "currency"),
        ({"hours": [{"role": "QA", "hours": "1"}, {"role": "qa", "hours": "2"}]}, 400, "hours"),
    ],
)
def test_bad_input_is_400(buyer: APIClient, extra: dict[str, Any], code: int, field: str) -> None:
    response = buyer.post(URL, body(ContractFactory(), **extra), format="json")
    assert response.status_code == code, response.content
    assert field in response.json() or "detail" in response.json()


def test_a_duplicate_number_is_409(buyer: APIClient) -> None:
    invoice = InvoiceFactory(number="INV-9")
    response = buyer.post(URL, body(invoice.contract, number="inv-9"), format="json")
    assert response.status_code == 409


def test_moves_and_their_refusals(buyer: APIClient) -> None:
    invoice = InvoiceFactory()
    assert buyer.post(f"{URL}{invoice.pk}/dispute/", {}, format="json").status_code == 400
    assert buyer.post(f"{URL}{invoice.pk}/pay/", {}, format="json").status_code == 409
    assert buyer.post(f"{URL}{invoice.pk}/approve/", {}, format="json").json()["status"] == "approved"
    locked = buyer.patch(f"{URL}{invoice.pk}/", {"amount": "1.00"}, format="json")
    assert locked.status_code == 400 and "Dispute it" in locked.json()["status"][0]
    assert buyer.patch(f"{URL}{invoice.pk}/", {"status": "paid"}, format="json").status_code == 400
    assert buyer.post(f"{URL}{invoice.pk}/pay/", {}, format="json").json()["status"] == "paid"


@pytest.mark.parametrize(("role", "may"), [("procurement", True), ("admin", True), ("executive", False)])
def test_who_may_write(api_client_for: Callable[[str], APIClient], role: str, may: bool) -> None:
    client = api_client_for(role)
    invoice = InvoiceFactory()
    assert client.get(f"{URL}{invoice.pk}/").status_code == 200
    assert (client.post(URL, body(ContractFactory()), format="json").status_code == 201) is may
    assert (client.post(f"{URL}{invoice.pk}/approve/", {}, format="json").status_code == 200) is may
    assert (client.post(BULK, {"rows": []}, format="json").status_code == 200) is may


def test_bulk_upserts_and_a_reposted_body_changes_nothing(buyer: APIClient) -> None:
    contract = ContractFactory()
    known = InvoiceFactory(contract=contract, number="INV-1", amount=Decimal("10"))
    rows = [
        body(contract, number="inv-1", amount="12.00", period_start="2026-03-01", period_end="2026-03-31"),
        body(contract, number="INV-2"),
        body(contract, number="INV-3", amount="-1"),
        {"contract": 999999, "number": "X"},
        "not a row",
    ]
    first = buyer.post(BULK, {"rows": rows}, format="json")
    assert first.status_code == 200, first.content
    answer = first.json()
    assert answer["summary"] == {"created": 1, "updated": 1, "unchanged": 0, "errors": 3}
    assert [row["status"] for row in answer["results"]] == ["updated", "created", "error", "error", "error"]
    assert answer["results"][0]["id"] == known.pk and "amount" in answer["results"][2]["errors"]
    assert Invoice.objects.get(pk=known.pk).amount == Decimal("12.00")
    events, stamps = InvoiceEvent.objects.count(), dict(Invoice.objects.values_list("pk", "updated_at"))
    again = buyer.post(BULK, rows[:2], format="json").json()  # a bare list is accepted too
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 2, "errors": 0}
    assert InvoiceEvent.objects.count() == events
    assert dict(Invoice.objects.values_list("pk", "updated_at")) == stamps


def test_bulk_refuses_another_status_for_a_known_invoice(buyer: APIClient) -> None:
    invoice = InvoiceFactory(number="INV-1")
    answer = buyer.post(BULK, [{"contract": invoice.contract_id, "number": "INV-1", "status": "paid"}], format="json")
    assert answer.json()["results"][0]["errors"]["status"]
    assert Invoice.objects.get().status == "received"


def test_bulk_limit_and_shape(buyer: APIClient, settings: Any) -> None:
    settings.INVOICE_BULK_MAX_ROWS = 2
    contract = ContractFactory()
    too_many = buyer.post(BULK, [body(contract, number=f"N{n}") for n in range(3)], format="json")
    assert too_many.status_code == 413 and not Invoice.objects.exists()
    assert buyer.post(BULK, {"rows": "no"}, format="json").status_code == 400


def test_the_default_limit_is_5000() -> None:
    from django.conf import settings

    assert settings.INVOICE_BULK_MAX_ROWS == 5000
