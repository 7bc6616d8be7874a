"""Writes of calendar feeds: a person makes their secret address, rotates it (the old one stops
working at once) or turns it off.

The key is 32 random bytes (URL-safe base64, 43 characters). It is stored twice: as its SHA-256
(``key_hash``: how the feed URL finds the feed, a unique index) and sealed (``key_sealed``,
``apps.core.sealing``, purpose "calendar feed keys"), so the person can see and copy their address
again. A plain hash is enough for the lookup: the key is random and as long as a hash, so there is
nothing to guess from it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError
from apps.core.sealing import seal
from apps.core.services import audited
from apps.notifications.calendar.selectors import SEAL_PURPOSE, calendar_key_hash
from apps.notifications.models import CalendarFeed

KEY_BYTES = 32


def _new_key() -> tuple[str, str, str]:
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, calendar_key_hash(key), seal(key, purpose=SEAL_PURPOSE)


def _require_person(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ApplicationError("Sign in to manage your calendar address.")


def calendar_feed_create(*, user: Any) -> CalendarFeed:
    """Give ``user`` a calendar address. One per person: a second call (another tab, a double
    click) keeps the address they have."""
    _require_person(user)
    with audited(actor=user, action="calendar_feed_create"):
        existing = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if existing is not None:
            return existing
        _, key_hash, key_sealed = _new_key()
        try:
            with transaction.atomic():
                feed = CalendarFeed.objects.create(user=user, key_hash=key_hash, key_sealed=key_sealed)
        except IntegrityError as exc:  # a concurrent request made it first
            raise ConflictError("Your calendar address was just made; reload the page to see it.") from exc
    return feed


def calendar_feed_rotate(*, user: Any) -> CalendarFeed:
    """Replace ``user``'s key: the old address answers 404 from now on."""
    _require_person(user)
    with audited(actor=user, action="calendar_feed_rotate"):
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            raise ApplicationError("You have no calendar address yet.")
        _, feed.key_hash, feed.key_sealed = _new_key()
        feed.rotated_at = timezone.now()
        feed.last_fetched_at = None
        feed.save(update_fields=["key_hash", "key_sealed", "rotated_at", "last_fetched_at"])
    return feed


def calendar_feed_delete(*, user: Any) -> bool:
    """Turn ``user``'s calendar address off (it answers 404). Whether there was one."""
    _require_person(user)
    with audited(actor=user, action="calendar_feed_delete"):
        deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_fetched(*, feed: CalendarFeed) -> None:
    """Note that a calendar fetched the feed (shown on the page: "last fetched"). One UPDATE, not
    audited (bookkeeping, like a token's last use)."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
