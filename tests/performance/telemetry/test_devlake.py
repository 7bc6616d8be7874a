"""The DevLake-compatible endpoints of a generic binding (``apps.performance.telemetry.sources.devlake``):
the posts of Apache DevLake's webhook documentation (``fixtures/devlake``, see its README), sent the way
its ``curl`` commands send them (a form content type, or no body at all for a close), with the binding's
secret as the Bearer API key, at every spelling of DevLake's paths under the binding's address."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.performance.models import Delivery, Deployment, Incident, TrackerIssue
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.secrets import hmac_sha256_hex
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "devlake"
CURL_FORM = "application/x-www-form-urlencoded"  # what ``curl -d`` sends without a -H 'Content-Type'


def stored(delivery: Delivery | None = None) -> Any:
    """The payload a delivery stored (the only delivery when none is named)."""
    payload = (delivery or Delivery.objects.get()).payload
    assert payload is not None
    return payload


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def address(binding: Any, suffix: str) -> str:
    """What a script's DevLake address becomes: the binding's URL followed by ``devlake``."""
    return f"/api/v1/telemetry/generic/{binding.public_id}/devlake/{suffix}"


def post(binding: Any, suffix: str, raw: bytes = b"", *, key: str | None = None, **headers: Any) -> Any:
    token = binding.secret_plain if key is None else key
    if token:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    if raw:
        return APIClient().post(address(binding, suffix), data=raw, content_type=CURL_FORM, **headers)
    return APIClient().post(address(binding, suffix), **headers)


DEPLOYMENTS = "api/rest/plugins/webhook/connections/1/deployments"
ISSUES = "api/rest/plugins/webhook/connections/1/issues"


def close(key: str) -> str:
    return f"api/rest/plugins/webhook/connections/1/issue/{key}/close"


def receive(binding: Any, suffix: str, raw: bytes = b"") -> str | None:
    response = post(binding, suffix, raw)
    assert response.status_code == 202, response.json()
    return delivery_process(delivery_id=response.json()["delivery"])


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="generic", scope="circleci")


# -- the receiver ----------------------------------------------------------------------------------------
def test_the_documented_path_is_named_and_is_the_generic_bindings_address(binding: Any) -> None:
    url = reverse("telemetry-devlake-deployment", kwargs={"binding": binding.public_id, "connection": "1"})
    assert url == address(binding, DEPLOYMENTS)
    url = reverse(
        "telemetry-devlake-issue-close", kwargs={"binding": binding.public_id, "connection": "1", "issue_key": "DLK-1"}
    )
    assert url == address(binding, close("DLK-1"))


def test_a_deployment_post_is_stored_once_and_a_replay_changes_nothing(binding: Any) -> None:
    first = post(binding, DEPLOYMENTS, fixture("deployment.json"))
    assert first.status_code == 202
    delivery = Delivery.objects.get()
    assert delivery.event_type == "devlake.deployment" and delivery.delivery_id.startswith("devlake:")
    assert stored(delivery)["body"] == json.loads(fixture("deployment.json"))
    again = post(binding, DEPLOYMENTS, fixture("deployment.json"))
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "delivery": delivery.pk}
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    "suffix",
    [
        "api/rest/plugins/webhook/1/deployments",  # DevLake's documentation
        "api/rest/plugins/webhook/connections/by-name/ci/deployments",
        "plugins/webhook/connections/7/deployments",  # DevLake's backend port, without /api/rest
        "plugins/webhook/1/deployments",
    ],
)
def test_every_spelling_of_the_path_is_the_same_endpoint(binding: Any, suffix: str) -> None:
    assert post(binding, DEPLOYMENTS, fixture("deployment.json")).status_code == 202
    # The connection is not part of a post's identity: the binding in the address is.
    response = post(binding, suffix, fixture("deployment.json"))
    assert response.status_code == 200 and response.json()["status"] == "duplicate"


@pytest.mark.parametrize(
    ("key", "headers", "reason"),
    [
        ("not-the-secret", {}, "The Bearer API key is not this binding's secret"),
        ("", {}, "Authorization: Bearer <secret>"),
        ("", {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, "Authorization: Bearer <secret>"),
    ],
)
def test_a_missing_or_wrong_api_key_is_refused(binding: Any, key: str, headers: dict[str, str], reason: str) -> None:
    response = post(binding, DEPLOYMENTS, fixture("deployment.json"), key=key, **headers)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_an_hmac_signature_is_not_a_devlake_api_key(binding: Any) -> None:
    raw = fixture("deployment.json")
    signature = "sha256=" + hmac_sha256_hex(binding.secret_plain, raw)
    response = post(binding, DEPLOYMENTS, raw, key="", HTTP_X_SIGNATURE_256=signature)
    assert response.status_code == 401


def test_an_unknown_binding_or_a_binding_of_another_source_is_a_404(binding: Any) -> None:
    jira = factories.SourceBindingFactory(source="jira", scope="API")
    for public_id in (uuid.uuid4(), jira.public_id):
        url = f"/api/v1/telemetry/generic/{public_id}/devlake/{DEPLOYMENTS}"
        response = APIClient().post(
            url, data=fixture("deployment.json"), content_type=CURL_FORM, HTTP_AUTHORIZATION="Bearer x"
        )
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "The body is not JSON"),
        (b'{"a": 1}}', "The body is not JSON"),
        (b"[1, 2]", "The body must be a JSON object"),
        (b'{"pipeline_id": "p", "commit_sha": "abc", "repo_url": "r"}', "start_time: missing"),
        (b'{"commit_sha": "abc", "start_time": "2020-01-01T12:00:00Z"}', "repo_url: missing"),
        (b'{"repo_url": "r", "commit_sha": "a", "start_time": "noon"}', "start_time: not an ISO 8601 time"),
        (b'{"repo_url": "r", "commit_sha": "a", "start_time": "2020-01-01T12:00:00Z", "result": "OK"}', "result: 'OK'"),
        (
            b'{"start_time": "2020-01-01T12:00:00Z", "deployment_commits": [{"repo_url": "r"}]}',
            "deployment_commits[0].commit_sha: missing",
        ),
        # The endpoint's own keys come after the body: a body cannot stand in for them.
        (b'{"repo_url": "r"}, "devlake": "issue"', "The body is not JSON"),
    ],
)
def test_a_malformed_post_is_a_400_with_the_reason_and_nothing_is_stored(binding: Any, raw: bytes, reason: str) -> None:
    response = post(binding, DEPLOYMENTS, raw)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


# -- deployments -----------------------------------------------------------------------------------------
def test_a_deployment_post_becomes_a_deployment(binding: Any) -> None:
    assert receive(binding, DEPLOYMENTS, fixture("deployment.json")) == "processed"
    deployment = Deployment.objects.get()
    assert (deployment.repository, deployment.environment, deployment.status) == (
        "apache/incubator-devlake",
        "production",
        "failure",
    )
    assert deployment.sha == "015e3d3b480e417aede5a1293bd61de9b0fd051d"
    assert deployment.title == "optional-custom-deploy-display-title"
    assert deployment.started_at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert deployment.finished_at == deployment.observed_at == dt.datetime(2020, 1, 2, 13, 0, tzinfo=dt.UTC)
    assert deployment.is_rollback is False


def test_a_deployment_of_several_commits_is_a_deployment_per_commit(binding: Any) -> None:
    assert receive(binding, DEPLOYMENTS, fixture("deployment_commits.json")) == "processed"
    rows = Deployment.objects.order_by("sha").values_list("repository", "sha", "status", "environment")
    assert list(rows) == [("repo-1", "c1", "failure", "production"), ("repo-2", "c2", "failure", "production")]


def test_a_deployment_without_an_end_ends_when_it_was_received(binding: Any) -> None:
    """The CircleCI example posts only its start (``%z`` offset); DevLake ends it at its receipt."""
    assert receive(binding, DEPLOYMENTS, fixture("deployment_circleci.json")) == "processed"
    deployment = Deployment.objects.get()
    received = dt.datetime.fromisoformat(stored()["received_at"])
    assert (deployment.repository, deployment.status) == ("vendor-org/api", "success")
    assert deployment.started_at == dt.datetime(2026, 10, 5, 14, 2, 11, tzinfo=dt.UTC)
    assert deployment.finished_at == received


# -- issues and incidents --------------------------------------------------------------------------------
def test_an_incident_post_and_its_close(binding: Any) -> None:
    assert receive(binding, ISSUES, fixture("incident.json")) == "processed"
    incident = Incident.objects.get()
    assert (incident.source_id, incident.status, incident.service) == ("DLK-1234", "triggered", "circleci")
    assert incident.opened_at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC)

    response = post(binding, close("DLK-1234"))  # no body, no content type: as DevLake documents it
    assert response.status_code == 202
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    assert (delivery.event_type, stored(delivery)["issue_key"], stored(delivery)["body"]) == (
        "devlake.issue_close",
        "DLK-1234",
        None,
    )
    assert delivery_process(delivery_id=delivery.pk) == "processed"
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at == dt.datetime.fromisoformat(stored(delivery)["received_at"])

    again = post(binding, close("DLK-1234"))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"


def test_a_close_processed_before_its_issue_still_resolves_it(binding: Any) -> None:
    opened = post(binding, ISSUES, fixture("incident.json")).json()["delivery"]
    closed = post(binding, close("DLK-1234")).json()["delivery"]
    assert delivery_process(delivery_id=closed) == "processed"  # the workers took them in the other order
    assert delivery_process(delivery_id=opened) == "processed"
    incident = Incident.objects.get()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert incident.title == "a feature from DLK"


def test_a_close_of_an_issue_never_posted_is_ignored(binding: Any) -> None:
    assert receive(binding, close("DLK-404")) == "ignored"
    assert not Incident.objects.exists() and not TrackerIssue.objects.exists()


def test_an_issue_post_becomes_a_tracker_issue_and_its_close_resolves_it(binding: Any) -> None:
    assert receive(binding, ISSUES, fixture("issue.json")) == "processed"
    issue = TrackerIssue.objects.get()
    assert (issue.key, issue.issue_type, issue.is_bug, issue.points, issue.resolved_at) == (
        "DLK-1234",
        "BUG",
        True,
        Decimal("0.00"),
        None,
    )
    assert receive(binding, close("DLK-1234")) == "processed"
    issue.refresh_from_db()
    assert issue.resolved_at is not None and issue.is_bug is True


def test_camel_case_keys_of_devlakes_code_are_read_too(binding: Any) -> None:
    raw = json.dumps(
        {"issueKey": "DLK-7", "title": "t", "type": "INCIDENT", "status": "DONE", "createdDate": "2020-01-01T12:00:00Z"}
    ).encode()
    assert receive(binding, ISSUES, raw) == "processed"
    incident = Incident.objects.get()
    assert (incident.source_id, incident.status) == ("DLK-7", "resolved")
    assert incident.resolved_at is not None
