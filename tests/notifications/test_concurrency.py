"""Two runs at once (two beats by mistake, a manual run during the scheduled one) send each reminder
once, and two callers of notify() with the same key notify each person once. Real threads, each with
its own database connection, on committed data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from apps.notifications.models import Notification, SentReminder
from apps.notifications.reminders import reminders_send
from apps.notifications.services import notify
from tests.factories import (
    AccessGrantFactory,
    CertificationFactory,
    ContractFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

AS_OF = date(2026, 11, 23)
RACERS = 2


def race(work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``RACERS`` threads released at the same moment; their results (or errors)."""
    barrier = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def racer(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(result, Exception) for result in results), results
    return results


def test_two_concurrent_runs_send_each_reminder_once() -> None:
    vendor = VendorFactory()
    ServiceReviewFactory(vendor=vendor, scheduled_for=AS_OF + timedelta(days=1))
    ContractFactory(vendor=vendor, end_date=AS_OF + timedelta(days=20), notice_days=0)
    CertificationFactory(vendor=vendor, expires_on=AS_OF - timedelta(days=2))
    AccessGrantFactory(vendor=vendor, expires_on=AS_OF - timedelta(days=1))

    results = race(lambda: reminders_send(as_of=AS_OF))

    totals = {kind: sum(result[kind] for result in results) for kind in results[0]}
    assert totals["review_due"] == totals["contract_cancel_by"] == 1
    assert totals["certification_expired"] == totals["access_finding"] == 1
    # Each owner heard of each item once: no (recipient, key) twice, and one notification per person.
    keys = list(Notification.objects.values_list("recipient_id", "dedupe_key"))
    assert len(keys) == len(set(keys))
    assert Notification.objects.filter(recipient=vendor.engineering_owner, kind="review_due").count() == 1
    assert Notification.objects.filter(recipient=vendor.security_contact, kind="access_finding").count() == 1
    assert SentReminder.objects.filter(kind="contract_cancel_by").count() == 3  # 90, 60 and 30


def test_two_concurrent_notify_calls_with_one_key_notify_each_person_once() -> None:
    people = [UserFactory() for _ in range(3)]

    results = race(
        lambda: notify(
            recipients=people, kind="breach_opened", title="Breach", body="", url="", dedupe_key="breach:42:2026-10"
        )
    )

    assert sum(len(created) for created in results) == 3  # the callers split them, never both
    assert Notification.objects.count() == 3
