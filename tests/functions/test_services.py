"""Sourcing decisions (history, permission, one transaction) and policy conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.functions import services
from apps.functions.models import Function, SourcingDecision
from apps.functions.selectors import function_list, policy_conflicts, sourcing_decision_list
from tests.factories import ContractFactory, FunctionFactory, SourcingDecisionFactory, UserFactory

pytestmark = pytest.mark.django_db


# A profile recommended "outsource": deciding to outsource it is within policy (no exception needed).
OUTSOURCEABLE = {"strategic": 1, "sensitive": 2, "repeatable": 5, "scarce": 3}


@pytest.fixture
def cto():
    return UserFactory(role="executive")


def test_decide_appends_history_and_updates_the_function(cto) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    first = services.function_decide(function=function, decision="outsource", rationale="Commodity", actor=cto)
    second = services.function_decide(function=function, decision="hybrid", rationale=" Keep ownership ", actor=cto)
    assert (function.decision, function.rationale) == ("hybrid", "Keep ownership")
    function.refresh_from_db()
    assert (function.decision, function.rationale) == ("hybrid", "Keep ownership")
    assert list(sourcing_decision_list(function=function)) == [second, first]
    first.refresh_from_db()
    assert (first.decision, first.rationale, first.decided_by) == ("outsource", "Commodity", cto)
    assert second.decided_on == timezone.localdate()


def test_a_back_dated_decision_joins_the_history_without_becoming_current(cto) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    services.function_decide(function=function, decision="keep_in_house", rationale="Now", actor=cto)
    old = services.function_decide(
        function=function,
        decision="outsource",
        rationale="What we did last year",
        actor=cto,
        decided_on=timezone.localdate() - dt.timedelta(days=365),
    )
    function.refresh_from_db()
    assert function.decision == "keep_in_house"
    assert list(sourcing_decision_list(function=function))[-1] == old


@pytest.mark.parametrize("role", ["procurement", "engineering_manager", "security", None])
def test_only_roles_with_the_permission_decide(role) -> None:
    function = FunctionFactory()
    actor = UserFactory(role=role) if role else None
    with pytest.raises(PermissionDeniedError):
        services.function_decide(function=function, decision="outsource", rationale="x", actor=actor)
    assert function.decisions.count() == 0
    function.refresh_from_db()
    assert function.decision == ""


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_executives_and_admins_decide(role: str) -> None:
    record = services.function_decide(
        function=FunctionFactory(**OUTSOURCEABLE), decision="outsource", rationale="x", actor=UserFactory(role=role)
    )
    assert record.pk is not None


@pytest.mark.parametrize(
    ("decision", "rationale", "decided_on", "fields"),
    [
        ("outsource", "  ", None, {"rationale"}),
        ("sell", "x", None, {"decision"}),
        ("sell", "", None, {"decision", "rationale"}),
        ("hybrid", "x", dt.date.max, {"decided_on"}),
    ],
)
def test_decide_refuses_bad_input_with_field_messages(cto, decision, rationale, decided_on, fields) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    with pytest.raises(ValidationError) as caught:
        services.function_decide(
            function=function, decision=decision, rationale=rationale, actor=cto, decided_on=decided_on
        )
    assert set(caught.value.message_dict) == fields
    assert SourcingDecision.objects.count() == 0


def test_a_refused_decision_writes_nothing_else(cto) -> None:
    function = FunctionFactory(name="Billing", **OUTSOURCEABLE)
    manager = UserFactory(role="engineering_manager")
    manager.user_permissions.add(Permission.objects.get(codename="change_function"))
    manager = type(manager).objects.get(pk=manager.pk)  # drop the permission cache
    with pytest.raises(PermissionDeniedError):
        services.function_save_with_decision(
            actor=manager,
            instance=function,
            data={"name": "Billing platform", "decision": "outsource", "rationale": "x"},
        )
    with pytest.raises(ValidationError):
        services.function_save_with_decision(
            actor=cto, instance=function, data={"name": "Billing platform", "decision": "outsource"}
        )
    function.refresh_from_db()
    assert (function.name, function.decision) == ("Billing", "")
    assert SourcingDecision.objects.count() == 0


def test_saving_the_current_decision_again_records_nothing(cto) -> None:
    function = FunctionFactory()
    services.function_decide(function=function, decision="hybrid", rationale="Augment", actor=cto)
    services.function_save_with_decision(
        actor=cto, instance=function, data={"description": "Edited", "decision": "hybrid", "rationale": "Augment"}
    )
    assert function.decisions.count() == 1
    services.function_save_with_decision(actor=cto, instance=function, data={"rationale": "Augment with two devs"})
    assert list(function.decisions.values_list("decision", "rationale")) == [
        ("hybrid", "Augment with two devs"),
        ("hybrid", "Augment"),
    ]


def test_a_function_with_decisions_cannot_be_deleted() -> None:
    decision = SourcingDecisionFactory()
    with pytest.raises(ConflictError):
        services.function_delete(instance=decision.function, actor=UserFactory(role="admin"))
    assert Function.objects.filter(pk=decision.function_id).exists()


@pytest.mark.parametrize(
    ("decision", "contract_status", "conflict"),
    [
        ("keep_in_house", "active", True),
        ("keep_in_house", "draft", False),
        ("keep_in_house", "expired", False),
        ("keep_in_house", "terminated", False),
        ("outsource", "active", False),
        ("hybrid", "active", False),
        ("", "active", False),
    ],
)
def test_policy_conflict(decision: str, contract_status: str, conflict: bool) -> None:
    function = FunctionFactory(decision=decision, **OUTSOURCEABLE)
    ContractFactory(status=contract_status).functions.add(function)
    FunctionFactory(decision="keep_in_house")  # not covered by any contract: never a conflict
    other = FunctionFactory(decision="outsource", **OUTSOURCEABLE)
    ContractFactory(status="active").functions.add(other)  # outsourced as decided: no conflict
    assert function_list().get(pk=function.pk).policy_conflict is conflict
    assert list(policy_conflicts()) == ([function] if conflict else [])


def test_policy_conflict_follows_the_decision(cto) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    ContractFactory(status="draft").functions.add(function)
    ContractFactory(status="active").functions.add(function)
    services.function_decide(function=function, decision="keep_in_house", rationale="Core", actor=cto)
    assert list(policy_conflicts()) == [function]
    services.function_decide(function=function, decision="outsource", rationale="Vendor runs it", actor=cto)
    assert not policy_conflicts().exists()


def test_decided_on_is_the_latest_decision(cto) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    assert function_list().get(pk=function.pk).decided_on is None
    day = timezone.localdate() - dt.timedelta(days=10)
    services.function_decide(function=function, decision="hybrid", rationale="x", actor=cto, decided_on=day)
    services.function_decide(
        function=function, decision="outsource", rationale="y", actor=cto, decided_on=day - dt.timedelta(days=5)
    )
    assert function_list().get(pk=function.pk).decided_on == day


def test_audit_events_name_the_acting_user(cto) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    record = services.function_decide(function=function, decision="outsource", rationale="Commodity", actor=cto)
    decision_event = record.events.get()
    function_event = function.events.order_by("-pgh_id").first()
    for event in (decision_event, function_event):
        assert event.pgh_context.metadata["user"] == cto.pk
        assert event.pgh_context.metadata["action"] == "function_decide"
    assert function_event.decision == "outsource"
