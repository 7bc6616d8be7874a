"""The webhook pages: administrators only (403 page for everyone else), the secret shown once in the answer
to the POST (never cached), the endpoint with its delivery log, a delivery with its attempts, and the
buttons (test, disable, enable, rotate, replay, delete)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.delivery import endpoint_secret
from tests.conftest import ROLES
from tests.notifications.webhooks.conftest import EndpointMaker, Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin: Any) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_create_shows_the_secret_once(browser: Client) -> None:
    response = browser.post(
        reverse("notifications:webhook-create"),
        {
            "name": "Ops channel",
            "kind": "slack",
            "url": "https://hooks.example.com/T1",
            "event_types": ["breach.opened"],
        },
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get()
    secret = endpoint_secret(endpoint)
    assert secret in response.content.decode()
    assert secret not in browser.get(reverse("notifications:webhook-detail", args=[endpoint.pk])).content.decode()


def test_a_refused_address_is_an_error_on_the_form(browser: Client, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = browser.post(
        reverse("notifications:webhook-create"),
        {"name": "x", "kind": "standard", "url": "https://127.0.0.1/in", "event_types": ["breach.opened"]},
    )
    assert response.status_code == 400 and "private, loopback or link-local" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_list_the_endpoint_and_its_log(
    browser: Client, make_endpoint: EndpointMaker, django_assert_max_num_queries: Any
) -> None:
    endpoint, _ = make_endpoint("https://hooks.example.com/in", name="SIEM")
    for n in range(30):
        WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=f"msg_{n}", event_type="breach.opened", payload={}, status="delivered"
        )
    assert "SIEM" in browser.get(reverse("notifications:webhook-list")).content.decode()
    with django_assert_max_num_queries(12):
        page = browser.get(reverse("notifications:webhook-detail", args=[endpoint.pk]))
    assert page.status_code == 200 and page.content.decode().count("breach.opened") >= 25


def test_the_buttons(
    browser: Client, make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, receiver.secret = make_endpoint(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        tested = browser.post(reverse("notifications:webhook-test", args=[endpoint.pk]))
    delivery = WebhookDelivery.objects.get()
    assert tested.status_code == 302 and tested["Location"] == reverse(
        "notifications:webhook-delivery", args=[delivery.pk]
    )
    shown = browser.get(tested["Location"]).content.decode()
    assert delivery.message_id in shown and "webhook.test" in shown and "200" in shown

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("notifications:webhook-delivery-replay", args=[delivery.pk]))
    assert list(WebhookAttempt.objects.order_by("attempted_at").values_list("manual", flat=True)) == [False, True]

    browser.post(reverse("notifications:webhook-disable", args=[endpoint.pk]), {"reason": "Moving the receiver."})
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Moving the receiver."
    browser.post(reverse("notifications:webhook-enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active

    old = endpoint_secret(endpoint)
    rotated = browser.post(reverse("notifications:webhook-rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint_secret(endpoint) != old and endpoint_secret(endpoint) in rotated.content.decode()

    browser.post(reverse("notifications:webhook-delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", [role for role in ROLES if role != Role.ADMIN])
def test_other_roles_get_the_403_page(role: str, user_with_role: Any, make_endpoint: EndpointMaker) -> None:
    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="m", event_type="breach.opened", payload={})
    client = Client()
    client.force_login(user_with_role(role))
    for name, args in (
        ("webhook-list", []),
        ("webhook-create", []),
        ("webhook-detail", [endpoint.pk]),
        ("webhook-update", [endpoint.pk]),
        ("webhook-rotate", [endpoint.pk]),
        ("webhook-delivery", [delivery.pk]),
    ):
        assert client.get(reverse(f"notifications:{name}", args=args)).status_code == 403, name
    for name, args in (("webhook-test", [endpoint.pk]), ("webhook-delivery-replay", [delivery.pk])):
        assert client.post(reverse(f"notifications:{name}", args=args)).status_code == 403, name
    assert WebhookDelivery.objects.count() == 1


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("notifications:webhook-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
