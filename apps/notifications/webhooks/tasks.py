"""The webhook tasks: thin shells around ``apps.notifications.webhooks.delivery`` (registered through
``apps.notifications.tasks``, which Celery's autodiscovery reads). An attempt is not retried by Celery:
the delivery's own schedule (``WEBHOOK_RETRY_SCHEDULE``) and the sweep do that; only a database that is
briefly away is retried here (the claim's lease then lets the next try in)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.core.health import scheduled_run_record
from apps.notifications.webhooks.delivery import SWEEP_TASK, webhook_deliveries_send_due, webhook_delivery_attempt

DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="notifications.deliver_webhook",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
    max_retries=3,
)
def deliver_webhook(delivery_id: int, manual: bool = False) -> str:
    """One attempt of a webhook delivery (a quiet no-op when it is not waiting, not due or missing)."""
    return webhook_delivery_attempt(delivery_id=delivery_id, manual=manual)


@shared_task(name="notifications.send_due_webhooks", acks_late=True, max_retries=0)
def send_due_webhooks() -> int:
    """The beat's sweep (every minute): enqueue every webhook delivery whose attempt is due."""
    enqueued = webhook_deliveries_send_due()
    scheduled_run_record(SWEEP_TASK)  # the admins' status page: beat and a worker are alive
    return enqueued
