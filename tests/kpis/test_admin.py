"""The KPI admin pages render, and their writes go through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.kpis.models import KpiDefinition, Measurement
from tests.factories import ContractFactory, MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", ["kpis.kpidefinition", "kpis.measurement", "kpis.performanceband"])
def test_changelist_and_add_pages_render(admin_browser: Client, model: str) -> None:
    MeasurementFactory()
    app, name = model.split(".")
    assert admin_browser.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200
    assert admin_browser.get(reverse(f"admin:{app}_{name}_add")).status_code == 200


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
    url = reverse("admin:kpis_measurement_add")
    refused = admin_browser.post(url, form)
    assert refused.status_code == 200 and "contradicts" in refused.content.decode()
    assert admin_browser.post(url, {**form, "value": "25"}).status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.source, measurement.recorded_by.username) == (25, "form", "root")
