"""The roster API: 400 with field messages, 403 for those who may not (only the engineering owner
approves), the approve / refuse / withdraw actions, 409 once decided, and list queries that do not grow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.roster.choices import SubstitutionStatus
from apps.roster.models import Assignment, StaffingPlan, Substitution
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def contract() -> Any:
    return factories.ContractFactory(start_date=TODAY - dt.timedelta(days=200), end_date=TODAY + dt.timedelta(days=300))


def test_create_assignment_and_field_errors(contract: Any, api_client_for: Any) -> None:
    client = api_client_for("procurement")
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    payload = {
        "contract": contract.pk,
        "engineer": engineer.pk,
        "role": "Backend",
        "allocation_percent": 60,
        "start_date": TODAY.isoformat(),
        "billed_rate": "80.00",
        "rate_currency": "eur",
    }
    created = client.post("/api/v1/assignments/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["rate_currency"] == "EUR"
    again = client.post("/api/v1/assignments/", payload, format="json")
    assert again.status_code == 400 and "start_date" in again.json()
    stranger = client.post(
        "/api/v1/assignments/", {**payload, "engineer": factories.EngineerFactory().pk}, format="json"
    )
    assert stranger.status_code == 400 and "engineer" in stranger.json()
    bad = client.post("/api/v1/assignments/", {**payload, "allocation_percent": 0}, format="json")
    assert bad.status_code == 400 and "allocation_percent" in bad.json()


def test_delivery_owner_writes_only_their_vendor(contract: Any) -> None:
    owner = contract.vendor.delivery_owner
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    payload = {"contract": contract.pk, "engineer": engineer.pk, "role": "QA", "start_date": TODAY.isoformat()}
    assert _client(owner).post("/api/v1/assignments/", payload, format="json").status_code == 201
    other = factories.ContractFactory()
    other_payload = {
        "contract": other.pk,
        "engineer": factories.EngineerFactory(vendor=other.vendor).pk,
        "role": "QA",
        "start_date": TODAY.isoformat(),
    }
    assert _client(owner).post("/api/v1/assignments/", other_payload, format="json").status_code == 403


@pytest.mark.parametrize("role", ["executive", "engineering_manager", "security"])
def test_other_roles_cannot_write(contract: Any, api_client_for: Any, role: str) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    payload = {"contract": contract.pk, "engineer": engineer.pk, "role": "QA", "start_date": TODAY.isoformat()}
    client = api_client_for(role)
    assert client.post("/api/v1/assignments/", payload, format="json").status_code == 403
    assert client.get("/api/v1/assignments/").status_code == 200


def test_end_action(contract: Any, api_client_for: Any) -> None:
    assignment = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=20))
    client = api_client_for("procurement")
    url = f"/api/v1/assignments/{assignment.pk}/end/"
    no_reason = client.post(url, {"end_date": TODAY.isoformat(), "reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    ended = client.post(url, {"end_date": TODAY.isoformat(), "reason": "Rolled off"}, format="json")
    assert ended.status_code == 200 and ended.json()["end_date"] == TODAY.isoformat()


def test_staffing_plan_with_lines(contract: Any, api_client_for: Any) -> None:
    client = api_client_for("procurement")
    payload = {
        "contract": contract.pk,
        "note": "SOW §4",
        "lines": [{"seniority": "senior", "headcount": "2.0"}, {"seniority": "mid", "headcount": "1.5"}],
    }
    created = client.post("/api/v1/staffing-plans/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {line["seniority"] for line in body["lines"]} == {"senior", "mid"}
    assert client.post("/api/v1/staffing-plans/", payload, format="json").status_code == 409
    repeated = client.patch(
        f"/api/v1/staffing-plans/{body['id']}/",
        {"lines": [{"seniority": "senior", "headcount": "1"}, {"seniority": "senior", "headcount": "2"}]},
        format="json",
    )
    assert repeated.status_code == 400 and "lines" in repeated.json()
    replaced = client.patch(
        f"/api/v1/staffing-plans/{body['id']}/",
        {"lines": [{"seniority": "principal", "headcount": "1"}]},
        format="json",
    )
    assert replaced.status_code == 200
    assert [line.seniority for line in StaffingPlan.objects.get().lines.all()] == ["principal"]


@pytest.fixture
def substitution(contract: Any) -> Substitution:
    leaver = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=60), key_person=True)
    return factories.SubstitutionFactory(
        leaver_assignment=leaver, joins_on=TODAY + dt.timedelta(days=5), overlap_days=0
    )


def test_request_by_api(contract: Any, api_client_for: Any) -> None:
    leaver = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=60))
    joiner = factories.EngineerFactory(vendor=contract.vendor)
    payload = {
        "leaver_assignment": leaver.pk,
        "joiner": joiner.pk,
        "reason": "Leaving the company",
        "joins_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        "overlap_days": 2,
    }
    response = api_client_for("procurement").post("/api/v1/substitutions/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested" and response.json()["contract"] == contract.pk
    self_swap = api_client_for("procurement").post(
        "/api/v1/substitutions/", {**payload, "joiner": leaver.engineer_id}, format="json"
    )
    assert self_swap.status_code in (400, 409)
    # the engineering owner may request too (an engineering manager without roster permissions)
    assert (
        _client(contract.vendor.engineering_owner)
        .post("/api/v1/substitutions/", {**payload, "reason": ""}, format="json")
        .status_code
        == 400
    )


@pytest.mark.parametrize("role", ["admin", "procurement", "executive", "engineering_manager"])
def test_approve_is_403_for_everyone_but_the_engineering_owner(
    substitution: Substitution, api_client_for: Any, role: str
) -> None:
    response = api_client_for(role).post(f"/api/v1/substitutions/{substitution.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert "engineering owner" in str(response.json())
    assert Substitution.objects.get().status == SubstitutionStatus.REQUESTED


def test_approve_action_by_the_engineering_owner(substitution: Substitution, api_client_for: Any) -> None:
    owner = _client(substitution.contract.vendor.engineering_owner)
    url = f"/api/v1/substitutions/{substitution.pk}/approve/"
    response = owner.post(url, {"note": "OK"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["joiner_assignment"]
    leaver = Assignment.objects.get(pk=substitution.leaver_assignment_id)
    assert leaver.end_date == substitution.joins_on - dt.timedelta(days=1)
    assert owner.post(url, {}, format="json").status_code == 409
    withdraw = f"/api/v1/substitutions/{substitution.pk}/withdraw/"
    assert api_client_for("procurement").post(withdraw, {}, format="json").status_code == 409


def test_refuse_needs_a_note(substitution: Substitution) -> None:
    owner = _client(substitution.contract.vendor.engineering_owner)
    url = f"/api/v1/substitutions/{substitution.pk}/refuse/"
    missing = owner.post(url, {}, format="json")
    assert missing.status_code == 400 and "note" in missing.json()
    assert owner.post(url, {"note": "No"}, format="json").json()["status"] == "refused"


def test_withdraw_action(substitution: Substitution, api_client_for: Any) -> None:
    url = f"/api/v1/substitutions/{substitution.pk}/withdraw/"
    assert api_client_for("executive").post(url, {}, format="json").status_code == 403
    assert api_client_for("procurement").post(url, {}, format="json").json()["status"] == "withdrawn"


def test_substitution_status_is_read_only(substitution: Substitution, api_client_for: Any) -> None:
    response = api_client_for("admin").patch(
        f"/api/v1/substitutions/{substitution.pk}/", {"status": "approved"}, format="json"
    )
    assert response.status_code == 405
    assert Substitution.objects.get().status == SubstitutionStatus.REQUESTED


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/assignments/", lambda: factories.AssignmentFactory()),
        ("/api/v1/staffing-plans/", lambda: factories.StaffingPlanLineFactory().plan),
        ("/api/v1/substitutions/", lambda: factories.SubstitutionFactory()),
    ],
)
def test_list_queries_do_not_grow(url: str, make: Any, api_client_for: Any) -> None:
    client = api_client_for("executive")
    make()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(8):
        make()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.json()["count"] == 9
    assert len(many) == len(one)


def test_unauthenticated_is_401(api_client: APIClient) -> None:
    for url in (
        "/api/v1/assignments/",
        "/api/v1/staffing-plans/",
        "/api/v1/substitutions/",
        "/api/v1/roster-findings/",
    ):
        assert api_client.get(url).status_code == 401
