"""Writes of notifications and e-mail preferences.

``notify`` is the one way anything tells people something (the SLA engine, the reminders): it is
idempotent per (recipient, ``dedupe_key``) at the database — two callers racing with the same key
produce one notification per person — and it e-mails only the notifications it created, after the
commit, through ``apps.core.tasks.enqueue`` (a broker that is down never fails the caller).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.services import audited
from apps.core.sql import insert_new_rows
from apps.core.tasks import enqueue
from apps.notifications.choices import NotificationKind
from apps.notifications.emails import notification_email
from apps.notifications.models import DEDUPE_KEY_MAX_LENGTH, TITLE_MAX_LENGTH, EmailPreference, Notification
from apps.notifications.selectors import email_muted_user_ids

# What ``notification_email_send`` did, as the task reports it.
EMAIL_SENT = "sent"
EMAIL_MISSING = "missing"
EMAIL_ALREADY_SENT = "already_sent"
EMAIL_NO_ADDRESS = "no_address"
EMAIL_TURNED_OFF = "turned_off"

_INSERT_COLUMNS = ("recipient_id", "kind", "title", "body", "url", "dedupe_key", "created_at")


def _check_kind(kind: str) -> None:
    if kind not in NotificationKind.values:
        raise ApplicationError(
            f"Unknown notification kind “{kind}”; choose one of {', '.join(NotificationKind.values)}.", field="kind"
        )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _insert_new(rows: list[tuple[Any, ...]]) -> list[int]:
    """INSERT the rows, skipping those whose (recipient, dedupe_key) exists: the ids of the new ones."""
    return [row[0] for row in insert_new_rows(Notification, _INSERT_COLUMNS, rows)]


def notify(
    *, recipients: Iterable[Any], kind: str, title: str, body: str, url: str = "", dedupe_key: str
) -> list[Notification]:
    """Notify each distinct active person of ``recipients`` (``None`` entries, e.g. a vendor owner not
    named yet, are skipped) once per ``dedupe_key``, and e-mail the new notifications after commit to
    those with an address who have not turned e-mail off for ``kind``.

    Returns only the notifications created by this call: a repeated (or racing) call with the same
    key creates nothing and e-mails no one.
    """
    from apps.notifications.tasks import send_notification_email  # the task module imports this one

    _check_kind(kind)
    if not dedupe_key or len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        raise ApplicationError(
            f"A notification needs a dedupe key of 1 to {DEDUPE_KEY_MAX_LENGTH} characters.", field="dedupe_key"
        )
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    now = timezone.now()
    short_title = _shorten(title, TITLE_MAX_LENGTH)
    rows = [(pk, kind, short_title, body, url, dedupe_key, now) for pk in sorted(people)]
    with transaction.atomic():
        new_ids = _insert_new(rows)
        created = list(Notification.objects.filter(pk__in=new_ids).order_by("recipient_id"))
        muted = email_muted_user_ids(user_ids=[n.recipient_id for n in created], kind=kind)
        for notification in created:
            notification.recipient = people[notification.recipient_id]
            if notification.recipient.email and notification.recipient_id not in muted:
                enqueue(send_notification_email, notification.pk)
    return created


def notification_mark_read(*, notification: Notification, user: Any) -> Notification:
    """Mark one of ``user``'s notifications read (again: nothing changes, the first read time stays)."""
    if notification.recipient_id != user.pk:
        raise PermissionDeniedError("This notification is someone else's.")
    now = timezone.now()
    marked = Notification.objects.filter(pk=notification.pk, recipient=user, read_at__isnull=True).update(read_at=now)
    if marked:
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of ``user`` read; returns how many there were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def _preference_set(user: Any, kind: str, enabled: bool) -> EmailPreference:
    _check_kind(kind)
    preference, _ = EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"email_enabled": enabled})
    return preference


def email_preference_set(*, user: Any, kind: str, enabled: bool) -> EmailPreference:
    """Turn e-mail for ``kind`` on or off for ``user``."""
    with audited(actor=user, action="email_preference_set"):
        return _preference_set(user, kind, enabled)


def email_preferences_update(*, user: Any, enabled: Mapping[str, bool]) -> list[EmailPreference]:
    """Several kinds at once (the preferences page), in one transaction."""
    with audited(actor=user, action="email_preferences_update"):
        return [_preference_set(user, kind, on) for kind, on in enabled.items()]


def notification_email_send(*, notification_id: int) -> str:
    """E-mail one notification to its recipient, at most once: the row is locked, ``emailed_at``
    checked and set in the same transaction. A deleted notification is a quiet no-op, and so is a
    person who has no address any more or turned this kind off since."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return EMAIL_MISSING
        if notification.emailed_at is not None:
            return EMAIL_ALREADY_SENT
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email:
            return EMAIL_NO_ADDRESS
        if email_muted_user_ids(user_ids=[recipient.pk], kind=notification.kind):
            return EMAIL_TURNED_OFF
        notification_email(notification).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return EMAIL_SENT


# An e-mail whose enqueue was lost (the broker was down) is sent by the hourly catch-up, once it has
# had time to go the normal way, and only while it is still news.
PENDING_EMAIL_GRACE = timedelta(minutes=10)
PENDING_EMAIL_MAX_AGE = timedelta(days=3)
PENDING_EMAIL_BATCH = 500


def notifications_email_pending(*, now: datetime | None = None) -> dict[str, int]:
    """Send the e-mails that were never sent (``emailed_at`` empty) of notifications between
    ``PENDING_EMAIL_GRACE`` and ``PENDING_EMAIL_MAX_AGE`` old, to people with an address who have not
    turned that kind off. Each goes through ``notification_email_send``, so none is sent twice."""
    now = now or timezone.now()
    muted = EmailPreference.objects.filter(user_id=OuterRef("recipient_id"), kind=OuterRef("kind"), email_enabled=False)
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - PENDING_EMAIL_GRACE,
            created_at__gte=now - PENDING_EMAIL_MAX_AGE,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .exclude(Exists(muted))
        .order_by("created_at")
        .values_list("pk", flat=True)[:PENDING_EMAIL_BATCH]
    )
    outcomes: dict[str, int] = {}
    for notification_id in list(pending):
        outcome = notification_email_send(notification_id=notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
