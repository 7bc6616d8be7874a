"""The KPI admin pages render."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", ["kpis.kpidefinition", "kpis.performanceband"])
def test_changelist_and_add_pages_render(admin_browser: Client, model: str) -> None:
    MeasurementFactory()
    app, name = model.split(".")
    assert admin_browser.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200
    assert admin_browser.get(reverse(f"admin:{app}_{name}_add")).status_code == 200
