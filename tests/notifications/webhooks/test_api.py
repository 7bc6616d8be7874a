"""/api/v1/webhook-endpoints/ and /api/v1/webhook-deliveries/: administrators only (reads too), the secret
shown once, the SSRF guard as a 400, the buttons (rotate, disable, enable, test, replay), and the OpenAPI
document's webhooks section with one schema per event type."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.delivery import endpoint_secret
from apps.notifications.webhooks.schemas import PAYLOAD_SCHEMAS
from tests.conftest import ROLES
from tests.notifications.webhooks.conftest import EndpointMaker, Receiver

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def client(admin: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin)
    return client


def test_create_answers_the_secret_once_and_stores_it_sealed(client: APIClient, admin: Any) -> None:
    response = client.post(
        ENDPOINTS,
        {"name": "SIEM", "url": "https://siem.example.com/in", "event_types": ["breach.opened", "access.finding"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and response["Cache-Control"] == "no-store"
    assert (body["kind"], body["owner"], body["is_active"]) == ("standard", admin.pk, True)
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert body["secret"] not in endpoint.secret_sealed and endpoint_secret(endpoint) == body["secret"]
    shown = client.get(f"{ENDPOINTS}{endpoint.pk}/").json()
    assert "secret" not in shown and "secret_sealed" not in shown


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"event_types": []}, "event_types"),
        ({"event_types": ["breach.exploded"]}, "event_types"),
        ({"event_types": ["webhook.test"]}, "event_types"),  # sent on request, never subscribed to
        ({"url": "ftp://files.example.com/"}, "url"),
    ],
)
def test_invalid_input_is_a_400_on_its_field(client: APIClient, data: dict[str, Any], field: str) -> None:
    body = {"name": "x", "url": "https://ok.example.com/", "event_types": ["breach.opened"], **data}
    response = client.post(ENDPOINTS, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not WebhookEndpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # https only
        "https://127.0.0.1/in",
        "https://localhost/in",
        "https://10.1.2.3/in",
        "https://192.168.0.10/in",
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]/in",
        "https://[::ffff:10.0.0.1]/in",
        "https://user:pass@93.184.216.34/in",
    ],
)
def test_the_ssrf_guard_refuses_private_addresses_and_plain_http(client: APIClient, url: str) -> None:
    response = client.post(ENDPOINTS, {"name": "x", "url": url, "event_types": ["breach.opened"]}, format="json")
    assert response.status_code == 400 and "url" in response.json(), response.json()


@override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
def test_a_public_address_is_accepted(client: APIClient) -> None:
    response = client.post(
        ENDPOINTS, {"name": "x", "url": "https://93.184.216.34/in", "event_types": ["breach.opened"]}, format="json"
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("role", [role for role in ROLES if role != Role.ADMIN])
def test_other_roles_may_not_even_read(role: str, api_client_for: Any, make_endpoint: EndpointMaker) -> None:
    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    client = api_client_for(role)
    for response in (
        client.get(ENDPOINTS),
        client.get(f"{ENDPOINTS}{endpoint.pk}/"),
        client.get(DELIVERIES),
        client.post(ENDPOINTS, {"name": "x", "url": "https://a.example.com/", "event_types": ["breach.opened"]}),
        client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/"),
        client.post(f"{ENDPOINTS}{endpoint.pk}/test/"),
    ):
        assert response.status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_edit_rotate_disable_enable(client: APIClient, make_endpoint: EndpointMaker) -> None:
    endpoint, secret = make_endpoint("https://hooks.example.com/in")
    changed = client.patch(f"{ENDPOINTS}{endpoint.pk}/", {"event_types": ["sla.at_risk"]}, format="json")
    assert changed.status_code == 200 and changed.json()["event_types"] == ["sla.at_risk"]
    rotated = client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    disabled = client.post(f"{ENDPOINTS}{endpoint.pk}/disable/", {"reason": "Receiver being moved."}, format="json")
    assert disabled.json()["is_active"] is False and disabled.json()["disabled_reason"] == "Receiver being moved."
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/test/").status_code == 409
    enabled = client.post(f"{ENDPOINTS}{endpoint.pk}/enable/")
    assert enabled.json()["is_active"] is True and enabled.json()["disabled_reason"] == ""


def test_test_then_the_log_then_replay(
    client: APIClient, make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"{ENDPOINTS}{endpoint.pk}/test/")
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"
    log = client.get(DELIVERIES, {"endpoint": endpoint.pk}).json()
    [row] = log["results"]
    assert (row["status"], row["attempts"], [a["status_code"] for a in row["attempt_log"]]) == ("delivered", 1, [200])
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"{DELIVERIES}{row['id']}/replay/")
    assert replayed.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2 and receiver.verified() == [True, True]
    assert client.get(f"{DELIVERIES}{delivery.pk}/").json()["attempt_log"][0]["manual"] is True


def test_delete_removes_the_log(client: APIClient, make_endpoint: EndpointMaker) -> None:
    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_1", event_type="breach.opened", payload={})
    assert client.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_the_viewsets_declare_the_admin_scope_area() -> None:
    from apps.notifications.webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet

    assert WebhookEndpointViewSet.scope_area == WebhookDeliveryViewSet.scope_area == "admin"


def test_the_openapi_document_describes_every_event_type(client: APIClient) -> None:
    document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    webhooks = document["webhooks"]
    assert set(webhooks) == set(WebhookEventType.values)
    for event_type, item in webhooks.items():
        schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == PAYLOAD_SCHEMAS[event_type]
        assert schema["properties"]["type"]["const"] == event_type
        assert "webhook-signature" in item["post"]["description"]
    assert "/api/v1/webhook-endpoints/{id}/rotate-secret/" in document["paths"]
    assert "/api/v1/webhook-deliveries/{id}/replay/" in document["paths"]


@pytest.mark.parametrize(
    ("scopes", "reads", "writes"), [(["read"], 200, 403), (["admin"], 200, 201), (["vendors:write"], 403, 403)]
)
def test_a_token_needs_the_admin_scope_to_write(admin: Any, scopes: list[str], reads: int, writes: int) -> None:
    from apps.accounts.services import api_token_issue

    key = api_token_issue(user=admin, name="automation", scopes=scopes, expires_in_days=None).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(ENDPOINTS).status_code == reads
    body = {"name": "x", "url": "https://a.example.com/", "event_types": ["breach.opened"]}
    assert client.post(ENDPOINTS, body, format="json").status_code == writes
