"""Reads of notifications and e-mail preferences. A person only ever reads their own notifications:
every page, API endpoint and count goes through ``notification_list``, which is scoped to ``user``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.notifications.choices import NotificationKind
from apps.notifications.models import EmailPreference, Notification


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """``user``'s notifications, newest first (nothing for someone not signed in)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: Any) -> int:
    """The number on the bell: one COUNT on the (recipient, read_at) index."""
    return notification_list(user=user).filter(read_at__isnull=True).count()


def email_preferences(*, user: Any) -> dict[str, bool]:
    """Every kind → whether ``user`` gets it by e-mail (on unless they turned it off)."""
    stored = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email_enabled"))
    return {kind: stored.get(kind, True) for kind in NotificationKind.values}


def email_muted_user_ids(*, user_ids: list[int], kind: str) -> set[int]:
    """Of ``user_ids``, those who turned e-mail off for ``kind``."""
    return set(
        EmailPreference.objects.filter(user_id__in=user_ids, kind=kind, email_enabled=False).values_list(
            "user_id", flat=True
        )
    )
