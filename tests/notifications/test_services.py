"""notify() and the read / preference services: idempotent per (recipient, key), e-mail only for what
was created and only to those who want it, and each person's notifications their own."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.notifications import selectors, services
from apps.notifications.models import EmailPreference, Notification
from tests.factories import UserFactory
from tests.notifications.factories import EmailPreferenceFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def breach(recipients: Any, key: str = "breach:1", **extra: Any) -> list[Notification]:
    return services.notify(
        recipients=recipients,
        kind=extra.pop("kind", "breach_opened"),
        title=extra.pop("title", "Defect rate breached for October"),
        body=extra.pop("body", "Defect rate 3.1 % against at most 2 %."),
        url=extra.pop("url", "/contracts/1/"),
        dedupe_key=key,
    )


def test_one_notification_per_distinct_active_recipient() -> None:
    alice, bob = UserFactory(), UserFactory()
    retired = UserFactory(is_active=False)
    created = breach([alice, bob, alice, None, retired])
    assert sorted(n.recipient_id for n in created) == sorted([alice.pk, bob.pk])
    assert Notification.objects.count() == 2
    assert {n.title for n in created} == {"Defect rate breached for October"}


def test_the_same_key_twice_is_one_notification_and_one_email(
    django_capture_on_commit_callbacks: Any, enqueued: list[int]
) -> None:
    alice = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = breach([alice])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = breach([alice])
    assert len(first) == 1 and second == []
    assert callbacks == []  # nothing new: nothing enqueued
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert enqueued == [first[0].pk]
    assert len(mail.outbox) == 1


def test_a_new_recipient_of_a_known_key_is_still_notified() -> None:
    alice, bob = UserFactory(), UserFactory()
    breach([alice])
    created = breach([alice, bob])
    assert [n.recipient_id for n in created] == [bob.pk]


def test_another_key_is_another_notification() -> None:
    alice = UserFactory()
    breach([alice], key="breach:1")
    breach([alice], key="breach:2")
    assert Notification.objects.filter(recipient=alice).count() == 2


def test_email_turned_off_for_the_kind_sends_no_email(django_capture_on_commit_callbacks: Any) -> None:
    muted, keen = UserFactory(), UserFactory()
    EmailPreferenceFactory(user=muted, kind="breach_opened", email_enabled=False)
    EmailPreferenceFactory(user=keen, kind="review_due", email_enabled=False)  # another kind: no effect
    with django_capture_on_commit_callbacks(execute=True):
        created = breach([muted, keen])
    assert len(created) == 2  # both see it under the bell
    assert [m.to for m in mail.outbox] == [[keen.email]]


def test_no_address_no_email(django_capture_on_commit_callbacks: Any, enqueued: list[int]) -> None:
    nobody = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        assert len(breach([nobody])) == 1
    assert enqueued == [] and mail.outbox == []


def test_emails_are_enqueued_only_after_commit(django_capture_on_commit_callbacks: Any, enqueued: list[int]) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        breach([UserFactory(), UserFactory()])
    assert len(callbacks) == 2
    assert enqueued == []  # not until the transaction commits


@pytest.mark.parametrize(
    ("field", "values"),
    [("kind", {"kind": "nonsense"}), ("dedupe_key", {"key": ""}), ("dedupe_key", {"key": "k" * 201})],
)
def test_refuses_an_unknown_kind_or_a_bad_key(field: str, values: dict[str, str]) -> None:
    with pytest.raises(ApplicationError) as refused:
        breach([UserFactory()], **values)
    assert refused.value.field == field
    assert Notification.objects.count() == 0


def test_a_long_title_is_shortened_to_fit() -> None:
    created = breach([UserFactory()], title="Breach " * 60)
    assert len(created[0].title) == 200 and created[0].title.endswith("…")


def test_nobody_to_notify_is_no_error() -> None:
    assert breach([None, UserFactory(is_active=False)]) == []


# -- reading -------------------------------------------------------------------------------------------
def test_mark_read_keeps_the_first_read_time() -> None:
    notification = NotificationFactory()
    first = services.notification_mark_read(notification=notification, user=notification.recipient).read_at
    again = services.notification_mark_read(
        notification=Notification.objects.get(pk=notification.pk), user=notification.recipient
    )
    assert first is not None and again.read_at == first


def test_mark_read_of_someone_elses_is_refused() -> None:
    notification = NotificationFactory()
    with pytest.raises(PermissionDeniedError):
        services.notification_mark_read(notification=notification, user=UserFactory())
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_ones_own_unread() -> None:
    alice, bob = UserFactory(), UserFactory()
    NotificationFactory.create_batch(3, recipient=alice)
    NotificationFactory(recipient=bob)
    assert selectors.unread_count(user=alice) == 3
    assert services.notifications_mark_all_read(user=alice) == 3
    assert selectors.unread_count(user=alice) == 0
    assert selectors.unread_count(user=bob) == 1
    assert services.notifications_mark_all_read(user=alice) == 0


def test_the_list_is_ones_own_newest_first() -> None:
    alice = UserFactory()
    older = NotificationFactory(recipient=alice)
    newer = NotificationFactory(recipient=alice)
    NotificationFactory()
    assert list(selectors.notification_list(user=alice)) == [newer, older]


def test_someone_not_signed_in_has_no_notifications() -> None:
    from django.contrib.auth.models import AnonymousUser

    NotificationFactory()
    assert selectors.unread_count(user=AnonymousUser()) == 0


# -- e-mail preferences ------------------------------------------------------------------------------
def test_preferences_default_on_and_are_upserted() -> None:
    alice = UserFactory()
    assert all(selectors.email_preferences(user=alice).values())
    services.email_preference_set(user=alice, kind="review_due", enabled=False)
    services.email_preference_set(user=alice, kind="review_due", enabled=False)
    assert EmailPreference.objects.filter(user=alice).count() == 1
    assert selectors.email_preferences(user=alice)["review_due"] is False
    services.email_preference_set(user=alice, kind="review_due", enabled=True)
    assert selectors.email_preferences(user=alice)["review_due"] is True


def test_a_preference_change_is_audited_as_the_person() -> None:
    alice = UserFactory()
    preference = services.email_preference_set(user=alice, kind="kpi_missing", enabled=False)
    event = preference.events.get()
    assert event.pgh_context.metadata == {"user": alice.pk, "action": "email_preference_set"}


def test_an_unknown_kind_of_preference_is_refused() -> None:
    with pytest.raises(ApplicationError):
        services.email_preference_set(user=UserFactory(), kind="nonsense", enabled=False)
