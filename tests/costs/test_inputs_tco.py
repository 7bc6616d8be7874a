"""The inputs of the total cost of ownership: a contract's and a function's cost of delay per week, a
service review's duration and the seniority of an invoice's billed hours — in each form, the API and the
import registers — and the review page showing the duration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.contracts.forms import ContractForm
from apps.core.errors import ApplicationError
from apps.core.importing import ImportContext, import_register
from apps.costs import services
from apps.costs.forms import InvoiceForm
from apps.costs.models import Invoice, InvoiceHours
from apps.functions.forms import FunctionForm
from apps.functions.models import Function
from apps.vendors.forms import ServiceReviewRecordForm
from apps.vendors.models import ServiceReview
from tests.factories import (
    ContractFactory,
    FunctionFactory,
    InvoiceFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _import(key: str, *given: dict[str, str], actor: Any = None) -> list[Any]:
    """Check the rows, then write the valid ones as the engine does; the checks and the outcomes."""
    register = import_register(key)
    assert register is not None
    rows = [{"row": n, **dict.fromkeys(register.column_names, ""), **row} for n, row in enumerate(given, start=2)]
    checks = register.check(rows, context=ImportContext(actor=actor))
    written = register.write_chunk([row.data for row in checks if row.valid], actor=actor)
    return [checks, [outcome.outcome for outcome in written]]


# -- cost of delay per week: contracts ----------------------------------------------------------------
def test_the_contract_form_takes_the_cost_of_delay_under_money() -> None:
    form = ContractForm()
    assert "cost_of_delay_per_week" in form.fields
    money = dict(form.sections)["Money and law"]
    assert "cost_of_delay_per_week" in money
    assert "reporting currency" in str(form.fields["cost_of_delay_per_week"].help_text)


def test_the_contract_api_reads_and_writes_the_cost_of_delay(user_with_role: Any) -> None:
    contract = ContractFactory()
    client = _api(user_with_role("procurement"))
    url = f"/api/v1/contracts/{contract.pk}/"
    assert client.get(url).json()["cost_of_delay_per_week"] is None
    answer = client.patch(url, {"cost_of_delay_per_week": "5000"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["cost_of_delay_per_week"] == "5000.00"
    bad = client.patch(url, {"cost_of_delay_per_week": "-1"}, format="json")
    assert bad.status_code == 400 and "cost_of_delay_per_week" in bad.json()
    cleared = client.patch(url, {"cost_of_delay_per_week": None}, format="json")
    assert cleared.json()["cost_of_delay_per_week"] is None


def test_the_contracts_register_imports_the_cost_of_delay() -> None:
    VendorFactory(name="Acme", status="active")
    row = {
        "vendor": "Acme",
        "title": "MSA",
        "reference": "MSA-9",
        "engagement_model": "managed_services",
        "start_date": "2026-01-01",
        "value": "1000",
        "cost_of_delay_per_week": "2500.50",
    }
    _, outcomes = _import("contracts", row)
    assert outcomes == ["created"]
    from apps.contracts.models import Contract

    assert Contract.objects.get(reference="MSA-9").cost_of_delay_per_week == Decimal("2500.50")
    assert _import("contracts", row)[1] == ["unchanged"]
    checks, _ = _import("contracts", {**row, "cost_of_delay_per_week": "lots"})
    assert "cost_of_delay_per_week" in checks[0].errors


# -- cost of delay per week: functions ----------------------------------------------------------------
def test_the_function_form_api_and_register_take_the_cost_of_delay(user_with_role: Any) -> None:
    assert "cost_of_delay_per_week" in FunctionForm().fields
    function = FunctionFactory(name="Payments")
    client = _api(user_with_role("executive"))
    url = f"/api/v1/functions/{function.pk}/"
    answer = client.patch(url, {"cost_of_delay_per_week": "3000"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["cost_of_delay_per_week"] == "3000.00"
    assert client.patch(url, {"cost_of_delay_per_week": "-5"}, format="json").status_code == 400
    _, outcomes = _import(
        "functions",
        {
            "name": "payments",
            "category": function.category,
            "strategic": str(function.strategic),
            "sensitive": str(function.sensitive),
            "repeatable": str(function.repeatable),
            "scarce": str(function.scarce),
            "cost_of_delay_per_week": "4000",
        },
    )
    assert outcomes == ["updated"]
    assert Function.objects.get(pk=function.pk).cost_of_delay_per_week == Decimal("4000")


# -- a service review's duration ----------------------------------------------------------------------
def test_the_review_form_takes_the_duration() -> None:
    review = ServiceReviewFactory(scheduled_for=dt.date(2026, 3, 2))
    form = ServiceReviewRecordForm(data={"held_on": "2026-03-02", "duration_hours": "2.25"}, instance=review)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["duration_hours"] == Decimal("2.25")
    too_long = ServiceReviewRecordForm(data={"held_on": "2026-03-02", "duration_hours": "13"}, instance=review)
    assert not too_long.is_valid() and "duration_hours" in too_long.errors


def test_the_review_api_records_the_duration_and_refuses_a_bad_one(user_with_role: Any) -> None:
    review = ServiceReviewFactory(scheduled_for=dt.date(2026, 3, 2))
    client = _api(user_with_role("admin"))
    assert client.get(f"/api/v1/service-reviews/{review.pk}/").json()["duration_hours"] == "1.50"
    recorded = client.post(
        f"/api/v1/service-reviews/{review.pk}/record/",
        {"held_on": "2026-03-02", "duration_hours": "2.5"},
        format="json",
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["duration_hours"] == "2.50"
    bad = client.patch(f"/api/v1/service-reviews/{review.pk}/", {"duration_hours": "0.1"}, format="json")
    assert bad.status_code == 400 and "duration_hours" in bad.json()


def test_the_reviews_register_imports_the_duration(user_with_role: Any) -> None:
    VendorFactory(name="Acme")
    row = {"vendor": "Acme", "scheduled_for": "2026-02-10", "status": "held", "held_on": "2026-02-10"}
    _, outcomes = _import("service_reviews", {**row, "duration_hours": "3"})
    assert outcomes == ["created"]
    assert ServiceReview.objects.get().duration_hours == Decimal(3)
    checks, _ = _import("service_reviews", {**row, "duration_hours": "20"})
    assert not checks[0].valid


def test_the_review_page_shows_the_duration(user_with_role: Any) -> None:
    review = ServiceReviewFactory(duration_hours=Decimal("2.75"))
    client = Client()
    client.force_login(user_with_role("executive"))
    html = client.get(reverse("vendors:review-detail", args=[review.pk])).content.decode()
    assert "<dt>Duration</dt><dd>2.75 h</dd>" in html


# -- the seniority of billed hours --------------------------------------------------------------------
def test_the_hours_text_reads_and_writes_a_seniority() -> None:
    hours, seniority = services.hours_lines_parse("Developer (Senior): 120; QA: 40.5; Analyst (backend): 8")
    assert hours == {"Developer": Decimal(120), "QA": Decimal("40.5"), "Analyst (backend)": Decimal(8)}
    assert seniority == {"Developer": "senior", "QA": "", "Analyst (backend)": ""}
    assert services.hours_text(hours, seniority) == "Developer (senior): 120; QA: 40.5; Analyst (backend): 8"
    with pytest.raises(ApplicationError, match="twice"):
        services.hours_lines_parse("Developer (senior): 1; developer (junior): 2")


def test_the_invoice_form_stores_the_seniority_and_shows_it_again(user_with_role: Any) -> None:
    contract = ContractFactory()
    form = InvoiceForm(
        data={
            "number": "INV-1",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "amount": "1000",
            "currency": contract.currency,
            "hours": "Developer (principal): 10; QA: 4",
        },
        instance=Invoice(contract=contract),
    )
    assert form.is_valid(), form.errors
    invoice = services.invoice_create(
        actor=user_with_role("procurement"), data={**form.cleaned_data, "contract": contract}
    )
    assert dict(InvoiceHours.objects.filter(invoice=invoice).values_list("role", "seniority")) == {
        "Developer": "principal",
        "QA": "",
    }
    assert InvoiceForm(instance=invoice).fields["hours"].initial == "Developer (principal): 10; QA: 4"


def test_the_invoice_api_takes_a_seniority_per_line(user_with_role: Any) -> None:
    contract = ContractFactory()
    client = _api(user_with_role("procurement"))
    body = {
        "contract": contract.pk,
        "number": "INV-7",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "amount": "1000",
        "currency": contract.currency,
        "hours": [{"role": "Developer", "hours": "10", "seniority": "junior"}, {"role": "QA", "hours": "2"}],
    }
    created = client.post("/api/v1/invoices/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["hours"] == [
        {"role": "Developer", "hours": "10.00", "seniority": "junior"},
        {"role": "QA", "hours": "2.00", "seniority": ""},
    ]
    bad = client.post(
        "/api/v1/invoices/",
        {**body, "number": "INV-8", "hours": [{"role": "QA", "hours": "1", "seniority": "guru"}]},
        format="json",
    )
    assert bad.status_code == 400 and "hours" in bad.json()


def test_a_seniority_may_be_given_on_an_approved_invoice_but_not_its_hours(user_with_role: Any) -> None:
    buyer = user_with_role("procurement")
    invoice = InvoiceFactory(status="approved")
    InvoiceHours.objects.create(invoice=invoice, role="Developer", hours=Decimal(100))
    services.invoice_update(instance=invoice, actor=buyer, data={"seniority": {"developer": "senior"}})
    assert InvoiceHours.objects.get().seniority == "senior"
    with pytest.raises(ApplicationError, match="approved"):
        services.invoice_update(instance=invoice, actor=buyer, data={"hours": {"Developer": 90}})
    with pytest.raises(ApplicationError, match="bills no hours"):
        services.invoice_update(instance=invoice, actor=buyer, data={"seniority": {"QA": "senior"}})
    # Hours given without a seniority keep the bands of the roles that stay.
    received = InvoiceFactory()
    services.invoice_update(
        instance=received, actor=buyer, data={"hours": {"Developer": 5}, "seniority": {"Developer": "mid"}}
    )
    services.invoice_hours_set(invoice=received, actor=buyer, hours={"Developer": 6, "QA": 1})
    assert dict(received.hours.values_list("role", "seniority")) == {"Developer": "mid", "QA": ""}


def test_the_invoices_register_imports_the_seniority_and_a_reimport_writes_nothing() -> None:
    ContractFactory(reference="SOW-7")
    buyer = UserFactory(role="procurement")
    row = {
        "contract": "SOW-7",
        "number": "INV-1",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "amount": "1000",
        "currency": "USD",
        "status": "approved",
        "hours": "Developer (senior): 120; QA (junior): 40",
    }
    _, outcomes = _import("invoices", row, actor=buyer)
    assert outcomes == ["created"]
    invoice = Invoice.objects.get()
    assert services.invoice_seniority_of(invoice) == {"Developer": "senior", "QA": "junior"}
    assert _import("invoices", row, actor=buyer)[1] == ["unchanged"]
    # An approved invoice's bands may be corrected by a file (its hours stay what was approved).
    assert _import("invoices", {**row, "hours": "Developer (principal): 120; QA (junior): 40"}, actor=buyer)[1] == [
        "updated"
    ]
    assert services.invoice_seniority_of(Invoice.objects.get())["Developer"] == "principal"
    checks, _ = _import("invoices", {**row, "hours": "Developer (senior): 1; developer: 2"}, actor=buyer)
    assert "hours" in checks[0].errors
