"""The generic event API through the real receiver (``apps.performance.telemetry.sources.generic``):
a Bearer secret or an ``X-Signature-256`` HMAC, the sender's own delivery id, every event checked
with its index and field named, and the six event kinds stored as their normalised models."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.performance.models import Change, Delivery, Deployment, Incident, PullRequest, Sprint, TrackerIssue
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.secrets import hmac_sha256_hex
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
SHA = "8c1f9a6d2b7e4f3a5c0d9e8b7a6f5e4d3c2b1a09"
PARENT = "1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e"

EVENTS: list[dict[str, Any]] = [
    {
        "type": "deployment",
        "id": "deploy-4711",
        "repository": "vendor-org/api",
        "environment": "production",
        "status": "success",
        "sha": SHA,
        "started_at": "2026-10-05T10:00:00Z",
        "finished_at": "2026-10-05T10:12:00Z",
        "rollback": False,
        "url": "https://ci.example/deploys/4711",
    },
    {
        "type": "change",
        "sha": SHA,
        "repository": "vendor-org/api",
        "parent_sha": PARENT,
        "authored_at": "2026-10-05T08:40:00+02:00",
        "author_email": "sam@vendor.example",
        "author_login": "sam-vendor",
        "message": 'Revert "Round EUR baskets"\n\nThis reverts commit 1f0e9d8.',
    },
    {
        "type": "pull_request",
        "number": 42,
        "repository": "vendor-org/api",
        "title": "Round EUR baskets",
        "author_login": "sam-vendor",
        "state": "merged",
        "opened_at": "2026-10-04T12:00:00Z",
        "first_review_at": "2026-10-04T15:00:00Z",
        "merged_at": "2026-10-05T08:00:00Z",
        "merge_sha": SHA,
        "hotfix": True,
    },
    {
        "type": "incident",
        "id": "INC-9",
        "title": "Checkout down",
        "severity": "sev1",
        "status": "resolved",
        "opened_at": "2026-10-05T11:00:00Z",
        "resolved_at": "2026-10-05T12:30:00Z",
        "caused_by_deployment": "deploy-4711",
        "caused_by_sha": SHA,
    },
    {
        "type": "issue",
        "key": "OPS-3",
        "project": "OPS",
        "title": "Refund job stuck",
        "issue_type": "Task",
        "opened_at": "2026-10-05T09:00:00Z",
        "first_response_at": "2026-10-05T09:45:00Z",
        "sprint": 12,
        "points": 2.5,
    },
    {
        "type": "sprint",
        "id": 12,
        "name": "Sprint 12",
        "started_at": "2026-09-28T08:00:00Z",
        "closed_at": "2026-10-09T16:00:00Z",
        "committed_points": 20,
        "completed_points": "17.5",
    },
]


def stored(delivery: Delivery | None = None) -> Any:
    """The payload a delivery stored (the only delivery when none is named)."""
    payload = (delivery or Delivery.objects.get()).payload
    assert payload is not None
    return payload


def body(events: list[Any] | None = None, delivery: Any = "batch-1") -> bytes:
    document: dict[str, Any] = {"events": EVENTS if events is None else events}
    if delivery is not None:
        document["id"] = delivery
    return json.dumps(document).encode()


def post(binding: Any, raw: bytes, **headers: str) -> Any:
    if not headers:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {binding.secret_plain}"}
    url = reverse("telemetry-generic", kwargs={"binding": binding.public_id})
    return APIClient().post(url, data=raw, content_type="application/json", **headers)


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="generic", scope="jenkins")


# -- the receiver ----------------------------------------------------------------------------------------
def test_a_bearer_secret_or_an_hmac_signature_is_accepted(binding: Any) -> None:
    assert post(binding, body()).status_code == 202
    signed = body(delivery="batch-2")
    signature = "sha256=" + hmac_sha256_hex(binding.secret_plain, signed)
    assert post(binding, signed, HTTP_X_SIGNATURE_256=signature).status_code == 202
    assert sorted(Delivery.objects.values_list("delivery_id", "event_type")) == [
        ("batch-1", "events"),
        ("batch-2", "events"),
    ]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"HTTP_AUTHORIZATION": "Bearer not-the-secret"}, "The Bearer token is not this binding's secret"),
        ({"HTTP_X_SIGNATURE_256": "sha256=" + "0" * 64}, "X-Signature-256 signature was not made"),
        ({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, "Send the binding's secret as Authorization: Bearer"),
        ({"HTTP_X_NOTHING": "1"}, "Send the binding's secret as Authorization: Bearer"),
    ],
)
def test_a_missing_or_wrong_secret_is_refused(binding: Any, headers: dict[str, str], reason: str) -> None:
    response = post(binding, body(), **headers)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_an_unknown_binding_is_a_404(binding: Any) -> None:
    url = reverse("telemetry-generic", kwargs={"binding": uuid.uuid4()})
    response = APIClient().post(
        url, data=body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {binding.secret_plain}"
    )
    assert response.status_code == 404


def test_a_replayed_id_is_a_duplicate_and_changes_nothing(binding: Any) -> None:
    first = post(binding, body())
    again = post(binding, body(events=EVENTS[:1]))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    assert len(stored()["events"]) == len(EVENTS)


def _with(index: int, **changes: Any) -> list[dict[str, Any]]:
    """The events with one changed (a value of ``...`` leaves the field out)."""
    events = [dict(event) for event in EVENTS]
    events[index].update(changes)
    events[index] = {name: value for name, value in events[index].items() if value is not ...}
    return events


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (body(delivery=None), "id: required"),
        (body(delivery=""), "id: required"),
        (body(delivery="x" * 256), "id: at most 255 characters"),
        (json.dumps({"id": "b", "events": []}).encode(), "events: send 1 to 1,000 events"),
        (json.dumps({"id": "b", "events": [EVENTS[0]] * 1001}).encode(), "(this one has 1,001)"),
        (json.dumps({"id": "b", "events": EVENTS[0]}).encode(), "events: required, a list"),
        (json.dumps({"id": "b", "events": EVENTS, "source": "ci"}).encode(), "source: not a field of the body"),
        (body(_with(1, finished_at="2026-13-01")), "events[1].finished_at: not a field of a change event"),
        (body(_with(0, finished_at="2026-10-05 late")), "events[0].finished_at: not an ISO 8601 time"),
        (body(_with(0, status="green")), "events[0].status: 'green' is not one of success, failure"),
        (body(_with(0, rollback="yes")), "events[0].rollback: expected true or false"),
        (body(_with(0, repository=...)), "events[0].repository: required for a deployment event"),
        (body(_with(0, title="t" * 300)), "events[0].title: Ensure this value has at most 255 characters"),
        (body(_with(0, url="not a link")), "events[0].url: Enter a valid URL"),
        (body(_with(2, number=0)), "events[2].number: expected a positive integer"),
        (body(_with(3, type="outage")), "events[3].type: must be one of deployment, change"),
        (body(_with(4, points="many")), "events[4].points: expected a number"),
        (body(_with(5, started_at=..., closed_at=...)), "events[5].observed_at: give observed_at"),
        (body([*EVENTS, "deploy"]), "events[6]: expected a JSON object"),
    ],
)
def test_a_malformed_delivery_names_the_event_and_field_and_nothing_is_stored(
    binding: Any, raw: bytes, reason: str
) -> None:
    response = post(binding, raw)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


# -- the events ------------------------------------------------------------------------------------------
def test_each_kind_of_event_is_stored_as_its_model(binding: Any) -> None:
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="vendor.example")
    response = post(binding, body())
    assert delivery_process(delivery_id=response.json()["delivery"]) == "processed"
    assert Delivery.objects.get().event_count == len(EVENTS)

    deployment = Deployment.objects.get()
    assert (deployment.source_id, deployment.repository, deployment.environment, deployment.status) == (
        "deploy-4711",
        "vendor-org/api",
        "production",
        "success",
    )
    assert (deployment.sha, deployment.is_rollback, deployment.url) == (SHA, False, "https://ci.example/deploys/4711")
    assert deployment.finished_at == deployment.observed_at == dt.datetime(2026, 10, 5, 10, 12, tzinfo=dt.UTC)

    change = Change.objects.get()
    assert (change.source_id, change.parent_sha, change.message) == (
        f"vendor-org/api@{SHA}",
        PARENT,
        'Revert "Round EUR baskets"',
    )
    assert change.authored_at == dt.datetime(2026, 10, 5, 6, 40, tzinfo=dt.UTC)
    assert (change.is_revert, change.is_hotfix, change.by_vendor) == (True, False, True)  # derived from the message

    pull = PullRequest.objects.get()
    assert (pull.source_id, pull.state, pull.is_hotfix, pull.is_revert) == ("vendor-org/api#42", "merged", True, False)
    assert pull.first_review_at == dt.datetime(2026, 10, 4, 15, 0, tzinfo=dt.UTC)
    assert pull.by_vendor is False  # the vendor's rules know no login "sam-vendor"

    incident = Incident.objects.get()
    assert (incident.source_id, incident.service, incident.status, incident.severity) == (
        "INC-9",
        "jenkins",  # no service given: the binding's name for the source
        "resolved",
        "sev1",
    )
    assert (incident.caused_by_deployment, incident.caused_by_sha) == ("deploy-4711", SHA)

    issue = TrackerIssue.objects.get()
    assert (issue.source_id, issue.key, issue.sprint, issue.points, issue.is_bug) == (
        "OPS-3",
        "OPS-3",
        "12",
        Decimal("2.50"),
        False,
    )
    assert issue.observed_at == dt.datetime(2026, 10, 5, 9, 45, tzinfo=dt.UTC)  # its latest time

    sprint = Sprint.objects.get()
    assert (sprint.source_id, sprint.committed_points, sprint.completed_points) == (
        "12",
        Decimal("20.00"),
        Decimal("17.50"),
    )


def test_a_later_delivery_moves_an_event_on(binding: Any) -> None:
    running = {**EVENTS[0], "status": "in_progress", "finished_at": None, "observed_at": "2026-10-05T10:00:00Z"}
    delivery_process(delivery_id=post(binding, body([running], delivery="b1")).json()["delivery"])
    assert Deployment.objects.get().status == "in_progress"
    delivery_process(delivery_id=post(binding, body([EVENTS[0]], delivery="b2")).json()["delivery"])
    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.finished_at) == ("success", dt.datetime(2026, 10, 5, 10, 12, tzinfo=dt.UTC))


def test_an_issue_of_type_bug_is_a_bug_unless_it_says_otherwise(binding: Any) -> None:
    issue = {"type": "issue", "opened_at": "2026-10-05T09:00:00Z"}
    events = [
        {**issue, "key": "OPS-4", "issue_type": "Bug"},
        {**issue, "key": "OPS-5", "issue_type": "Bug", "bug": False},
        {**issue, "key": "OPS-6", "issue_type": "Story"},
        {**issue, "key": "OPS-7", "bug": True},
    ]
    delivery_process(delivery_id=post(binding, body(events)).json()["delivery"])
    assert dict(TrackerIssue.objects.values_list("key", "is_bug")) == {
        "OPS-4": True,
        "OPS-5": False,
        "OPS-6": False,
        "OPS-7": True,
    }
