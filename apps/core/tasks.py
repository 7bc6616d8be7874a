"""Enqueueing Celery tasks from services (after the commit, and never at the caller's expense), and
the framework's own scheduled task: clearing gate overrides whose conditions are met."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone

from apps.core.services import overrides_clear

logger = logging.getLogger(__name__)


def enqueue(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Publish ``task(*args, **kwargs)`` once the current transaction commits (at once outside one).

    A worker must never see a row that is not committed yet, and the caller's work must never fail
    because the broker is down: a publish error is logged as a warning and swallowed. What was not
    enqueued stays recorded in the database (an e-mail without ``emailed_at``), and every task is
    idempotent, so it can be sent again later.
    """

    def publish() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # a broker that is down (kombu OperationalError), or any refusal to publish
            logger.warning(
                "Could not enqueue %s with %r %r: the broker did not take it.", task.name, args, kwargs, exc_info=True
            )

    transaction.on_commit(publish)


@shared_task(name="core.clear_overrides", acks_late=True, max_retries=3)
def clear_overrides(as_of: str | None = None) -> int:
    """Close the gate overrides whose conditions are now met (or whose record has moved on), as of
    ``as_of`` (ISO date; default today in TIME_ZONE). Idempotent: returns how many it cleared."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return overrides_clear(as_of=day)
