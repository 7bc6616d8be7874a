"""PagerDuty v3 webhooks through the real receiver (``apps.performance.telemetry.sources.pagerduty``):
``X-PagerDuty-Signature`` (several ``v1`` signatures while a secret is rotated), one delivery per
``event.id``, and the incident events of ``fixtures/pagerduty`` (written from PagerDuty's "Webhooks v3
overview", see its README) turned into one incident."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.performance.models import Delivery, Incident
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.secrets import hmac_sha256_hex
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "pagerduty"
OPENED = dt.datetime(2026, 10, 6, 15, 16, 27, tzinfo=dt.UTC)
ACKNOWLEDGED = dt.datetime(2026, 10, 6, 15, 22, 45, 169000, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 10, 6, 17, 46, 27, 712000, tzinfo=dt.UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited(name: str, change: Any) -> bytes:
    document = json.loads(fixture(name))
    change(document)
    return json.dumps(document).encode()


def post(binding: Any, body: bytes, *, signature: str | None = None) -> Any:
    signed = signature if signature is not None else "v1=" + hmac_sha256_hex(binding.secret_plain, body)
    headers = {"HTTP_X_PAGERDUTY_SIGNATURE": signed} if signed else {}
    url = reverse("telemetry-pagerduty", kwargs={"binding": binding.public_id})
    return APIClient().post(url, data=body, content_type="application/json", **headers)


def receive(binding: Any, name: str | bytes) -> str | None:
    body = fixture(name) if isinstance(name, str) else name
    response = post(binding, body)
    assert response.status_code == 202, response.json()
    return delivery_process(delivery_id=response.json()["delivery"])


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="pagerduty", scope="PF9KMXH")


def test_a_signed_event_is_stored_once_by_its_event_id(binding: Any) -> None:
    body = fixture("incident_triggered.json")
    first = post(binding, body)
    assert first.status_code == 202
    stored = Delivery.objects.get()
    assert (stored.delivery_id, stored.event_type) == ("01DEN2ZB52YBTJ0AA0MMWTQ2AZ", "incident.triggered")
    again = post(binding, body)
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "delivery": stored.pk}
    assert Delivery.objects.count() == 1


def test_any_matching_signature_of_a_rotation_is_enough(binding: Any) -> None:
    body = fixture("incident_triggered.json")
    old = "v1=" + hmac_sha256_hex("the secret being retired", body)
    current = "v1=" + hmac_sha256_hex(binding.secret_plain, body)
    assert post(binding, body, signature=f"{old},{current}").status_code == 202


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "X-PagerDuty-Signature header is missing"),
        ("v1=" + "0" * 64, "No X-PagerDuty-Signature v1 signature"),
        ("v1=" + "0" * 64 + ",v1=" + "1" * 64, "No X-PagerDuty-Signature v1 signature"),
        ("v0={valid}", "No X-PagerDuty-Signature v1 signature"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(binding: Any, signature: str, reason: str) -> None:
    body = fixture("incident_triggered.json")
    signature = signature.format(valid=hmac_sha256_hex(binding.secret_plain, body))
    response = post(binding, body, signature=signature)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_an_unknown_binding_is_a_404() -> None:
    url = reverse("telemetry-pagerduty", kwargs={"binding": uuid.uuid4()})
    response = APIClient().post(url, data=fixture("incident_triggered.json"), content_type="application/json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["event"].pop("id"), "event.id: missing"),
        (lambda d: d["event"].pop("event_type"), "event.event_type: missing"),
        (lambda d: d["event"].update(occurred_at="yesterday"), "event.occurred_at: not an ISO 8601 time"),
        (lambda d: d["event"]["data"].update(status="snoozed"), "event.data.status: 'snoozed'"),
        (lambda d: d["event"]["data"].pop("service"), "event.data.service: expected a JSON object"),
        (lambda d: d.update(event=[]), "event: expected a JSON object"),
    ],
)
def test_a_malformed_event_is_a_400_with_the_reason_and_nothing_is_stored(
    binding: Any, change: Any, reason: str
) -> None:
    response = post(binding, edited("incident_triggered.json", change))
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_the_webhook_ping_is_acknowledged_and_not_stored(binding: Any) -> None:
    body = json.dumps({"event": {"id": "01PING", "event_type": "pagey.ping", "occurred_at": "2026-10-06T15:00:00Z"}})
    response = post(binding, body.encode())
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert not Delivery.objects.exists()


def test_triggered_acknowledged_resolved_make_one_incident(binding: Any) -> None:
    assert receive(binding, "incident_triggered.json") == "processed"
    incident = Incident.objects.get()
    assert (incident.source_id, incident.status, incident.opened_at) == ("PGR0VU2", "triggered", OPENED)
    assert (incident.service, incident.title, incident.severity) == ("API Service", "A little bump in the road", "P1")
    assert incident.url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert (incident.acknowledged_at, incident.resolved_at, incident.caused_by_deployment) == (None, None, "")

    receive(binding, "incident_acknowledged.json")
    receive(binding, "incident_resolved.json")
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_at, incident.resolved_at) == ("resolved", ACKNOWLEDGED, RESOLVED)
    assert Incident.objects.count() == 1


def test_events_arriving_out_of_order_end_in_the_latest_state(binding: Any) -> None:
    receive(binding, "incident_resolved.json")
    receive(binding, "incident_triggered.json")
    receive(binding, "incident_acknowledged.json")
    incident = Incident.objects.get()
    assert (incident.status, incident.opened_at) == ("resolved", OPENED)
    assert (incident.acknowledged_at, incident.resolved_at) == (ACKNOWLEDGED, RESOLVED)


def test_an_incident_of_another_service_is_ignored() -> None:
    other = factories.SourceBindingFactory(source="pagerduty", scope="PXXXXXX")
    assert receive(other, "incident_triggered.json") == "ignored"
    assert not Incident.objects.exists()
