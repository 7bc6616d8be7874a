"""Functions over the API: CRUD × roles (generated), decisions, recommendation, policy conflicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.functions.models import Function, SourcingDecision
from tests.api_matrix import ApiResourceMatrix
from tests.factories import ContractFactory, FunctionFactory, SourcingDecisionFactory, UserFactory


class TestFunctionApi(ApiResourceMatrix):
    basename = "function"
    factory = FunctionFactory

    def make(self):
        function = FunctionFactory(decision="keep_in_house")
        ContractFactory(status="active").functions.add(function)  # a policy conflict, to be annotated
        return function

    def create_payload(self):
        return {
            "name": "Payroll systems",
            "category": "payroll_hr",
            "strategic": 1,
            "sensitive": 3,
            "repeatable": 5,
            "scarce": 2,
            "velocity_critical": False,
            "description": "Monthly payroll runs.",
        }

    def update_payload(self, obj):
        return {"scarce": 5, "description": "Needs rare skills."}


pytestmark = pytest.mark.django_db
URL = "/api/v1/functions/"


def test_create_answers_the_derived_fields(api_client_for: Callable[[str], APIClient]) -> None:
    body = api_client_for("executive").post(URL, TestFunctionApi().create_payload(), format="json").json()
    assert body["recommendation"] == "outsource"
    assert body["policy_conflict"] is False
    assert body["decision"] is None and body["decided_on"] is None


@pytest.mark.parametrize("role", ["admin", "executive", "procurement", "engineering_manager", "security"])
def test_delete(role: str, api_client_for: Callable[[str], APIClient]) -> None:
    undecided, decided = FunctionFactory(), SourcingDecisionFactory().function
    client = api_client_for(role)
    if role == "admin":
        assert client.delete(f"{URL}{undecided.pk}/").status_code == 204
        response = client.delete(f"{URL}{decided.pk}/")
        assert response.status_code == 409, response.content
        assert "still referenced" in str(response.json())
    else:
        assert client.delete(f"{URL}{undecided.pk}/").status_code == 403
    assert Function.objects.filter(pk=decided.pk).exists()


def test_list_with_decision_history_is_a_constant_number_of_queries(
    api_client_for: Callable[[str], APIClient], django_assert_max_num_queries
) -> None:
    client = api_client_for("executive")
    SourcingDecisionFactory()
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(20):
        decision = SourcingDecisionFactory()
        SourcingDecisionFactory(function=decision.function, decision="outsource")
        ContractFactory(status="active").functions.add(decision.function)
    with django_assert_max_num_queries(len(one)):
        results = client.get(f"{URL}?page_size=100").json()["results"]
    assert len(results) == 21 and all(row["decided_on"] for row in results)


def test_recommendation_and_conflict_are_read_only(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory(strategic=5, sensitive=5, decision="keep_in_house")
    ContractFactory(status="active").functions.add(function)
    client = api_client_for("executive")
    body = client.get(f"{URL}{function.pk}/").json()
    assert (body["recommendation"], body["policy_conflict"]) == ("never_outsource", True)
    response = client.patch(f"{URL}{function.pk}/", {"recommendation": "outsource", "policy_conflict": False})
    assert response.status_code == 200
    assert (response.json()["recommendation"], response.json()["policy_conflict"]) == ("never_outsource", True)


def test_policy_conflict_filter(api_client_for: Callable[[str], APIClient]) -> None:
    conflicted = FunctionFactory(decision="keep_in_house")
    ContractFactory(status="active").functions.add(conflicted)
    drafted = FunctionFactory(decision="keep_in_house")
    ContractFactory(status="draft").functions.add(drafted)
    client = api_client_for("security")
    assert [r["id"] for r in client.get(f"{URL}?policy_conflict=true").json()["results"]] == [conflicted.pk]
    assert conflicted.pk not in [r["id"] for r in client.get(f"{URL}?policy_conflict=false").json()["results"]]


def test_decision_through_the_api_keeps_history(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory(strategic=1, repeatable=5)  # recommended outsource: within policy
    client = api_client_for("executive")
    url = f"{URL}{function.pk}/"
    first = client.patch(url, {"decision": "outsource", "rationale": "Commodity."})
    assert first.status_code == 200, first.content
    assert first.json()["decided_on"] is not None
    assert client.patch(url, {"decision": "hybrid", "rationale": "Keep ownership."}).status_code == 200
    history = client.get(url + "decisions/").json()["results"]
    assert [(row["decision"], row["rationale"]) for row in history] == [
        ("hybrid", "Keep ownership."),
        ("outsource", "Commodity."),
    ]
    assert {row["decided_by"] for row in history} == {UserFactory(username="demo_executive").pk}
    assert client.get(url).json()["decision"] == "hybrid"


def test_decision_on_create(api_client_for: Callable[[str], APIClient]) -> None:
    payload = {**TestFunctionApi().create_payload(), "decision": "outsource", "rationale": "Commodity payroll."}
    response = api_client_for("admin").post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    function = Function.objects.get()
    assert (function.decision, function.decisions.get().rationale) == ("outsource", "Commodity payroll.")


def test_a_put_of_what_was_read_records_no_new_decision(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory()
    client = api_client_for("executive")
    undecided = client.get(f"{URL}{function.pk}/").json()
    assert client.put(f"{URL}{function.pk}/", undecided, format="json").status_code == 200
    assert function.decisions.count() == 0
    client.patch(f"{URL}{function.pk}/", {"decision": "hybrid", "rationale": "Augment."})
    body = client.get(f"{URL}{function.pk}/").json()
    assert client.put(f"{URL}{function.pk}/", body, format="json").status_code == 200
    assert function.decisions.count() == 1


def test_deciding_without_the_decision_permission_is_403_and_writes_nothing(
    api_client_for: Callable[[str], APIClient],
) -> None:
    """A role that may edit functions but not decide their sourcing (none ships today: made here)."""
    editor = UserFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="change_function", content_type__app_label="functions"))
    client = APIClient()
    client.force_authenticate(type(editor).objects.get(pk=editor.pk))
    function = FunctionFactory(name="Billing")
    url = f"{URL}{function.pk}/"
    response = client.patch(url, {"name": "Billing platform", "decision": "outsource", "rationale": "x"})
    assert response.status_code == 403, response.content
    function.refresh_from_db()
    assert (function.name, function.decision) == ("Billing", "")
    assert SourcingDecision.objects.count() == 0
    assert client.patch(url, {"name": "Billing platform"}).status_code == 200  # editing alone is allowed


def test_decision_needs_a_rationale_and_writes_nothing_without(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory(name="Billing")
    response = api_client_for("executive").patch(f"{URL}{function.pk}/", {"decision": "outsource", "name": "Billing 2"})
    assert response.status_code == 400
    assert "rationale" in response.json()
    function.refresh_from_db()
    assert function.name == "Billing" and function.decision == ""
    assert SourcingDecision.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"strategic": 6}, "strategic"),
        ({"sensitive": 0}, "sensitive"),
        ({"repeatable": None}, "repeatable"),
        ({"category": "astrology"}, "category"),
        ({"decision": "sell", "rationale": "x"}, "decision"),
        ({"name": "x" * 151}, "name"),
    ],
)
def test_bad_input_is_400_with_field_messages(payload, field, api_client_for) -> None:
    response = api_client_for("admin").post(URL, {**TestFunctionApi().create_payload(), **payload}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Function.objects.count() == 0


def test_duplicate_name_is_409(api_client_for: Callable[[str], APIClient]) -> None:
    FunctionFactory(name="Payroll systems")
    payload = {**TestFunctionApi().create_payload(), "name": "PAYROLL SYSTEMS"}
    response = api_client_for("executive").post(URL, payload, format="json")
    assert response.status_code == 409
    assert "already exists" in str(response.json())


def test_filters(api_client_for: Callable[[str], APIClient]) -> None:
    a = FunctionFactory(name="A", category="payroll_hr", decision="outsource")
    b = FunctionFactory(name="B", category="data_ml", decision="keep_in_house")
    c = FunctionFactory(name="C", category="data_ml")
    ContractFactory().functions.add(a)
    client = api_client_for("security")

    def names(query: str) -> list[str]:
        return [r["name"] for r in client.get(f"{URL}?{query}").json()["results"]]

    assert names("category=data_ml") == [b.name, c.name]
    assert names("decision=outsource") == [a.name]
    assert names("undecided=true") == [c.name]
    assert names(f"contract={a.contracts.get().pk}") == [a.name]
    assert names("q=b") == [b.name]


def test_decisions_of_an_unknown_function_is_404(api_client_for: Callable[[str], APIClient]) -> None:
    assert api_client_for("executive").get(f"{URL}999999/decisions/").status_code == 404


def test_decisions_are_paginated_like_every_list(api_client_for: Callable[[str], APIClient]) -> None:
    """The schema promises a page (count, next, previous, results), not a bare list."""
    function = FunctionFactory(category="data_ml")
    for day in range(1, 4):
        SourcingDecisionFactory(function=function, decided_on=dt.date(2026, 1, day))
    client = api_client_for("security")
    url = f"{URL}{function.pk}/decisions/"

    first = client.get(url, {"page_size": 2}).json()
    assert (first["count"], first["previous"]) == (3, None)
    assert [row["decided_on"] for row in first["results"]] == ["2026-01-03", "2026-01-02"]
    second = client.get(first["next"]).json()
    assert ([row["decided_on"] for row in second["results"]], second["next"]) == (["2026-01-01"], None)
    # The catalogue's filters are not the history's: they neither hide the function nor its rows.
    assert client.get(url, {"category": "l1_support"}).json()["count"] == 3
