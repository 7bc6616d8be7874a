"""Abstract bases and the audit decorator shared by every domain model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pghistory
from django.db import models

ModelT = TypeVar("ModelT", bound=type[models.Model])


def audit_tracked(**kwargs: Any) -> Callable[[ModelT], ModelT]:
    """Record every insert, update (bulk ones too: these are database triggers) and delete of the
    model in its pghistory event table, with the request/service context (who, which action)."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)  # type: ignore[no-any-return]


class TimeStampedModel(models.Model):
    """Adds ``created_at`` / ``updated_at``; who changed what is in the pghistory audit trail."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
