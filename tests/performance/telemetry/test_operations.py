"""Keeping telemetry running (``apps.performance.telemetry.operations`` and ``reminders``): old payloads
cleared while events stay, deliveries the broker never took processed by the sweeper (and given up on
after their sends), waiting metrics computed, a silent binding reminded once per silence, and the
summary on the admins' status page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from apps.accounts.choices import Role
from apps.notifications.models import Notification
from apps.notifications.reminders import reminders_send
from apps.performance.models import Change, Delivery, TelemetryRecompute
from apps.performance.telemetry import tasks
from apps.performance.telemetry.operations import (
    PENDING_MAX_SENDS,
    payloads_purge,
    pending_sweep,
    telemetry_summary,
)
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.services import delivery_receive
from config.celery import app
from tests import factories
from tests.performance.telemetry.test_reprocess import push

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SHA1, SHA2 = "1" * 40, "2" * 40


def stored(
    binding: Any, delivery_id: str, *, received: dt.datetime, status: str = "received", sha: str = SHA1
) -> Delivery:
    payload = push(binding.scope, sha, "0" * 40, "dev@vendor.example", "dev")
    pk, _ = delivery_receive(
        binding=binding, delivery_id=delivery_id, event_type="push", raw_payload=json.dumps(payload)
    )
    if status != "received":
        delivery_process(delivery_id=pk)
    Delivery.objects.filter(pk=pk).update(received_at=received)
    return Delivery.objects.get(pk=pk)


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="github", scope="vendor-org/api")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """What was published to the broker, by task name (nothing is)."""
    published: list[tuple[str, tuple[Any, ...]]] = []
    for task in (tasks.process_delivery, tasks.measure_pending):
        monkeypatch.setattr(
            task, "apply_async", lambda args, kwargs, name=task.name: published.append((name, tuple(args)))
        )
    return published


# -- retention ----------------------------------------------------------------------------------------------
def test_payloads_past_retention_are_cleared_in_batches_and_the_events_stay(binding: Any, settings: Any) -> None:
    settings.TELEMETRY_RETENTION_DAYS = 90
    old = [stored(binding, f"old-{n}", received=NOW - dt.timedelta(days=91), status="processed") for n in range(3)]
    waiting = stored(binding, "waiting", received=NOW - dt.timedelta(days=120), sha=SHA2)
    recent = stored(binding, "recent", received=NOW - dt.timedelta(days=89), status="processed", sha=SHA2)
    assert Change.objects.count() == 2
    assert payloads_purge(now=NOW, batch_size=2) == 3
    cleared = set(Delivery.objects.filter(payload__isnull=True).values_list("pk", flat=True))  # SQL NULL
    assert cleared == {delivery.pk for delivery in old}
    assert Delivery.objects.get(pk=waiting.pk).payload is not None  # still to be processed: kept
    assert Delivery.objects.get(pk=recent.pk).payload is not None
    assert Change.objects.count() == 2 and Delivery.objects.count() == 5
    assert payloads_purge(now=NOW) == 0  # nothing cleared twice


def test_the_retention_task_is_daily_and_clears_what_is_due(binding: Any, settings: Any) -> None:
    settings.TELEMETRY_RETENTION_DAYS = 1
    stored(binding, "old", received=timezone.now() - dt.timedelta(days=2), status="processed")
    assert tasks.purge_payloads.name == "telemetry.purge_payloads"
    assert tasks.purge_payloads.run() == 1
    entry = app.conf.beat_schedule["telemetry-purge-payloads-daily"]
    assert entry["task"] == "telemetry.purge_payloads"


# -- the pending sweeper ------------------------------------------------------------------------------------
def test_a_delivery_the_broker_did_not_take_is_processed_by_the_sweeper(
    binding: Any, sent: list[Any], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broker_down(args: Any, kwargs: Any) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_delivery, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        pk, created = delivery_receive(
            binding=binding,
            delivery_id="lost",
            event_type="push",
            raw_payload=json.dumps(push(binding.scope, SHA1, "0" * 40, "a@b.example", "a")),
        )
    assert created and Delivery.objects.get(pk=pk).status == "received"
    received = Delivery.objects.get(pk=pk).received_at
    # Too young: a worker may still be on it.
    assert pending_sweep(now=received + dt.timedelta(minutes=4)) == {"resent": 0, "failed": 0, "measure": 0}
    # The broker is back: the sweeper sends it, a worker processes it.
    monkeypatch.setattr(tasks.process_delivery, "apply_async", lambda args, kwargs: tasks.process_delivery.run(*args))
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_sweep(now=received + dt.timedelta(minutes=6))["resent"] == 1
    delivery = Delivery.objects.get(pk=pk)
    assert delivery.status == "processed" and Change.objects.filter(binding=binding).count() == 1
    assert pending_sweep(now=received + dt.timedelta(minutes=12))["resent"] == 0  # processed: not sent again


def test_the_sweeper_is_bounded_oldest_first_and_gives_up_after_its_sends(
    binding: Any, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    deliveries = [stored(binding, f"d-{n}", received=NOW - dt.timedelta(minutes=30 - n)) for n in range(3)]
    Delivery.objects.filter(pk=deliveries[1].pk).update(attempts=PENDING_MAX_SENDS - 1)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = pending_sweep(now=NOW, limit=2)
    assert outcome == {"resent": 1, "failed": 1, "measure": 0}
    assert sent == [("telemetry.process_delivery", (deliveries[0].pk,))]
    given_up = Delivery.objects.get(pk=deliveries[1].pk)
    assert given_up.status == "failed" and "telemetry_reprocess --status failed" in given_up.error
    assert Delivery.objects.get(pk=deliveries[0].pk).attempts == 1  # counts the sends
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_sweep(now=NOW, limit=2)["resent"] == 2  # the next run takes the next ones


def test_the_sweeper_computes_metrics_that_waited(
    binding: Any, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    TelemetryRecompute.objects.create(
        contract=binding.contract, since=dt.date(2026, 10, 5), requested_at=NOW - dt.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_sweep(now=NOW)["measure"] == 0
    TelemetryRecompute.objects.update(requested_at=NOW - dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_sweep(now=NOW)["measure"] == 1
    assert sent == [("telemetry.measure", ())]


def test_the_sweeper_task_runs_every_five_minutes_and_notes_its_run(
    settings: Any, binding: Any, sent: list[Any]
) -> None:
    from apps.core.health import scheduled_runs

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    assert tasks.process_pending.name == "telemetry.process_pending"
    assert tasks.process_pending.run() == {"resent": 0, "failed": 0, "measure": 0}
    [run] = [run for run in scheduled_runs() if run.task.name == "telemetry.process_pending"]
    assert run.last_run is not None and not run.late
    assert app.conf.beat_schedule["telemetry-process-pending-every-five-minutes"]["task"] == "telemetry.process_pending"


# -- the status page ----------------------------------------------------------------------------------------
def test_the_status_page_summarises_telemetry(binding: Any, settings: Any, user_with_role: Any) -> None:
    settings.TELEMETRY_SILENT_DAYS = 7
    stored(binding, "waiting-long", received=NOW - dt.timedelta(minutes=42))
    stored(binding, "waiting", received=NOW - dt.timedelta(minutes=1), sha=SHA2)
    failed = stored(binding, "failed", received=NOW - dt.timedelta(hours=3), status="processed", sha=SHA2)
    Delivery.objects.filter(pk=failed.pk).update(status="failed", processed_at=NOW - dt.timedelta(hours=3))
    factories.SourceBindingFactory(source="jira", scope="SHOP")  # made now, never heard from: not silent yet
    binding.last_event_at = NOW - dt.timedelta(days=8)
    binding.save()
    summary = telemetry_summary(now=NOW)
    assert summary.label == "Delivery telemetry"
    assert summary.counts == {"deliveries waiting": 2, "minutes the oldest has waited": 42}
    assert summary.attention == {
        "waiting longer than the sweeper's delay": 1,
        "failed in the last day": 1,
        "silent bindings": 1,
    }
    admin = Client()
    admin.force_login(user_with_role(Role.ADMIN))
    html = admin.get("/status/").content.decode()
    assert 'data-jobs="Delivery telemetry"' in html and "telemetry.process_pending" in html


# -- silent bindings ----------------------------------------------------------------------------------------
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture
def owner() -> Any:
    return factories.UserFactory(username="eng_owner")


def silent_for(binding: Any, days: float) -> None:
    binding.last_event_at = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC) - dt.timedelta(days=days)
    binding.save()


def telemetry_reminders(on: dt.date) -> int:
    return reminders_send(as_of=on)["telemetry_silent"]


def test_a_silent_binding_is_reminded_once_per_silence(owner: Any, settings: Any) -> None:
    settings.TELEMETRY_SILENT_DAYS = 7
    vendor = factories.VendorFactory(engineering_owner=owner)
    binding = factories.SourceBindingFactory(contract=factories.ContractFactory(vendor=vendor, title="Shop platform"))
    silent_for(binding, 6)
    assert telemetry_reminders(AS_OF) == 0  # six days: not yet
    silent_for(binding, 10)
    assert telemetry_reminders(AS_OF) == 1
    assert telemetry_reminders(AS_OF) == 0
    assert telemetry_reminders(AS_OF + dt.timedelta(days=5)) == 0  # the same silence, however long
    [notification] = Notification.objects.filter(recipient=owner, kind="telemetry_silent")
    assert notification.title == f"No telemetry for 10 days from {binding}: Shop platform"
    assert "Its last event arrived on 13 Nov 2026" in notification.body
    assert notification.url == binding.get_absolute_url()
    # It speaks again on 30 November, then falls silent again: a new silence, a new reminder.
    binding.last_event_at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    binding.save()
    assert telemetry_reminders(dt.date(2026, 12, 3)) == 0
    assert telemetry_reminders(dt.date(2026, 12, 10)) == 1
    assert Notification.objects.filter(recipient=owner, kind="telemetry_silent").count() == 2


def test_which_bindings_are_silent(owner: Any, settings: Any) -> None:
    settings.TELEMETRY_SILENT_DAYS = 7
    vendor = factories.VendorFactory(engineering_owner=owner)

    def bound(**fields: Any) -> Any:
        contract = factories.ContractFactory(vendor=vendor, status=fields.pop("status", "active"))
        return factories.SourceBindingFactory(contract=contract, **fields)

    never_heard = bound(source="pagerduty", scope="PNEVER1")
    from apps.performance.models import SourceBinding

    SourceBinding.objects.filter(pk=never_heard.pk).update(created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    just_made = bound(source="pagerduty", scope="PNEW001")
    SourceBinding.objects.filter(pk=just_made.pk).update(created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    switched_off = bound(active=False)
    silent_for(switched_off, 30)
    contract_over = bound(status="expired")
    silent_for(contract_over, 30)
    assert telemetry_reminders(AS_OF) == 1
    [notification] = Notification.objects.filter(recipient=owner, kind="telemetry_silent")
    assert notification.url == never_heard.get_absolute_url()
    assert "It has received no event since it was set up on 1 Nov 2026" in notification.body
