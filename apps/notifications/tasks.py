"""Celery tasks of the notifications app: thin shells around services (docs/development/style.md, convention 6)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from apps.notifications.reminders import reminders_send
from apps.notifications.services import notification_email_send, notifications_email_pending

# The webhook tasks live with the webhooks; imported here so Celery's autodiscovery registers them.
from apps.notifications.webhooks.tasks import deliver_webhook, send_due_webhooks  # noqa: F401

# SMTP errors are OSErrors (smtplib.SMTPException, refused connections, timeouts).
EMAIL_RETRY_ERRORS = (OSError, OperationalError, InterfaceError)


@shared_task(
    name="notifications.send_email",
    acks_late=True,
    autoretry_for=EMAIL_RETRY_ERRORS,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=6,
)
def send_notification_email(notification_id: int) -> str:
    """E-mail one notification (at most once; a deleted one is a quiet no-op). Returns what happened."""
    return notification_email_send(notification_id=notification_id)


@shared_task(
    name="notifications.send_reminders",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=60,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=3,
)
def send_reminders(as_of: str | None = None) -> dict[str, int]:
    """Send the reminders due on ``as_of`` (ISO date; default today in TIME_ZONE). Idempotent: each
    (kind, item, occasion) is sent once however often, or however late, this runs."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return reminders_send(as_of=day)


@shared_task(
    name="notifications.send_pending_emails",
    acks_late=True,
    autoretry_for=EMAIL_RETRY_ERRORS,
    retry_backoff=60,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=3,
)
def send_pending_emails() -> dict[str, int]:
    """The hourly catch-up for e-mails whose enqueue was lost while the broker was down."""
    return notifications_email_pending()
