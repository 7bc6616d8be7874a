"""The contract page's Invoices panel, the invoice list (filters, export) and the form pages: who sees
which buttons, what the forms refuse, and query budgets that do not grow with the rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.costs.models import Invoice
from tests.factories import ContractFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_lists_invoices_totals_and_flags(user_with_role: Any) -> None:
    contract = ContractFactory(value=Decimal("1000"))
    InvoiceFactory(contract=contract, number="INV-A", amount=Decimal("700"), status="approved")
    InvoiceFactory(contract=contract, number="INV-B", amount=Decimal("400"))
    InvoiceFactory(contract=contract, number="INV-C", amount=Decimal("50"), currency="USD", status="paid")
    html = _client(user_with_role("procurement")).get(contract.get_absolute_url()).content.decode()
    assert 'id="invoices"' in html and "INV-A" in html and "INV-B" in html
    assert "700.00 EUR" in html and "1,000.00 EUR" in html and "300.00 EUR" in html
    assert 'data-flag="over_remaining_value"' in html and 'data-flag="currency_differs"' in html
    assert 'data-invoice-action="add"' in html and 'data-invoice-move="approved"' in html
    reader = _client(user_with_role("executive")).get(contract.get_absolute_url()).content.decode()
    assert "INV-A" in reader and 'data-invoice-action="add"' not in reader and "data-invoice-move" not in reader


def test_the_forms_write_through_the_services(user_with_role: Any) -> None:
    contract = ContractFactory()
    client = _client(user_with_role("procurement"))
    url = reverse("costs:invoice-create", args=[contract.pk])
    data = {"number": "INV-1", "period_start": "2026-02-01", "period_end": "2026-02-28", "amount": "10"}
    created = client.post(url, {**data, "currency": "EUR", "hours": "Developer: 8"})
    assert created.status_code == 302, created.content.decode()
    invoice = Invoice.objects.get()
    assert invoice.hours.get().hours == 8
    assert client.post(url, {**data, "currency": "EUR", "hours": "Developer 8"}).status_code == 400
    dispute = reverse("costs:invoice-transition", args=[invoice.pk, "disputed"])
    assert client.post(dispute, {"reason": ""}).status_code == 400
    assert client.post(reverse("costs:invoice-transition", args=[invoice.pk, "approved"]), {}).status_code == 302
    assert client.get(reverse("costs:invoice-transition", args=[invoice.pk, "received"])).status_code == 404
    edit = client.post(reverse("costs:invoice-update", args=[invoice.pk]), {**data, "amount": "11", "currency": "EUR"})
    assert edit.status_code == 400 and "Dispute it" in edit.content.decode()
    assert _client(user_with_role("executive")).get(url).status_code == 403


def test_the_list_filters_and_exports(user_with_role: Any) -> None:
    InvoiceFactory(number="INV-R")
    InvoiceFactory(number="INV-P", status="paid")
    client = _client(user_with_role("executive"))
    page = client.get(reverse("costs:invoice-list"), {"status": "paid"}).content.decode()
    assert "INV-P" in page and "INV-R" not in page
    export = client.get(reverse("costs:invoice-list"), {"export": "csv"})
    text = b"".join(export.streaming_content).decode()
    assert "Period start" in text and "INV-R" in text and "INV-P" in text
    assert client.get(reverse("costs:invoice-list"), {"export": "xlsx"}).status_code == 200


def _grow(contract: Any, n: int) -> None:
    for _ in range(n):
        invoice = InvoiceFactory(contract=contract, status="approved")
        invoice.hours.create(role="Developer", hours=Decimal(8))
        InvoiceFactory(contract=contract, currency="USD")


@pytest.mark.parametrize("url_of", ["list", "panel"])
def test_queries_do_not_grow_with_rows(user_with_role: Any, django_assert_max_num_queries: Any, url_of: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract = ContractFactory()
    client = _client(user_with_role("procurement"))
    url = reverse("costs:invoice-list") if url_of == "list" else contract.get_absolute_url()
    _grow(contract, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _grow(contract, 8)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    if url_of == "list":
        with django_assert_max_num_queries(12):
            client.get(url)
