"""The tasks and the schedule: stable names, beat in the organisation's time zone, the enqueue helper
that never fails its caller, and one e-mail through a real worker on the real broker."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from kombu.exceptions import OperationalError

from apps.core.tasks import enqueue
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification_email, send_reminders
from config.celery import app
from tests.celery_worker import running_worker, wait_until
from tests.factories import ServiceReviewFactory, UserFactory


def test_task_names_are_stable() -> None:
    assert send_notification_email.name == "notifications.send_email"
    assert send_reminders.name == "notifications.send_reminders"
    assert send_notification_email.acks_late and send_reminders.acks_late
    assert send_reminders.max_retries and send_reminders.retry_backoff


def test_beat_sends_reminders_daily_at_the_reminder_hour_local_time() -> None:
    schedule = app.conf.beat_schedule
    reminders = schedule["notifications-send-reminders-daily"]
    assert reminders["task"] == "notifications.send_reminders"
    assert reminders["schedule"] == crontab(hour=settings.REMINDER_HOUR, minute=0)
    assert schedule["contracts-evaluate-slas-hourly"] == {
        "task": "contracts.evaluate_slas",
        "schedule": crontab(minute=5),
    }
    assert app.conf.timezone == settings.TIME_ZONE  # crontab hours are the organisation's, not UTC


@pytest.mark.django_db
def test_the_reminders_task_takes_an_optional_iso_date() -> None:
    ServiceReviewFactory(scheduled_for=date(2026, 11, 25))
    assert send_reminders.run("2026-11-23")["review_due"] == 1
    assert send_reminders.run("2026-11-23")["review_due"] == 0


@pytest.mark.django_db
def test_a_broker_that_is_down_never_fails_the_caller(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(send_notification_email, "apply_async", side_effect=down) as publish,
        caplog.at_level(logging.WARNING, logger="apps.core.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = notify(
            recipients=[UserFactory()], kind="breach_opened", title="Breach", body="", dedupe_key="breach:1"
        )
    assert publish.called
    assert Notification.objects.filter(pk=created[0].pk, emailed_at__isnull=True).exists()  # kept, unsent
    [record] = [r for r in caplog.records if r.name == "apps.core.tasks"]
    assert record.levelno == logging.WARNING
    assert "Could not enqueue notifications.send_email" in record.getMessage()
    assert mail.outbox == []


@pytest.mark.django_db
def test_enqueue_publishes_after_commit_with_the_arguments(django_capture_on_commit_callbacks: Any) -> None:
    with mock.patch.object(send_reminders, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            enqueue(send_reminders, "2026-11-23")
        assert not publish.called
        callbacks[0]()
    publish.assert_called_once_with(args=("2026-11-23",), kwargs={})


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email() -> None:
    alice = UserFactory(email="alice@example.com")
    with running_worker():
        [notification] = notify(
            recipients=[alice], kind="review_due", title="Service review in 2 days", body="", dedupe_key="review:1"
        )
        assert wait_until(lambda: Notification.objects.get(pk=notification.pk).emailed_at is not None)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
