"""The API token reminder, registered by this app at ``ready()`` because tokens live in ``apps.accounts``,
which is below the inbox and may not import it.

- ``api_token_expiring`` (``API_TOKEN_EXPIRY_REMINDER_DAYS`` before its expiry, 14 and 3 by default) →
  the token's owner, once per threshold: create a new token and replace the old one where it is used
  before the integration starts failing with 401s. Revoked tokens, tokens of deactivated people and
  tokens that never expire are not reminded of.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.selectors import api_tokens_expiring
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import DueReminder, RoleMembers, day_label, in_days, register_reminder_rule


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def api_tokens_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Tokens expiring within the first threshold of ``as_of`` (and not yet expired on it), each with
    the thresholds passed as of the day, the occasion naming the day it expires."""
    thresholds = sorted(set(settings.API_TOKEN_EXPIRY_REMINDER_DAYS), reverse=True)
    if not thresholds:
        return []
    tokens = api_tokens_expiring(after=_start_of(as_of), until=_start_of(as_of + timedelta(days=thresholds[0] + 1)))
    dues = []
    for token in tokens:
        assert token.expires_at is not None  # only tokens that expire are listed
        expires_on = timezone.localdate(token.expires_at)
        days = (expires_on - as_of).days
        occasions = tuple((Kind.API_TOKEN_EXPIRING, f"{t}:{expires_on}") for t in thresholds if days <= t)
        if not occasions:
            continue
        dues.append(
            DueReminder(
                item_key=f"api_token:{token.pk}",
                occasions=occasions,
                recipients=(token.user,),
                title=f"API token “{token.name}” expires {in_days(days)}",
                body=(
                    f"Your API token “{token.name}” ({token.prefix}…) expires on {day_label(expires_on)} "
                    f"({in_days(days)}); from then on every request with it is refused (401). Create a new "
                    "token on the tokens page and put it where this one is used, then revoke this one."
                ),
                url=reverse("api-token-list"),
            )
        )
    return dues


register_reminder_rule(name="api_tokens", kinds=(Kind.API_TOKEN_EXPIRING,), collect=api_tokens_due)
