"""The function admin pages render; a decision added there goes through function_decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.core.models import PolicyException
from apps.functions.models import SourcingDecision
from tests.factories import FunctionFactory, SourcingDecisionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", ["function", "sourcingdecision"])
def test_changelist_and_add_pages_render(admin_browser: Client, model: str) -> None:
    SourcingDecisionFactory()
    assert admin_browser.get(reverse(f"admin:functions_{model}_changelist")).status_code == 200
    assert admin_browser.get(reverse(f"admin:functions_{model}_add")).status_code == 200


def test_a_recorded_decision_is_read_only(admin_browser: Client) -> None:
    decision = SourcingDecisionFactory()
    url = reverse("admin:functions_sourcingdecision_change", args=[decision.pk])
    admin_browser.post(url, {"function": decision.function_id, "decision": "outsource", "rationale": "Edited"})
    decision.refresh_from_db()
    assert (decision.decision, decision.rationale) == ("hybrid", "Keep ownership, augment capacity.")


def test_sourcing_decision_added_in_the_admin_updates_the_function(admin_browser: Client) -> None:
    function = FunctionFactory(strategic=1, repeatable=5)  # recommended outsource: within policy
    response = admin_browser.post(
        reverse("admin:functions_sourcingdecision_add"),
        {"function": function.pk, "decision": "outsource", "rationale": "Commodity", "decided_on": "2026-01-15"},
    )
    assert response.status_code == 302, response.content
    function.refresh_from_db()
    assert function.decision == "outsource"
    assert SourcingDecision.objects.get().decided_by.username == "root"
    change = admin_browser.get(reverse("admin:functions_function_change", args=[function.pk]))
    assert change.status_code == 200 and "Commodity" in change.content.decode()


def test_a_decision_against_the_recommendation_in_the_admin_asks_for_the_exception(admin_browser: Client) -> None:
    function = FunctionFactory(strategic=5, sensitive=5)  # never outsource
    url = reverse("admin:functions_sourcingdecision_add")
    data = {"function": function.pk, "decision": "outsource", "rationale": "test", "decided_on": "2026-01-15"}
    refused = admin_browser.post(url, data)
    assert refused.status_code == 200 and "justification" in refused.context["adminform"].form.errors
    assert not SourcingDecision.objects.exists()
    review_on = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    accepted = admin_browser.post(
        url, {**data, "justification": "Bridge until the team is hired", "review_on": review_on}
    )
    assert accepted.status_code == 302
    assert PolicyException.objects.get().object_id == function.pk
