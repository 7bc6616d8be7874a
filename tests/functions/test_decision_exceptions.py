"""A sourcing decision against the recommendation is a policy exception: refused without a
justification and a future review date (service, API, page), opened in the same transaction, shown
as "exception until <date>" (never a green badge), and it does not clear a policy conflict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.contracts.gates import POLICY_EXCEPTION_KIND as EXCEPTION_KIND_CONTRACT
from apps.contracts.models import Contract
from apps.core.models import PolicyException
from apps.functions import services
from apps.functions.choices import EXCEPTION_KIND_DECISION, decision_against_recommendation
from apps.functions.models import Function, SourcingDecision
from apps.functions.selectors import function_list, policy_conflicts
from tests.factories import ContractFactory, FunctionFactory, UserFactory

pytestmark = pytest.mark.django_db

NEVER = {"strategic": 5, "sensitive": 5, "repeatable": 2, "scarce": 2}  # recommended never outsource
OUTSOURCEABLE = {"strategic": 1, "sensitive": 2, "repeatable": 5, "scarce": 3}  # recommended outsource
API = "/api/v1/functions/"


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def cto() -> Any:
    return UserFactory(role="executive")


@pytest.fixture
def conflicted() -> Function:
    """Core architecture, recommended never outsource, decided keep in-house, yet an active contract
    covers it: a policy conflict."""
    function = FunctionFactory(name="Core architecture", decision="keep_in_house", **NEVER)
    ContractFactory(status="active").functions.add(function)
    assert list(policy_conflicts()) == [function]
    return function


@pytest.mark.parametrize(
    ("decision", "recommendation", "against"),
    [
        ("outsource", "never_outsource", True),
        ("hybrid", "never_outsource", True),
        ("keep_in_house", "never_outsource", False),
        ("outsource", "keep_in_house", True),
        ("hybrid", "keep_in_house", True),
        ("outsource", "hybrid", True),
        ("hybrid", "hybrid", False),
        ("keep_in_house", "hybrid", False),  # more conservative: not a departure
        ("outsource", "outsource", False),
        ("keep_in_house", "outsource", False),
    ],
)
def test_against_means_outsourcing_more_than_recommended(decision: str, recommendation: str, against: bool) -> None:
    assert decision_against_recommendation(decision, recommendation) is against


def test_outsourcing_a_never_outsource_function_with_a_bare_rationale_is_refused(
    cto: Any, conflicted: Function
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.function_decide(function=conflicted, decision="outsource", rationale="test", actor=cto)
    assert set(caught.value.message_dict) == {"justification", "review_on"}
    assert "Never outsource" in caught.value.message_dict["justification"][0]
    with pytest.raises(ValidationError) as past:
        services.function_decide(
            function=conflicted,
            decision="outsource",
            rationale="test",
            justification="Bridge",
            review_on=timezone.localdate(),
            actor=cto,
        )
    assert set(past.value.message_dict) == {"review_on"}
    assert not SourcingDecision.objects.exists() and not PolicyException.objects.exists()
    conflicted.refresh_from_db()
    assert conflicted.decision == "keep_in_house"


def test_a_justified_departure_opens_the_exception_and_keeps_the_conflict(cto: Any, conflicted: Function) -> None:
    review_on = in_days(90)
    services.function_decide(
        function=conflicted,
        decision="outsource",
        rationale="test",
        justification=" Vendor holds the only team that knows the legacy core. ",
        review_on=review_on,
        actor=cto,
    )
    exception = PolicyException.objects.get()
    assert (exception.kind, exception.subject, exception.raised_by, exception.review_on) == (
        EXCEPTION_KIND_DECISION,
        conflicted,
        cto,
        review_on,
    )
    assert exception.justification == "Vendor holds the only team that knows the legacy core."
    assert exception.closed_on is None
    row = function_list().get(pk=conflicted.pk)
    assert (row.decision, row.against_recommendation, row.exception_until) == ("outsource", True, review_on)
    # The decision is accepted as an exception, but the contract covering a never-outsource function
    # still needs its own (contract) exception: the conflict stays.
    assert (row.decision_conflict, row.contract_conflict, row.policy_conflict) == (False, True, True)
    assert list(policy_conflicts()) == [conflicted]
    decision_event = SourcingDecision.objects.get().events.get()
    assert decision_event.pgh_context.metadata["reason"] == exception.justification
    assert exception.events.get().pgh_context.metadata["action"] == "function_decide"


def test_a_contract_exception_in_force_accepts_the_contract_until_it_expires(conflicted: Function) -> None:
    contract = conflicted.contracts.get()
    exception = PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(Contract),
        object_id=contract.pk,
        kind=EXCEPTION_KIND_CONTRACT,
        summary="Contract covers a function kept in-house",
        justification="Transition period",
        review_on=in_days(30),
    )
    assert not policy_conflicts().exists()
    exception.review_on = in_days(-1)  # expired: it no longer covers the contract
    exception.save()
    assert list(policy_conflicts()) == [conflicted]
    exception.review_on, exception.closed_on = in_days(30), timezone.localdate()
    exception.save()
    assert list(policy_conflicts()) == [conflicted]


def test_a_recommended_never_outsource_function_under_contract_is_a_conflict_whatever_the_decision() -> None:
    undecided = FunctionFactory(**NEVER)
    ContractFactory(status="active").functions.add(undecided)
    assert list(policy_conflicts()) == [undecided]


def test_an_expired_decision_exception_is_a_conflict_again(cto: Any) -> None:
    function = FunctionFactory(**NEVER)
    services.function_decide(
        function=function, decision="hybrid", rationale="x", justification="Augment", review_on=in_days(10), actor=cto
    )
    assert not policy_conflicts().exists()
    PolicyException.objects.update(review_on=in_days(-1))
    row = function_list().get(pk=function.pk)
    assert (row.exception_expired, row.decision_conflict, row.policy_conflict) == (True, True, True)


def test_a_decision_within_the_recommendation_closes_the_exception(cto: Any) -> None:
    function = FunctionFactory(**NEVER)
    services.function_decide(
        function=function, decision="outsource", rationale="x", justification="J", review_on=in_days(10), actor=cto
    )
    services.function_decide(
        function=function, decision="hybrid", rationale="y", justification="J2", review_on=in_days(20), actor=cto
    )
    open_ = PolicyException.objects.filter(closed_on__isnull=True)
    assert [e.review_on for e in open_] == [in_days(20)]  # the new departure has its own exception
    services.function_decide(function=function, decision="keep_in_house", rationale="Back in-house", actor=cto)
    assert not PolicyException.objects.filter(closed_on__isnull=True).exists()
    row = function_list().get(pk=function.pk)
    assert (row.against_recommendation, row.exception_until, row.policy_conflict) == (False, None, False)


def test_a_more_conservative_decision_needs_no_exception(cto: Any) -> None:
    function = FunctionFactory(**OUTSOURCEABLE)
    services.function_decide(function=function, decision="keep_in_house", rationale="We like it", actor=cto)
    assert not PolicyException.objects.exists()
    assert function_list().get(pk=function.pk).against_recommendation is False


def test_the_api_refuses_with_field_messages_and_accepts_a_justified_exception(
    api_client_for: Callable[[str], APIClient], conflicted: Function
) -> None:
    client = api_client_for("executive")
    url = f"{API}{conflicted.pk}/"
    refused = client.patch(url, {"decision": "outsource", "rationale": "test"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"justification", "review_on"}
    assert not SourcingDecision.objects.exists()
    review_on = in_days(60)
    payload = {"decision": "outsource", "rationale": "test", "justification": "Bridge", "review_on": str(review_on)}
    accepted = client.patch(url, payload, format="json")
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["decision"], body["against_recommendation"], body["exception_until"], body["policy_conflict"]) == (
        "outsource",
        True,
        review_on.isoformat(),
        True,
    )
    assert "justification" not in body


@pytest.fixture
def executive_browser(cto: Any) -> Client:
    client = Client()
    client.force_login(cto)
    return client


def test_the_decision_page_asks_for_the_exception_and_the_badge_is_not_green(
    executive_browser: Client, conflicted: Function
) -> None:
    url = reverse("functions:function-decide", args=[conflicted.pk])
    refused = executive_browser.post(url, {"decision": "outsource", "rationale": "test"})
    assert refused.status_code == 400
    assert {"justification", "review_on"} <= set(refused.context["form"].errors)
    review_on = in_days(45)
    data = {"decision": "outsource", "rationale": "test", "justification": "Bridge", "review_on": review_on.isoformat()}
    assert executive_browser.post(url, data).status_code == 302
    detail = executive_browser.get(conflicted.get_absolute_url()).content.decode()
    assert "exception until" in detail and "badge-good" not in detail.split("Decision:")[1].split("</p>")[0]
    assert "Policy conflict" in detail
    listing = executive_browser.get(reverse("functions:function-list")).content.decode()
    assert "exception until" in listing
