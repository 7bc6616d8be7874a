"""In-app notifications, each person's e-mail preferences, and the ledger of reminders already sent.

Notifications are high-volume and belong to one person: they are not in the audit trail (their
``created_at`` / ``read_at`` / ``emailed_at`` say all there is). A change of e-mail preference is a
person's decision and is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.models import TimeStampedModel, audit_tracked
from apps.notifications.choices import NotificationKind

KIND_MAX_LENGTH = 32
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
DEDUPE_KEY_MAX_LENGTH = 200


class Notification(models.Model):
    """Something one person should know about, shown under the bell and (unless they turned it off
    for this kind) e-mailed. ``dedupe_key`` names the event: one notification per person and key."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=KIND_MAX_LENGTH, choices=NotificationKind.choices)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(blank=True, help_text="Plain text.")
    url = models.CharField(
        max_length=URL_MAX_LENGTH, blank=True, help_text="Where the notification leads, a path in the workspace."
    )
    dedupe_key = models.CharField(
        max_length=DEDUPE_KEY_MAX_LENGTH, help_text="Names the event: a second notify() with the same key is a no-op."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                name="notifications_unique_recipient_key",
                violation_error_message="This person has already been notified of this.",
                violation_error_code="unique",
            ),
        ]
        indexes = [
            # The bell: the unread count of one person on every page.
            models.Index(fields=["recipient", "read_at"], name="notifications_recipient_read"),
            # The list page: one person's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notifications_recipient_new"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


@audit_tracked()
class EmailPreference(TimeStampedModel):
    """Whether a person wants e-mail for one kind of notification. No row: yes (the default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=KIND_MAX_LENGTH, choices=NotificationKind.choices)
    email_enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = "e-mail preference"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                name="notifications_unique_email_preference",
                violation_error_message="This person already has an e-mail preference for this kind.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        state = "on" if self.email_enabled else "off"
        return f"{self.user}: {self.get_kind_display()} e-mail {state}"


class SentReminder(models.Model):
    """The ledger that makes each reminder go out once: one row per (kind, item, occasion), claimed
    with INSERT … ON CONFLICT DO NOTHING before anyone is notified (see ``apps.notifications.reminders``)."""

    kind = models.CharField(max_length=KIND_MAX_LENGTH, choices=NotificationKind.choices)
    item_key = models.CharField(max_length=100, help_text="The record reminded of, e.g. “contract:12”.")
    occasion = models.CharField(max_length=50, help_text="Which reminder of it, e.g. “90:2026-11-01” or “2026-10”.")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "item_key", "occasion"],
                name="notifications_unique_reminder_occasion",
                violation_error_message="This reminder has already been sent.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_key} ({self.occasion})"
