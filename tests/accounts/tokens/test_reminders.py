"""The expiry reminder: to the token's owner, API_TOKEN_EXPIRY_REMINDER_DAYS (14 and 3) before, once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_issue, api_token_revoke
from apps.notifications.models import Notification
from apps.notifications.reminders import reminder_kinds, reminders_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
KIND = "api_token_expiring"


def token_expiring_on(day: dt.date, **kwargs: object) -> ApiToken:
    token = api_token_issue(
        user=kwargs.pop("user", None) or UserFactory(), name="CI", scopes=["read"], expires_in_days=1
    ).token
    token.expires_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.expires_at)
    return token


def test_the_rule_is_registered() -> None:
    assert KIND in reminder_kinds()


def test_reminded_14_and_3_days_before_once_each() -> None:
    expires = dt.date(2027, 3, 20)
    token = token_expiring_on(expires)
    sent = []
    for day in (
        dt.date(2027, 3, 5),
        dt.date(2027, 3, 6),
        dt.date(2027, 3, 7),
        dt.date(2027, 3, 16),
        dt.date(2027, 3, 17),
        dt.date(2027, 3, 18),
    ):
        sent.append(reminders_send(as_of=day)[KIND])
    assert sent == [0, 1, 0, 0, 1, 0]
    notes = Notification.objects.filter(kind=KIND).order_by("pk")
    assert [n.recipient_id for n in notes] == [token.user_id, token.user_id]
    assert "expires in 14 days" in notes[0].title and "in 3 days" in notes[1].title
    assert "20 Mar 2027" in notes[1].body and notes[1].url == "/accounts/tokens/"


def test_missed_runs_collapse_into_one_reminder() -> None:
    token_expiring_on(dt.date(2027, 3, 20))
    assert reminders_send(as_of=dt.date(2027, 3, 18))[KIND] == 1
    assert reminders_send(as_of=dt.date(2027, 3, 19))[KIND] == 0
    assert Notification.objects.filter(kind=KIND).count() == 1


def test_revoked_never_expiring_and_inactive_owners_tokens_are_not_reminded() -> None:
    api_token_revoke(token=token_expiring_on(dt.date(2027, 3, 20)))
    api_token_issue(user=UserFactory(), name="forever", scopes=["read"], expires_in_days=None)
    gone = UserFactory()
    token_expiring_on(dt.date(2027, 3, 20), user=gone)
    gone.is_active = False
    gone.save()
    assert reminders_send(as_of=dt.date(2027, 3, 17))[KIND] == 0


@override_settings(API_TOKEN_EXPIRY_REMINDER_DAYS=[30])
def test_the_thresholds_are_a_setting() -> None:
    token_expiring_on(dt.date(2027, 3, 20))
    assert reminders_send(as_of=dt.date(2027, 2, 17))[KIND] == 0
    assert reminders_send(as_of=dt.date(2027, 2, 18))[KIND] == 1
    assert reminders_send(as_of=dt.date(2027, 3, 17))[KIND] == 0
