"""The performance admin: pages render (SLA terms added here, evaluations and breaches never), breach
acknowledgement runs through the service, breach fields stay read-only, a measurement added here
follows the KPI's rules, and the contract's page lists its SLA terms inline."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.kpis.models import KpiDefinition
from apps.performance.models import Breach, Measurement
from tests.factories import (
    BreachFactory,
    ContractFactory,
    MeasurementFactory,
    SlaEvaluationFactory,
    SlaTermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="demo_admin", role="admin"))
    return client


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    ("model", "factory", "addable"),
    [
        ("slaterm", SlaTermFactory, True),
        ("slaevaluation", SlaEvaluationFactory, False),
        ("breach", BreachFactory, False),
        ("measurement", MeasurementFactory, True),
    ],
)
def test_admin_pages_render(model: str, factory: Any, addable: bool, admin_client: Client) -> None:
    obj = factory()
    assert admin_client.get(reverse(f"admin:performance_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:performance_{model}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"admin:performance_{model}_add")).status_code == (200 if addable else 403)


def test_the_contract_admin_page_lists_its_sla_terms_inline(admin_client: Client) -> None:
    term = SlaTermFactory()
    page = admin_client.get(reverse("admin:contracts_contract_change", args=[term.contract_id])).content.decode()
    assert "sla_terms-TOTAL_FORMS" in page and f'value="{term.pk}"' in page


def test_breach_acknowledge_action(admin_client: Client) -> None:
    open_breach = BreachFactory()
    resolved = BreachFactory(status="resolved")
    response = admin_client.post(
        reverse("admin:performance_breach_changelist"),
        {"action": "acknowledge", "_selected_action": [open_breach.pk, resolved.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot become acknowledged" in t for t in texts)
    assert Breach.objects.get(pk=open_breach.pk).status == "acknowledged"
    assert Breach.objects.get(pk=resolved.pk).status == "resolved"


def test_breach_fields_cannot_be_edited_in_the_admin(admin_client: Client) -> None:
    breach = BreachFactory()
    page = admin_client.get(reverse("admin:performance_breach_change", args=[breach.pk])).content.decode()
    for name in ("status", "waiver_reason", "credit_amount", "resolution_note"):
        assert f'name="{name}"' not in page


def test_measurement_added_in_the_admin_follows_the_kpi_rules(admin_browser: Client) -> None:
    contract, defect_rate = ContractFactory(), KpiDefinition.objects.get(code="defect_rate")
    form = {
        "contract": contract.pk,
        "kpi": defect_rate.pk,
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "value": "80",
        "numerator": "1",
        "denominator": "4",
        "note": "",
    }
    url = reverse("admin:performance_measurement_add")
    refused = admin_browser.post(url, form)
    assert refused.status_code == 200 and "contradicts" in refused.content.decode()
    assert admin_browser.post(url, {**form, "value": "25"}).status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.source, measurement.recorded_by.username) == (25, "form", "root")
