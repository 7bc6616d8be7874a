"""GET /api/v1/notifications/ and its read actions: a person's own notifications only, whatever the
role; another person's is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.notifications.models import Notification
from tests.conftest import ROLES
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture
def alice() -> Any:
    return UserFactory(username="alice")


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_lists_only_ones_own_newest_first(alice: Any, client_for: Callable[[Any], APIClient]) -> None:
    older = NotificationFactory(recipient=alice, title="Older")
    newer = NotificationFactory(recipient=alice, title="Newer", url="/contracts/3/")
    NotificationFactory(title="Someone else's")
    body = client_for(alice).get(URL).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0] == {
        "id": newer.pk,
        "kind": "breach_opened",
        "title": "Newer",
        "body": "Something happened.",
        "url": "/contracts/3/",
        "created_at": body["results"][0]["created_at"],
        "read": False,
        "read_at": None,
    }


def test_filters_by_read_and_kind(alice: Any, client_for: Callable[[Any], APIClient]) -> None:
    read = NotificationFactory(recipient=alice, kind="review_due")
    NotificationFactory(recipient=alice, kind="kpi_missing")
    client = client_for(alice)
    client.post(f"{URL}{read.pk}/read/")
    assert [r["id"] for r in client.get(URL, {"read": "true"}).json()["results"]] == [read.pk]
    assert client.get(URL, {"read": "false"}).json()["count"] == 1
    assert client.get(URL, {"kind": "review_due"}).json()["count"] == 1


def test_someone_elses_notification_is_a_404(alice: Any, client_for: Callable[[Any], APIClient]) -> None:
    theirs = NotificationFactory()
    client = client_for(alice)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_and_read_all(alice: Any, client_for: Callable[[Any], APIClient]) -> None:
    first, *_ = NotificationFactory.create_batch(3, recipient=alice)
    theirs = NotificationFactory()
    client = client_for(alice)
    response = client.post(f"{URL}{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.post(f"{URL}{first.pk}/read/").json()["read_at"] == response.json()["read_at"]  # idempotent
    assert client.post(f"{URL}read-all/").json() == {"marked": 2}
    assert client.post(f"{URL}read-all/").json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_marks_its_own(role: str, api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for(role)
    mine = NotificationFactory(recipient=UserFactory(username=f"demo_{role}"))
    assert client.get(URL).json()["count"] == 1
    assert client.post(f"{URL}{mine.pk}/read/").status_code == 200


def test_notifications_are_not_written_through_the_api(alice: Any, client_for: Callable[[Any], APIClient]) -> None:
    mine = NotificationFactory(recipient=alice)
    client = client_for(alice)
    assert client.post(URL, {"kind": "breach_opened", "title": "x", "dedupe_key": "x"}).status_code == 405
    assert client.patch(f"{URL}{mine.pk}/", {"title": "changed"}).status_code == 405
    assert client.delete(f"{URL}{mine.pk}/").status_code == 405


def test_signed_out_is_401() -> None:
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(f"{URL}read-all/").status_code == 401


def test_the_list_costs_the_same_whatever_its_length(
    alice: Any, client_for: Callable[[Any], APIClient], django_assert_max_num_queries: Any
) -> None:
    client = client_for(alice)
    NotificationFactory.create_batch(2, recipient=alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    NotificationFactory.create_batch(30, recipient=alice)
    with django_assert_max_num_queries(len(few)):
        assert client.get(URL).json()["count"] == 32


def test_the_schema_documents_the_resource() -> None:
    from django.test import Client

    client = Client()
    client.force_login(UserFactory())
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {"/api/v1/notifications/", "/api/v1/notifications/{id}/read/", "/api/v1/notifications/read-all/"} <= set(
        paths
    )
