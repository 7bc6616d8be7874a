"""factory_boy factories of the notifications app (the shared ones are in tests/factories.py)."""

from __future__ import annotations

import factory

from apps.notifications.models import EmailPreference, Notification, SentReminder
from tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "breach_opened"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."
    url = "/contracts/"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


class EmailPreferenceFactory(factory.django.DjangoModelFactory[EmailPreference]):
    class Meta:
        model = EmailPreference

    user = factory.SubFactory(UserFactory)
    kind = "breach_opened"
    email_enabled = False


class SentReminderFactory(factory.django.DjangoModelFactory[SentReminder]):
    class Meta:
        model = SentReminder

    kind = "contract_cancel_by"
    item_key = factory.Sequence(lambda n: f"contract:{n}")
    occasion = "90:2027-01-01"
