"""The e-mail of a notification: plain text and HTML, absolute links, sent at most once."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification_email
from tests.factories import UserFactory
from tests.notifications.factories import EmailPreferenceFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@override_settings(SITE_URL="https://governance.example.com", DEFAULT_FROM_EMAIL="VG <vg@example.com>")
def test_html_and_text_email(django_capture_on_commit_callbacks: Any) -> None:
    alice = UserFactory(first_name="Alice", email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[alice],
            kind="breach_opened",
            title="Defect rate <breached> for October",
            body="Defect rate 3.1 % against at most 2 %.\nService credit owed: 1,200.00 EUR.",
            url="/contracts/7/#sla-terms",
            dedupe_key="breach:7:2026-10",
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Vendor Governance] Defect rate <breached> for October"
    assert message.to == ["alice@example.com"]
    assert message.from_email == "VG <vg@example.com>"
    text = message.body
    assert "Hello Alice," in text
    assert "Defect rate <breached> for October" in text  # plain text: nothing escaped
    assert "Service credit owed: 1,200.00 EUR." in text
    assert "Open it: https://governance.example.com/contracts/7/#sla-terms" in text
    assert "https://governance.example.com/notifications/preferences/" in text
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    assert "Defect rate &lt;breached&gt; for October" in html  # HTML: escaped
    assert 'href="https://governance.example.com/contracts/7/#sla-terms"' in html
    assert "SLA breach opened" in html
    assert Notification.objects.get().emailed_at is not None


def test_the_task_sends_once_however_often_it_runs() -> None:
    notification = NotificationFactory()
    assert send_notification_email(notification.pk) == "sent"
    assert send_notification_email(notification.pk) == "already_sent"
    assert len(mail.outbox) == 1


def test_a_missing_notification_is_a_quiet_no_op() -> None:
    assert send_notification_email(987654) == "missing"
    assert mail.outbox == []


def test_email_turned_off_after_enqueueing_is_respected() -> None:
    notification = NotificationFactory(kind="review_due")
    EmailPreferenceFactory(user=notification.recipient, kind="review_due", email_enabled=False)
    assert send_notification_email(notification.pk) == "turned_off"
    assert mail.outbox == []


def test_a_recipient_without_address_gets_nothing() -> None:
    notification = NotificationFactory(recipient=UserFactory(email=""))
    assert send_notification_email(notification.pk) == "no_address"


def test_a_failing_smtp_server_leaves_it_unsent_for_the_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    notification = NotificationFactory()

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(smtplib.SMTPException):
        send_notification_email.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    # ...and Celery retries exactly this kind of error, with backoff, a bounded number of times.
    assert issubclass(smtplib.SMTPServerDisconnected, send_notification_email.autoretry_for)
    assert send_notification_email.max_retries and send_notification_email.retry_backoff
    assert send_notification_email.acks_late is True
