"""Fixtures of the webhook tests: an administrator, endpoints made through the service (with their secret),
a receiver on 127.0.0.1 (pytest-httpserver) that verifies every signature, and the delivery task run
in-process.

``deliver_webhook.apply_async`` is replaced by a synchronous run of the task (what a worker would do), so
an after-commit enqueue makes its attempt at once; ``sent`` lists what was enqueued. Tests marked
``celery`` keep the real ``apply_async`` (they run a real worker)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookEndpoint
from apps.notifications.webhooks.services import webhook_endpoint_create
from apps.notifications.webhooks.tasks import deliver_webhook
from tests.factories import UserFactory


@dataclass
class Enqueued:
    calls: list[tuple[tuple[Any, ...], dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    @property
    def delivery_ids(self) -> list[int]:
        return [args[0] for args, _, _ in self.calls]


@pytest.fixture(autouse=True)
def sent(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    enqueued = Enqueued()
    if request.node.get_closest_marker("celery"):
        return enqueued

    def run_inline(args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
        enqueued.calls.append((tuple(args), dict(kwargs or {}), options))
        return deliver_webhook.apply(args=args, kwargs=kwargs or {}, throw=True)

    monkeypatch.setattr(deliver_webhook, "apply_async", run_inline)
    return enqueued


@pytest.fixture
def admin(db: None) -> Any:
    return UserFactory(username="webhook-admin", role="admin")


EndpointMaker = Callable[..., tuple[WebhookEndpoint, str]]


@pytest.fixture
def make_endpoint(admin: Any) -> EndpointMaker:
    """``make_endpoint(url, events=[...], kind="standard")`` → (endpoint, its secret)."""

    def make(url: str, *, events: list[str] | None = None, kind: str = "standard", name: str = "") -> Any:
        endpoint = webhook_endpoint_create(
            actor=admin,
            data={
                "name": name or f"Receiver {WebhookEndpoint.objects.count() + 1}",
                "kind": kind,
                "url": url,
                "event_types": events or [WebhookEventType.BREACH_OPENED],
            },
        )
        return endpoint, endpoint.secret

    return make


@dataclass
class Received:
    """What the receiver got: each request's headers, body, and whether its signature verified."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(request["body"]) for request in self.requests]


@dataclass
class Receiver:
    server: HTTPServer
    received: Received
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # status codes to answer in turn (then 200)

    def url(self, path: str = "/hook") -> str:
        return self.server.url_for(path)

    def verified(self) -> list[bool]:
        return [request["verified"] for request in self.received.requests]


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[Receiver]:
    """A Standard Webhooks receiver on 127.0.0.1: verifies each request with its ``secret`` (set by the
    test) and answers the codes in ``answers`` in turn, then 200."""
    target = Receiver(server=httpserver, received=Received())

    def handle(request: Request) -> Response:
        body = request.get_data()
        headers = dict(request.headers.items())
        try:
            Webhook(target.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        target.received.requests.append(
            {"headers": {k.lower(): v for k, v in headers.items()}, "body": body, "verified": verified}
        )
        code = target.answers.pop(0) if target.answers else 200
        if not verified:
            code = 401
        return Response("ok" if code < 300 else f"refused ({code})", status=code)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handle)
    yield target
    httpserver.clear()
