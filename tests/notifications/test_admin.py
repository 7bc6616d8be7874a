"""The operator's admin pages of the notifications app render, and records of what happened are read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.notifications.factories import EmailPreferenceFactory, NotificationFactory, SentReminderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["notification", "emailpreference", "sentreminder"])
def test_changelist_and_change_page_render(model: str) -> None:
    records = {"notification": NotificationFactory, "emailpreference": EmailPreferenceFactory}
    record = records.get(model, SentReminderFactory)()
    client = Client()
    client.force_login(UserFactory(role="admin"))
    assert client.get(f"/admin/notifications/{model}/").status_code == 200
    assert client.get(f"/admin/notifications/{model}/{record.pk}/change/").status_code == 200
    can_add = client.get(f"/admin/notifications/{model}/add/").status_code
    assert can_add == (200 if model == "emailpreference" else 403)
