"""One delivery through a real Celery worker on the real broker, to a receiver that verifies it."""

from __future__ import annotations

import pytest

from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookDelivery
from apps.notifications.webhooks.events import webhook_event_publish
from tests.celery_worker import running_worker, wait_until
from tests.notifications.webhooks.conftest import EndpointMaker, Receiver

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_delivers_a_signed_event(make_endpoint: EndpointMaker, receiver: Receiver) -> None:
    _, receiver.secret = make_endpoint(receiver.url(), events=[WebhookEventType.CONTRACT_STATUS_CHANGED])
    with running_worker():
        queued = webhook_event_publish(
            event_type=WebhookEventType.CONTRACT_STATUS_CHANGED,
            data={
                "title": "Contract terminated",
                "summary": "It ended.",
                "url": "/contracts/7/",
                "subject": {"type": "contract", "id": 7},
            },
            dedupe_key="contract.status_changed:7:1",
        )
        assert queued == 1
        assert wait_until(lambda: WebhookDelivery.objects.get().status == "delivered")
    assert receiver.verified() == [True]
    assert receiver.received.payloads[0]["type"] == "contract.status_changed"
