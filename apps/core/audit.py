"""Reading the audit trail (pghistory events) for the workspace's History tabs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import models
from pghistory.models import Events

HISTORY_LIMIT = 100
# Bookkeeping columns that say nothing to a reader of the history.
QUIET_FIELDS = frozenset({"id", "created_at", "updated_at", "cancel_by"})


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    what: str  # "Vendor updated", "Certification created", …
    record: str
    who: str
    action: str
    changes: list[tuple[str, Any, Any]]
    # Why, for a consequential action (``audited(..., reason=...)``), and the readiness conditions an
    # executive's override passed (``overridden``: their labels).
    reason: str = ""
    overridden: tuple[str, ...] = ()


def _model_label(dotted: str) -> str:
    try:
        return str(django_apps.get_model(dotted)._meta.verbose_name).capitalize()
    except LookupError:
        return dotted


def record_history(obj: models.Model, *, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The newest ``limit`` events of ``obj`` and of the rows that reference it (a vendor's
    certifications, grants, reviews…), with who did it and which fields changed. Two queries."""
    events = list(Events.objects.references(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {int(user_id) for event in events if (user_id := (event.pgh_context or {}).get("user")) is not None}
    users = {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=user_ids)}
    entries = []
    for event in events:
        context = event.pgh_context or {}
        user_id = context.get("user")
        verb = {"insert": "created", "update": "updated", "delete": "deleted"}.get(event.pgh_label, event.pgh_label)
        diff = event.pgh_diff or {}
        changes = [
            (name.replace("_", " "), before, after)
            for name, (before, after) in sorted(diff.items())
            if name not in QUIET_FIELDS
        ]
        if event.pgh_label == "update" and not changes:
            continue
        data = event.pgh_data or {}
        record = str(data.get("name") or data.get("title") or data.get("person") or data.get("description") or "")[:80]
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                what=f"{_model_label(event.pgh_obj_model)} {verb}",
                record=record,
                who=users.get(user_id, "system") if user_id is not None else "system",
                action=str(context.get("action") or "").replace("_", " "),
                changes=changes,
                reason=str(context.get("reason") or ""),
                overridden=tuple(str(label) for label in context.get("overridden") or ()),
            )
        )
    return entries
