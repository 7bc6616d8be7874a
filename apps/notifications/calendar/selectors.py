"""Reads of calendar feeds: the feed a URL's key opens, a person's own feed, and its addresses."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from apps.core.sealing import unseal
from apps.notifications.models import CalendarFeed

SEAL_PURPOSE = "calendar feed keys"
KEY_MAX_LENGTH = 100  # a key is 43 characters; anything much longer is not worth hashing
PORTFOLIO_QUERY = "scope=portfolio"


def calendar_key_hash(key: str) -> str:
    """The lookup form of a feed key (``CalendarFeed.key_hash``)."""
    return hashlib.sha256(key.encode()).hexdigest()


def calendar_feed_for_key(*, key: str) -> CalendarFeed | None:
    """The feed ``key`` opens, with its person; None for an unknown (or rotated) key and for a person
    whose account is deactivated. One query."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(key_hash=calendar_key_hash(key), user__is_active=True)
        .first()
    )


def calendar_feed_of(*, user: Any) -> CalendarFeed | None:
    """``user``'s own feed, if they made one."""
    if user is None or not user.is_authenticated:
        return None
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_key(feed: CalendarFeed) -> str | None:
    """The key of ``feed`` to show its person; None when it can no longer be unsealed (SECRET_KEY
    changed since it was made: the address still works, but a new one must be made to see one)."""
    try:
        return unseal(feed.key_sealed, purpose=SEAL_PURPOSE)
    except ImproperlyConfigured:
        return None


def calendar_feed_url(key: str, *, portfolio: bool = False) -> str:
    """The absolute address of the feed (``SITE_URL`` + path); ``portfolio``: the whole-portfolio one."""
    path = reverse("calendar-feed", kwargs={"key": key})
    return settings.SITE_URL.rstrip("/") + path + (f"?{PORTFOLIO_QUERY}" if portfolio else "")
