"""Sending: signed per Standard Webhooks (the receiver verifies), every attempt logged, retries on the
schedule and by the sweep, failure after the last, auto-disable with a notice, replay, rotation, the
chat kinds, and what the receiver cannot do to us (redirects, silence)."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError
from standardwebhooks import Webhook, WebhookVerificationError

from apps.notifications.choices import NotificationKind, WebhookDeliveryStatus, WebhookEventType
from apps.notifications.models import Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.delivery import (
    NOT_DUE,
    webhook_deliveries_send_due,
    webhook_delivery_attempt,
)
from apps.notifications.webhooks.events import webhook_event_publish
from apps.notifications.webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_enable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_send_test,
)
from apps.notifications.webhooks.tasks import deliver_webhook
from tests.notifications.webhooks.conftest import EndpointMaker, Enqueued, Receiver

pytestmark = pytest.mark.django_db


def publish(key: str = "breach.opened:1", **data: Any) -> int:
    return webhook_event_publish(
        event_type=WebhookEventType.BREACH_OPENED,
        data={
            "title": "SLA breached",
            "summary": "It missed.",
            "url": "/contracts/1/",
            "subject": {"type": "breach", "id": 1},
            **data,
        },
        dedupe_key=key,
    )


def make_due(delivery: WebhookDelivery) -> None:
    """Time passes: the delivery's next attempt is due now (no sleeping)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_delivery_is_signed_and_the_receiver_verifies_it(
    make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        assert publish() == 1
    delivery = WebhookDelivery.objects.get()
    assert receiver.verified() == [True]
    [request] = receiver.received.requests
    assert request["headers"]["webhook-id"] == delivery.message_id and delivery.message_id.startswith("msg_")
    assert request["headers"]["content-type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["type"] == "breach.opened" and payload["data"]["version"] == 1
    assert payload["data"]["url"] == "http://localhost:8000/contracts/1/"  # SITE_URL + path
    assert payload == delivery.payload
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.next_attempt_at) == (
        "delivered",
        1,
        200,
        None,
    )
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.manual, attempt.response_excerpt) == (200, False, "ok")
    assert endpoint.last_delivery_at is not None and endpoint.consecutive_failures == 0


def test_a_500_is_retried_on_the_schedule_then_delivered_and_both_attempts_are_logged(
    make_endpoint: EndpointMaker, receiver: Receiver, sent: Enqueued, django_capture_on_commit_callbacks: Any
) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    receiver.answers = [500]
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code == 500
    # The first wait of WEBHOOK_RETRY_SCHEDULE (5 s) is enqueued with its countdown, and not made early.
    assert [options.get("countdown") for _, _, options in sent.calls] == [None, 5]
    assert delivery.next_attempt_at is not None
    assert before + timedelta(seconds=5) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=5)
    assert len(receiver.received.requests) == 1

    make_due(delivery)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert list(delivery.attempt_log.order_by("attempted_at").values_list("status_code", flat=True)) == [500, 200]
    first, second = receiver.received.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]  # the same bytes, signed afresh
    assert receiver.verified() == [True, True]


@override_settings(WEBHOOK_RETRY_SCHEDULE=[60, 60], WEBHOOK_DISABLE_AFTER_FAILURES=2)
def test_failed_deliveries_in_a_row_disable_the_endpoint_and_tell_its_owner(
    make_endpoint: EndpointMaker, receiver: Receiver, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    receiver.answers = [503] * 6
    with django_capture_on_commit_callbacks(execute=True):
        publish("breach.opened:1")
        publish("breach.opened:2")
    first, second = WebhookDelivery.objects.order_by("pk")
    for _ in range(2):  # the two retries of each
        for delivery in (first, second):
            make_due(delivery)
            with django_capture_on_commit_callbacks(execute=True):
                webhook_delivery_attempt(delivery_id=delivery.pk)
        first.refresh_from_db()
        assert first.status in ("retrying", "failed")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, second.status, second.attempts) == ("failed", 3, "failed", 3)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "2 deliveries in a row failed" in endpoint.disabled_reason and "HTTP 503" in endpoint.disabled_reason
    [notice] = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert notice.recipient == admin and endpoint.name in notice.title
    assert notice.url == f"/notifications/webhooks/{endpoint.pk}/"

    # Disabled: a new event is not even queued, and a waiting one is skipped, not sent.
    assert publish("breach.opened:3") == 0
    requests_so_far = len(receiver.received.requests)
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id="msg_waiting",
        event_type="breach.opened",
        payload={},
        next_attempt_at=timezone.now(),
    )
    assert webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(message_id="msg_waiting").pk) == "skipped"
    assert len(receiver.received.requests) == requests_so_far

    # Enabled again: the count starts from zero, and the next event goes out.
    webhook_endpoint_enable(endpoint=endpoint, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish("breach.opened:4") == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_a_delivered_one_resets_the_count_of_failures(
    make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=3)
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_replay_sends_the_same_message_again_as_a_manual_attempt(
    make_endpoint: EndpointMaker, receiver: Receiver, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_replay(delivery=delivery, actor=admin)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert list(delivery.attempt_log.order_by("attempted_at").values_list("manual", flat=True)) == [False, True]
    original, replayed = receiver.received.requests
    assert original["headers"]["webhook-id"] == replayed["headers"]["webhook-id"] == delivery.message_id
    assert original["body"] == replayed["body"] and receiver.verified() == [True, True]


def test_a_failed_replay_leaves_the_delivery_failed_without_automatic_retries(
    make_endpoint: EndpointMaker, receiver: Receiver, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_replay(delivery=WebhookDelivery.objects.get(), actor=admin)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at, delivery.attempts) == ("failed", None, 2)


def test_after_rotation_the_next_attempt_is_signed_with_the_new_secret(
    make_endpoint: EndpointMaker, receiver: Receiver, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, old_secret = make_endpoint(receiver.url())
    new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=admin)
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    receiver.secret = new_secret
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    [request] = receiver.received.requests
    assert request["verified"]
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(request["body"], request["headers"])


def test_a_broker_that_is_down_loses_nothing_the_sweep_sends_it(
    make_endpoint: EndpointMaker,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    with monkeypatch.context() as broker:
        broker.setattr(deliver_webhook, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
        with django_capture_on_commit_callbacks(execute=True):
            assert publish() == 1
    assert receiver.received.requests == [] and WebhookDelivery.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_send_due() == 1
    assert WebhookDelivery.objects.get().status == "delivered" and receiver.verified() == [True]


def test_a_claimed_delivery_is_not_sent_twice(make_endpoint: EndpointMaker, receiver: Receiver) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    publish()  # not committed: nothing enqueued
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == NOT_DUE
    assert webhook_delivery_attempt(delivery_id=delivery.pk + 1000) == NOT_DUE  # missing: a quiet no-op
    assert len(receiver.received.requests) == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _, receiver.secret = make_endpoint(receiver.url())
    receiver.answers = [302]
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("retrying", 302)
    assert len(receiver.received.requests) == 1


def test_no_answer_is_logged_with_the_reason(
    make_endpoint: EndpointMaker, django_capture_on_commit_callbacks: Any
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_endpoint(f"http://127.0.0.1:{port}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None and attempt.error.startswith("ConnectError")
    assert WebhookDelivery.objects.get().status == "retrying"


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_chat_endpoints_get_the_message_rendered_from_the_event(
    kind: str, make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.notifications.webhooks.chat import render_slack, render_teams

    _, receiver.secret = make_endpoint(receiver.url(), kind=kind)
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    [body] = receiver.received.payloads
    render = render_slack if kind == "slack" else render_teams
    assert body == json.loads(json.dumps(render(WebhookDelivery.objects.get().payload)))
    assert receiver.verified() == [True]  # the signature headers come along, harmless


def test_the_test_event_goes_to_that_endpoint_only(
    make_endpoint: EndpointMaker, receiver: Receiver, admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    make_endpoint("http://127.0.0.1:9/other")  # another endpoint, same events: gets nothing
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_endpoint_send_test(endpoint=endpoint, actor=admin)
    assert delivery.endpoint == endpoint and delivery.event_type == WebhookEventType.WEBHOOK_TEST
    assert WebhookDelivery.objects.count() == 1
    [payload] = receiver.received.payloads
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint"] == {
        "id": endpoint.pk,
        "name": endpoint.name,
    }
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.DELIVERED


def test_the_status_page_summary(make_endpoint: EndpointMaker, admin: Any) -> None:
    from apps.notifications.webhooks.delivery import webhook_deliveries_summary
    from apps.notifications.webhooks.services import webhook_endpoint_disable

    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    for n, status in enumerate(["retrying", "retrying", "failed", "delivered"]):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            message_id=f"msg_{n}",
            event_type="breach.opened",
            payload={},
            status=status,
            last_attempt_at=timezone.now(),
        )
    webhook_endpoint_disable(endpoint=endpoint, actor=admin)
    summary = webhook_deliveries_summary()
    assert summary.counts == {"retrying": 0}  # disabling skipped the waiting ones
    assert summary.attention == {"failed in the last 7 days": 1, "endpoints disabled": 1}
