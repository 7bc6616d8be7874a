"""In-app notifications, each person's e-mail preferences, and the ledger of reminders already sent.

Notifications are high-volume and belong to one person: they are not in the audit trail (their
``created_at`` / ``read_at`` / ``emailed_at`` say all there is). A change of e-mail preference is a
person's decision and is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from apps.core.models import TimeStampedModel, audit_tracked
from apps.notifications.choices import (
    NotificationKind,
    WebhookDeliveryStatus,
    WebhookEndpointKind,
    WebhookEventType,
)

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


@audit_tracked(exclude=["secret_sealed", "consecutive_failures", "last_delivery_at"])
class WebhookEndpoint(TimeStampedModel):
    """Where events are sent: a receiver of signed Standard Webhooks, or a Slack or Teams channel.

    ``secret_sealed`` is the Standard Webhooks signing secret (``whsec_…``), sealed at rest
    (``apps.core.sealing``) because every delivery must sign with it; it is shown when made or rotated.
    After ``WEBHOOK_DISABLE_AFTER_FAILURES`` deliveries in a row fail, the endpoint is disabled
    (``disabled_at``, ``disabled_reason``) and its owner told."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoints")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=WebhookEndpointKind.choices, default=WebhookEndpointKind.STANDARD)
    url = models.URLField(max_length=2000, help_text="HTTPS address the events are POSTed to.")
    secret_sealed = models.TextField(blank=True, editable=False)
    event_types = ArrayField(
        models.CharField(max_length=48, choices=WebhookEventType.choices),
        help_text="The events this endpoint receives.",
    )
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "webhook endpoint"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(event_types=[]),
                name="notifications_endpoint_has_events",
                violation_error_message="Choose at least one event for the endpoint.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint: the payload as first built (a replay sends the same bytes and
    ``message_id``, per Standard Webhooks), its status, and when the next attempt is due."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, help_text="The ``webhook-id`` header: msg_… , one per event.")
    event_type = models.CharField(max_length=48, choices=WebhookEventType.choices)
    payload = models.JSONField(help_text="The Standard Webhooks body: type, timestamp, data.")
    status = models.CharField(
        max_length=16, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "message_id"],
                name="notifications_unique_delivery_message",
                violation_error_message="This event has already been queued for this endpoint.",
                violation_error_code="unique",
            ),
        ]
        indexes = [
            # The retry sweep: deliveries waiting for their next attempt.
            models.Index(fields=["status", "next_attempt_at"], name="notifications_delivery_due"),
            # The endpoint's delivery log, newest first.
            models.Index(fields=["endpoint", "-created_at"], name="notifications_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: the log a person reads to see why a receiver refused."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now, editable=False)
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no answer (see error).")
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False, help_text="A replay asked for by a person.")

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"


@audit_tracked(exclude=["key_sealed", "key_hash", "last_fetched_at"])
class CalendarFeed(models.Model):
    """A person's secret iCalendar address. ``key_hash`` finds the feed from the URL; ``key_sealed``
    lets the person see their address again. Rotating replaces both: the old address stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
