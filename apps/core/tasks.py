"""Enqueueing Celery tasks from services: after the commit, and never at the caller's expense."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

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
