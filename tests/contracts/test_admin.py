"""The contracts admin: pages render, a contract added here gets its checklists, transitions run
through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.contracts.choices import ClauseKind
from apps.contracts.models import Contract
from tests.factories import (
    ContractClauseFactory,
    ContractFactory,
    ExitPlanItemFactory,
    ReadyContractFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="demo_admin", role="admin"))
    return client


@pytest.mark.parametrize(
    ("model", "factory", "addable"),
    [
        ("contract", ContractFactory, True),
        ("contractclause", ContractClauseFactory, False),
        ("exitplanitem", ExitPlanItemFactory, False),
    ],
)
def test_admin_pages_render(model: str, factory: Any, addable: bool, admin_client: Client) -> None:
    obj = factory()
    assert admin_client.get(reverse(f"admin:contracts_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:contracts_{model}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"admin:contracts_{model}_add")).status_code == (200 if addable else 403)


def _contract_form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Admin-made SOW",
        "engagement_model": "project_based",
        "start_date": "2026-01-01",
        "end_date": "2099-12-31",
        "renewal": "explicit",
        "notice_days": "30",
        "value": "5000",
        "currency": "EUR",
        "status": "draft",
        **fields,
    }
    for prefix in ("clauses", "exit_plan_items", "sla_terms"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_contract_added_in_the_admin_gets_its_checklists(admin_client: Client) -> None:
    vendor = VendorFactory()
    response = admin_client.post(reverse("admin:contracts_contract_add"), _contract_form(vendor=vendor.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(title="Admin-made SOW")
    assert (contract.clauses.count(), contract.exit_plan_items.count()) == (len(ClauseKind.values), 5)
    assert contract.cancel_by == date(2099, 12, 1)


def test_the_admin_refuses_an_active_contract_that_has_ended(admin_client: Client) -> None:
    form = _contract_form(vendor=VendorFactory().pk, status="active", end_date="2026-01-31")
    response = admin_client.post(reverse("admin:contracts_contract_add"), form)
    assert response.status_code == 200  # the form again, with the error
    assert "has passed" in response.content.decode()
    assert not Contract.objects.exists()


def test_contract_status_is_read_only_and_moves_by_action(admin_client: Client) -> None:
    draft = ReadyContractFactory(title="Draft SOW", status="draft", end_date=date(2099, 12, 31))
    unready = ContractFactory(title="Unready SOW", status="draft", end_date=date(2099, 12, 31))
    done = ContractFactory(title="Old MSA", status="terminated")
    page = admin_client.get(reverse("admin:contracts_contract_change", args=[draft.pk]))
    assert 'name="status"' not in page.content.decode()
    response = admin_client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "transition_to_active", "_selected_action": [draft.pk, unready.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Draft SOW is now Active." in texts
    assert any(t.startswith("Old MSA: A contract cannot go from Terminated to Active") for t in texts)
    # The activation gate holds in the admin too: the clause checklist is missing.
    assert any(t.startswith("Unready SOW: Not ready to activate this contract") for t in texts)
    assert Contract.objects.get(pk=draft.pk).status == "active"
    assert Contract.objects.get(pk=unready.pk).status == "draft"
    assert Contract.objects.get(pk=done.pk).status == "terminated"
    # Terminating and expiring need a reason, which a bulk action cannot ask for.
    actions = admin_client.get(reverse("admin:contracts_contract_changelist")).content.decode()
    assert "transition_to_active" in actions
    assert "transition_to_terminated" not in actions and "transition_to_expired" not in actions
