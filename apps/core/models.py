"""Abstract bases and the audit decorator shared by every domain model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pghistory
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
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


@audit_tracked()
class StatusChange(models.Model):
    """One lifecycle move of a governed record (vendor, contract, breach…): who, when, from and to,
    why, and — when an executive passed a readiness gate — which conditions were unmet then.

    An override stays *open* (it counts in the attention ranking and is listed as an exception) until
    its conditions are met or the record has left the status it was let into (``cleared_on``).
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    overridden = models.JSONField(
        default=list, blank=True, help_text="The unmet gate conditions an override passed: [{code, label, detail}]."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="status_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True, editable=False)
    cleared_on = models.DateField(null=True, blank=True, help_text="When an override's conditions stopped mattering.")

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_statuschange_subject")]
        permissions = [("override_gate", "Can pass a readiness gate with a recorded reason")]

    def __str__(self) -> str:
        kind = "Override" if self.overridden else "Status change"
        return f"{kind}: {self.from_status} → {self.to_status}"

    @property
    def is_override(self) -> bool:
        return bool(self.overridden)

    @property
    def is_open_override(self) -> bool:
        return self.is_override and self.cleared_on is None


@audit_tracked()
class PolicyException(TimeStampedModel):
    """A governed departure from sourcing policy, accepted with a justification and a review date: a
    contract covering a function decided keep in-house (or recommended never outsource), or a
    sourcing decision against the recommendation. Reminded before its review date; past it and not
    closed, it is *expired* — a finding."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300, help_text="What departs from policy, in one line.")
    justification = models.TextField()
    review_on = models.DateField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="policy_exceptions"
    )
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["review_on", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_policyexception_subject")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(justification=""),
                name="core_policyexception_justified",
                violation_error_message="A policy exception needs its justification.",
            ),
        ]

    def __str__(self) -> str:
        return f"Policy exception: {self.summary}"
