"""The cost settings are one row an administrator edits in the admin (never adds a second, never deletes);
a bad figure is a form error that changes nothing; the owner-hours admin pages render."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from apps.costs.models import CostSettings
from apps.costs.selectors import cost_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_one_row_is_edited_never_added_nor_deleted(admin_browser: Client) -> None:
    # The migration's row (a flushing test elsewhere may have removed it: the admin then offers to add one).
    row, _ = CostSettings.objects.get_or_create(pk=1)
    url = reverse("admin:costs_costsettings_change", args=[row.pk])
    assert admin_browser.get(url).status_code == 200
    assert admin_browser.get(reverse("admin:costs_costsettings_add")).status_code == 403
    assert admin_browser.get(reverse("admin:costs_costsettings_delete", args=[row.pk])).status_code == 403

    data = {key: value for key, value in model_to_dict(row).items() if value is not None and key != "id"}
    response = admin_browser.post(url, {**data, "hourly_cost_engineering": "-5"})
    assert response.status_code == 200 and b"Ensure this value is greater than or equal to 0" in response.content
    assert cost_settings().hourly_cost_engineering == Decimal(85)

    response = admin_browser.post(url, {**data, "hourly_cost_engineering": "92.50"})
    assert response.status_code == 302
    assert cost_settings().hourly_cost_engineering == Decimal("92.50")
    assert CostSettings.objects.count() == 1


def test_owner_hours_pages_render(admin_browser: Client) -> None:
    assert admin_browser.get(reverse("admin:costs_ownerhours_changelist")).status_code == 200
    assert admin_browser.get(reverse("admin:costs_ownerhours_add")).status_code == 200


def test_without_the_row_the_defaults_count_and_the_admin_offers_to_add_it(admin_browser: Client) -> None:
    CostSettings.objects.all().delete()
    assert cost_settings().fix_hours_per_defect == Decimal(6) and cost_settings().pk == 1
    assert admin_browser.get(reverse("admin:costs_costsettings_add")).status_code == 200
