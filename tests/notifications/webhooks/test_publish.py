"""The publish API: one query when no endpoint wants the events, one delivery per (event, subscribed active
endpoint), a re-published event queued once, the sending enqueued after the commit."""

from __future__ import annotations

from typing import Any

import pytest

from apps.core.errors import ApplicationError
from apps.notifications.choices import WebhookEventType as T
from apps.notifications.models import WebhookDelivery
from apps.notifications.webhooks.events import (
    WebhookEvent,
    event_payload,
    message_id,
    webhook_events_publish,
    webhook_types_wanted,
)
from apps.notifications.webhooks.services import webhook_endpoint_disable
from tests.notifications.webhooks.conftest import EndpointMaker, Enqueued

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/in"


def event(key: str, event_type: str = T.BREACH_OPENED) -> WebhookEvent:
    return WebhookEvent(
        event_type=event_type,
        data={"title": "t", "summary": "s", "url": "/x/", "subject": {"type": "breach", "id": 1}},
        dedupe_key=key,
    )


def test_with_no_endpoint_publishing_costs_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert webhook_events_publish([event(f"k{n}") for n in range(500)]) == 0
    assert not WebhookDelivery.objects.exists()


def test_each_subscribed_active_endpoint_gets_each_event_once(
    make_endpoint: EndpointMaker, admin: Any, sent: Enqueued, django_capture_on_commit_callbacks: Any
) -> None:
    breaches, _ = make_endpoint(URL, events=[T.BREACH_OPENED, T.BREACH_RESOLVED])
    contracts, _ = make_endpoint(URL, events=[T.CONTRACT_STATUS_CHANGED])
    off, _ = make_endpoint(URL, events=[T.BREACH_OPENED])
    webhook_endpoint_disable(endpoint=off, actor=admin)
    assert webhook_types_wanted([T.BREACH_OPENED, T.SLA_AT_RISK]) == {T.BREACH_OPENED}

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert webhook_events_publish([event("a"), event("b"), event("c", T.CONTRACT_STATUS_CHANGED)]) == 3
        # Published again (a second sweep, a race): nothing new.
        assert webhook_events_publish([event("a"), event("c", T.CONTRACT_STATUS_CHANGED)]) == 0
    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", "event_type")) == sorted(
        [(breaches.pk, "breach.opened"), (breaches.pk, "breach.opened"), (contracts.pk, "contract.status_changed")]
    )
    assert sent.calls == []  # nothing is sent before the commit
    assert len(callbacks) == 3  # one enqueue per new delivery
    a = WebhookDelivery.objects.get(message_id=message_id(T.BREACH_OPENED, "a"))
    assert a.status == "pending" and a.next_attempt_at is not None


def test_the_message_id_is_stable_per_event() -> None:
    assert message_id("breach.opened", "k") == message_id("breach.opened", "k")
    assert message_id("breach.opened", "k") != message_id("breach.opened", "l")
    assert message_id("breach.opened", "k") != message_id("breach.resolved", "k")
    assert len(message_id("breach.opened", "k")) == len("msg_") + 32


def test_the_payload_is_the_standard_webhooks_envelope_with_the_common_fields() -> None:
    payload = event_payload(event("k"))
    assert set(payload) == {"type", "timestamp", "data"} and payload["timestamp"].endswith("Z")
    assert payload["data"]["version"] == 1
    assert (payload["data"]["vendor"], payload["data"]["contract"]) == (None, None)


def test_an_unknown_type_or_an_empty_key_is_refused() -> None:
    with pytest.raises(ApplicationError, match="Unknown webhook event type"):
        webhook_events_publish([event("k", "breach.exploded")])
    with pytest.raises(ApplicationError, match="dedupe key"):
        webhook_events_publish([event("")])
