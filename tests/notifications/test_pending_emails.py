"""The hourly catch-up: an e-mail whose enqueue was lost while the broker was down is sent later,
once, only while it is still news, and never to someone who turned that kind off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notifications_email_pending
from apps.notifications.tasks import send_pending_emails
from config.celery import app
from tests.notifications.factories import EmailPreferenceFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def aged(notification: Notification, minutes: int) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes))
    return notification


def test_lost_emails_are_sent_once_by_the_catch_up() -> None:
    lost = aged(NotificationFactory(title="Lost while Redis was down"), minutes=30)
    fresh = NotificationFactory(title="Still on its way")  # younger than the grace period: left to its task
    stale = aged(NotificationFactory(title="Old news"), minutes=5 * 24 * 60)
    muted = aged(NotificationFactory(kind="sla_at_risk"), minutes=30)
    EmailPreferenceFactory(user=muted.recipient, kind="sla_at_risk", email_enabled=False)
    no_address = aged(NotificationFactory(recipient__email=""), minutes=30)

    assert notifications_email_pending() == {"sent": 1}
    assert [message.subject for message in mail.outbox] == ["[Vendor Governance] Lost while Redis was down"]
    lost.refresh_from_db()
    assert lost.emailed_at is not None
    for untouched in (fresh, stale, muted, no_address):
        untouched.refresh_from_db()
        assert untouched.emailed_at is None
    assert notifications_email_pending() == {}
    assert len(mail.outbox) == 1


def test_the_catch_up_is_scheduled_hourly() -> None:
    entry = app.conf.beat_schedule["notifications-send-pending-emails-hourly"]
    assert entry["task"] == send_pending_emails.name == "notifications.send_pending_emails"
