"""Contracts over the API: CRUD × roles (generated), transitions, bad input, derived fields and filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest
from django.db.models import Model
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.contracts.choices import ClauseKind
from apps.contracts.models import Contract, ContractClause, ExitPlanItem
from apps.contracts.services import contract_create
from tests.api_matrix import ApiResourceMatrix
from tests.factories import (
    ContractFactory,
    FunctionFactory,
    ReadyContractFactory,
    SlaTermFactory,
    UserFactory,
    VendorFactory,
)

ROLES: tuple[str, ...] = tuple(Role.values)


def far_future() -> str:
    return (timezone.localdate() + timedelta(days=400)).isoformat()


def contract_with_checklists(**overrides: Any) -> Contract:
    data = {
        "vendor": VendorFactory(),
        "title": "Pod",
        "engagement_model": "staff_augmentation",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "value": "1000",
        "currency": "EUR",
        **overrides,
    }
    return contract_create(actor=None, data=data)


# -- generated CRUD × role matrices ---------------------------------------------------------------------
class TestContractApi(ApiResourceMatrix):
    basename = "contract"
    factory = ContractFactory

    def make(self) -> Model:
        # A statement of work under a master agreement, covering a function: every relation the list shows.
        master = ContractFactory()
        contract = ContractFactory(vendor=master.vendor, parent=master)
        contract.functions.add(FunctionFactory())
        return contract

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "title": "SOW 4 — Mobile app",
            "engagement_model": "project_based",
            "functions": [FunctionFactory().pk],
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "renewal": "explicit",
            "notice_days": 30,
            "value": "120000.00",
            "currency": "EUR",
            "governing_law": "England and Wales",
            "text": "The supplier shall deliver …",
        }

    def update_payload(self, obj: Model) -> dict[str, Any]:
        return {"notice_days": 90, "title": "Renamed", "value": "99.50"}


class TestContractClauseApi(ApiResourceMatrix):
    basename = "contractclause"
    model_class: ClassVar[type[Model] | None] = ContractClause
    can_create = False
    can_delete = False

    def make(self) -> Model:
        return contract_with_checklists().clauses.first()

    def update_payload(self, obj: Model) -> dict[str, Any]:
        return {"assessment": "weak", "note": "Only 'best efforts'."}


class TestExitPlanItemApi(TestContractClauseApi):
    basename = "exitplanitem"
    model_class = ExitPlanItem

    def make(self) -> Model:
        item = contract_with_checklists().exit_plan_items.first()
        assert item is not None
        ExitPlanItem.objects.filter(pk=item.pk).update(owner=UserFactory().pk)
        return item

    def update_payload(self, obj: Model) -> dict[str, Any]:
        return {"done_on": "2026-11-01", "note": "Repos mirrored.", "owner": UserFactory().pk}


pytestmark = pytest.mark.django_db


# -- contracts ------------------------------------------------------------------------------------
def test_contract_fields_and_detail_checklists(api_client_for: Callable[[str], APIClient]) -> None:
    contract = contract_with_checklists()
    client = api_client_for("executive")
    body = client.get(f"/api/v1/contracts/{contract.pk}/").json()
    design_fields = {
        "vendor",
        "parent",
        "title",
        "engagement_model",
        "functions",
        "start_date",
        "end_date",
        "renewal",
        "notice_days",
        "cancel_by",
        "value",
        "currency",
        "status",
        "governing_law",
        "text",
    }
    assert design_fields <= set(body)
    assert sorted(c["kind"] for c in body["clauses"]) == sorted(contract.clauses.values_list("kind", flat=True))
    assert len(body["clauses"]) == len(ClauseKind.values) and len(body["exit_plan"]) == 5
    assert {c["assessment"] for c in body["clauses"]} == {"missing"}
    listed = client.get("/api/v1/contracts/").json()["results"][0]
    assert "clauses" not in listed  # the list stays light


def test_created_contract_has_its_checklists(api_client_for: Callable[[str], APIClient]) -> None:
    payload = TestContractApi().create_payload()
    response = api_client_for("procurement").post("/api/v1/contracts/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["functions"] == payload["functions"]
    assert ContractClause.objects.filter(contract_id=body["id"]).count() == len(ClauseKind.values)
    assert ExitPlanItem.objects.filter(contract_id=body["id"]).count() == 5


@pytest.mark.parametrize(
    ("renewal", "end", "notice", "cancel_by"),
    [
        ("automatic", "2026-12-31", 60, "2026-11-01"),
        ("explicit", "2026-12-31", 0, "2026-12-31"),
        ("explicit", "2027-03-01", 1, "2027-02-28"),
        ("none", "2026-12-31", 60, None),
    ],
)
def test_cancel_by_is_derived_and_read_only(
    renewal: str, end: str, notice: int, cancel_by: str | None, api_client_for: Callable[[str], APIClient]
) -> None:
    payload = {
        "vendor": VendorFactory().pk,
        "title": "T",
        "engagement_model": "managed_services",
        "start_date": "2026-01-01",
        "end_date": end,
        "renewal": renewal,
        "notice_days": notice,
        "value": "10",
        "currency": "USD",
        "cancel_by": "2020-01-01",  # ignored: derived
    }
    client = api_client_for("procurement")
    body = client.post("/api/v1/contracts/", payload, format="json").json()
    assert body["cancel_by"] == cancel_by
    if renewal != "none":
        patched = client.patch(f"/api/v1/contracts/{body['id']}/", {"notice_days": notice + 10}, format="json")
        expected = date.fromisoformat(end) - timedelta(days=notice + 10)
        assert patched.json()["cancel_by"] == expected.isoformat()


def test_status_may_be_given_at_creation_but_not_edited(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("procurement")
    payload = {**TestContractApi().create_payload(), "status": "active", "end_date": far_future()}
    created = client.post("/api/v1/contracts/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "active"
    patched = client.patch(f"/api/v1/contracts/{created.json()['id']}/", {"status": "terminated"}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "active"
    assert Contract.objects.get(pk=created.json()["id"]).status == "active"


@pytest.mark.parametrize(
    ("start", "target", "end", "status"),
    [
        ("draft", "active", "future", 200),
        ("draft", "terminated", "future", 200),
        ("active", "terminated", "future", 200),
        ("active", "expired", "past", 200),
        ("expired", "active", "future", 200),
        ("expired", "active", "past", 409),  # renewing needs an end date in the future
        ("draft", "active", "past", 409),  # already ended
        ("active", "expired", "future", 409),  # has not ended yet
        ("terminated", "active", "future", 409),
        ("draft", "expired", "past", 409),
    ],
)
def test_contract_transition(
    start: str, target: str, end: str, status: int, api_client_for: Callable[[str], APIClient]
) -> None:
    today = timezone.localdate()
    end_date = today + timedelta(days=365) if end == "future" else today - timedelta(days=1)
    contract = ReadyContractFactory(status=start, start_date=today - timedelta(days=700), end_date=end_date)
    response = api_client_for("procurement").post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": target, "reason": "As agreed."}, format="json"
    )
    assert response.status_code == status, response.content
    contract.refresh_from_db()
    assert contract.status == (target if status == 200 else start)
    if status == 200:
        assert response.json()["status"] == target
    else:
        assert set(response.json()) <= {"status", "end_date"}


def test_refused_transition_names_the_allowed_targets(api_client_for: Callable[[str], APIClient]) -> None:
    contract = ContractFactory(status="draft", end_date=date(2099, 12, 31))
    response = api_client_for("admin").post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": "expired"}, format="json"
    )
    assert response.status_code == 409
    assert "Active, Terminated" in response.json()["status"][0]
    unknown = api_client_for("admin").post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": "paused"}, format="json"
    )
    assert unknown.status_code == 400 and "status" in unknown.json()


@pytest.mark.parametrize("role", ROLES)
def test_contract_transition_needs_change_permission(role: str, api_client_for: Callable[[str], APIClient]) -> None:
    contract = ReadyContractFactory(status="draft", end_date=date(2099, 12, 31))
    response = api_client_for(role).post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": "active"}, format="json"
    )
    allowed = role in {"procurement", "admin"}  # DESIGN: procurement maintains contracts; admins do all
    assert response.status_code == (200 if allowed else 403), response.content
    assert Contract.objects.get(pk=contract.pk).status == ("active" if allowed else "draft")


def test_transition_unauthenticated_is_401(api_client: APIClient) -> None:
    contract = ContractFactory(status="draft")
    assert api_client.post(f"/api/v1/contracts/{contract.pk}/transition/", {"status": "active"}).status_code == 401


CONTRACT = {
    "title": "T",
    "engagement_model": "managed_services",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "value": "10",
    "currency": "USD",
}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"end_date": "2025-12-31"}, "non_field_errors"),  # ends before it starts
        ({"value": "-1"}, "value"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "ABC"}, "currency"),  # three letters, but not ISO-4217
        ({"renewal": "automatic", "end_date": None}, "end_date"),
        ({"engagement_model": "body_shop"}, "engagement_model"),
        ({"renewal": "sometimes"}, "renewal"),
        ({"status": "active", "end_date": "2026-01-31"}, "end_date"),  # active but already ended
        ({"functions": [999999]}, "functions"),
    ],
)
def test_bad_contract_input_is_400_and_writes_nothing(
    payload: dict[str, Any], field: str, api_client_for: Callable[[str], APIClient]
) -> None:
    body = {**CONTRACT, "vendor": VendorFactory().pk, **payload}
    response = api_client_for("procurement").post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Contract.objects.count() == 0 and ContractClause.objects.count() == 0


def test_master_agreement_of_another_vendor_is_refused(api_client_for: Callable[[str], APIClient]) -> None:
    master = ContractFactory()
    client = api_client_for("procurement")
    body = {**CONTRACT, "vendor": VendorFactory().pk, "parent": master.pk}
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400 and "same vendor" in response.json()["parent"][0]
    same_vendor = client.post("/api/v1/contracts/", {**body, "vendor": master.vendor_id}, format="json")
    assert same_vendor.status_code == 201 and same_vendor.json()["parent"] == master.pk


def test_contract_in_use_cannot_be_deleted(api_client_for: Callable[[str], APIClient]) -> None:
    term = SlaTermFactory()
    response = api_client_for("admin").delete(f"/api/v1/contracts/{term.contract_id}/")
    assert response.status_code == 409 and "SLA terms" in response.json()["detail"][0]
    assert Contract.objects.filter(pk=term.contract_id).exists()


# -- checklists -----------------------------------------------------------------------------------------
def test_checklist_rows_keep_their_contract_and_kind(api_client_for: Callable[[str], APIClient]) -> None:
    contract = contract_with_checklists()
    clause = contract.clauses.get(kind="ip_ownership")
    response = api_client_for("procurement").patch(
        f"/api/v1/contract-clauses/{clause.pk}/",
        {"assessment": "present", "kind": "confidentiality", "contract": ContractFactory().pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    clause.refresh_from_db()
    assert (clause.kind, clause.contract_id, clause.assessment) == ("ip_ownership", contract.pk, "present")
    bad = api_client_for("procurement").patch(
        f"/api/v1/contract-clauses/{clause.pk}/", {"assessment": "vague"}, format="json"
    )
    assert bad.status_code == 400 and "assessment" in bad.json()


def test_checklist_filters(api_client_for: Callable[[str], APIClient]) -> None:
    contract = contract_with_checklists()
    contract_with_checklists()
    item = contract.exit_plan_items.get(kind="credentials")
    item.done_on = date(2026, 11, 1)
    item.save()
    client = api_client_for("executive")
    clauses = client.get(f"/api/v1/contract-clauses/?contract={contract.pk}").json()
    assert clauses["count"] == len(ClauseKind.values)
    done = client.get("/api/v1/exit-plan-items/?done=true").json()["results"]
    assert [row["id"] for row in done] == [item.pk]
    assert client.get(f"/api/v1/exit-plan-items/?contract={contract.pk}&done=false").json()["count"] == 4


# -- contract filters -------------------------------------------------------------------------------------
def test_contract_filters(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory()
    master = ContractFactory(
        title="Master services agreement", reference="VG-MSA-1", status="active", renewal="automatic"
    )
    master.functions.add(function)
    sow = ContractFactory(
        vendor=master.vendor,
        parent=master,
        title="SOW 1",
        status="draft",
        renewal="explicit",
        engagement_model="project_based",
        end_date=date(2027, 6, 30),
        notice_days=30,
    )
    ending = ContractFactory(title="Ends", status="expired", renewal="none", end_date=date(2026, 3, 31))
    client = api_client_for("security")

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/contracts/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"vendor={master.vendor_id}") == {master.pk, sow.pk}
    assert ids(f"parent={master.pk}") == {sow.pk}
    assert ids("status=active&status=draft") == {master.pk, sow.pk}
    assert ids("engagement_model=project_based") == {sow.pk}
    assert ids("renewal=none") == {ending.pk}
    assert ids(f"function={function.pk}") == {master.pk}
    assert ids("q=msa-1") == {master.pk}
    assert ids("q=services agreement") == {master.pk}
    # master: cancel by 2026-11-01 (60 days before 2026-12-31); sow: 2027-05-31
    assert ids("cancel_by_after=2026-11-01&cancel_by_before=2026-11-30") == {master.pk}
    assert ids("cancel_by_after=2027-01-01") == {sow.pk}
    assert ids("end_before=2026-06-30") == {ending.pk}
    assert ids("end_after=2027-01-01") == {sow.pk}
    assert ids("ordering=cancel_by") == {master.pk, sow.pk, ending.pk}
    assert client.get("/api/v1/contracts/?status=paused").status_code == 400
