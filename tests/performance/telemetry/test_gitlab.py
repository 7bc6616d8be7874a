"""The GitLab receiver and parser, through the real HTTP path: payloads written from GitLab's
documentation (fixtures/gitlab/README.md names the section of each) with the webhook's secret token,
stored, then processed into normalised events (``apps.performance.telemetry.sources.gitlab``).

States the documented examples do not show (a merged merge request, a closed bug, a production
deployment) are the documented example with the named fields changed (``variant``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.performance.choices import DeliveryStatus
from apps.performance.models import Change, Delivery, Deployment, PullRequest, SourceBinding, TrackerIssue
from apps.performance.telemetry.processing import delivery_process
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "gitlab"
EVENTS = {
    "push": "Push Hook",
    "merge_request.open": "Merge Request Hook",
    "deployment": "Deployment Hook",
    "issue.open": "Issue Hook",
    "note.merge_request": "Note Hook",
    "note.issue": "Note Hook",
}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_bytes())


def variant(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``payload`` with the fields named by ``__``-separated paths set
    (``variant(payload, object_attributes__state="merged")``)."""
    changed = copy.deepcopy(payload)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = changed
        for part in parents:
            target = target[part]
        target[last] = value
    return changed


def binding_for(scope: str, **fields: Any) -> SourceBinding:
    return factories.SourceBindingFactory(source="gitlab", scope=scope, **fields)


def post(
    client: APIClient,
    binding: SourceBinding,
    body: bytes,
    *,
    event: str | None,
    token: str | None = None,
    event_uuid: str | None = None,
    idempotency_key: str | None = None,
    url: str | None = None,
) -> Any:
    headers = {}
    if event is not None:
        headers["X-Gitlab-Event"] = event
    event_uuid = str(uuid.uuid4()) if event_uuid is None else event_uuid
    if event_uuid:
        headers["X-Gitlab-Event-UUID"] = event_uuid
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    token = binding.secret_plain if token is None else token
    if token:
        headers["X-Gitlab-Token"] = token
    address = url or reverse("telemetry-gitlab", kwargs={"binding": binding.public_id})
    return client.post(address, data=body, content_type="application/json", headers=headers)


def deliver(client: APIClient, binding: SourceBinding, event: str, payload: dict[str, Any]) -> Delivery:
    """Post a delivery with the right token (202), process it, and answer it as stored."""
    response = post(client, binding, json.dumps(payload).encode(), event=event)
    assert response.status_code == 202, response.json()
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    delivery_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def client() -> APIClient:
    return APIClient()


# -- the receiver -----------------------------------------------------------------------------------------------
def test_a_delivery_with_the_token_is_stored_and_a_replay_changes_nothing(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    body = (FIXTURES / "push.json").read_bytes()
    first = post(client, binding, body, event="Push Hook", event_uuid="13792a34-cac6-4fda-95a8-c58e00a3954e")
    assert first.status_code == 202
    stored = Delivery.objects.get()
    assert (stored.event_type, stored.status, stored.payload) == (
        "Push Hook",
        DeliveryStatus.RECEIVED,
        json.loads(body),
    )
    assert delivery_process(delivery_id=stored.pk) == DeliveryStatus.PROCESSED
    before = list(Change.objects.values())

    again = post(client, binding, body, event="Push Hook", event_uuid="13792a34-cac6-4fda-95a8-c58e00a3954e")
    assert (again.status_code, again.json()) == (200, {"status": "duplicate", "delivery": stored.pk})
    assert Delivery.objects.count() == 1
    assert list(Change.objects.values()) == before


def test_events_sharing_an_event_uuid_are_distinct_deliveries(client: APIClient) -> None:
    """GitLab gives every event one hook fires within one request the same X-Gitlab-Event-UUID."""
    binding = binding_for("gitlabhq/gitlab-test")
    shared = "02affd2d-2cba-4033-917d-ec22d5dc4b38"
    merge = variant(load("merge_request.open"), object_attributes__action="merge", object_attributes__state="merged")
    closing = variant(load("issue.open"), object_attributes__action="close", object_attributes__state="closed")
    assert (
        post(client, binding, json.dumps(merge).encode(), event="Merge Request Hook", event_uuid=shared).status_code
        == 202
    )
    assert post(client, binding, json.dumps(closing).encode(), event="Issue Hook", event_uuid=shared).status_code == 202
    assert Delivery.objects.count() == 2


def test_the_idempotency_key_identifies_a_resent_delivery(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    body = (FIXTURES / "push.json").read_bytes()
    key = "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"
    assert post(client, binding, body, event="Push Hook", idempotency_key=key).status_code == 202
    # A resend from GitLab's "Recent events" carries a new event UUID and the same key.
    resent = post(client, binding, body, event="Push Hook", idempotency_key=key, event_uuid=str(uuid.uuid4()))
    assert (resent.status_code, resent.json()["status"]) == (200, "duplicate")
    assert Delivery.objects.get().delivery_id == key


@pytest.mark.parametrize(
    ("token", "reason"),
    [("", "header is missing"), ("It's a secret to somebody else", "is not this binding's secret")],
    ids=["missing", "wrong"],
)
def test_a_delivery_without_the_binding_token_is_401(client: APIClient, token: str, reason: str) -> None:
    binding = binding_for("mike/diaspora")
    response = post(client, binding, (FIXTURES / "push.json").read_bytes(), event="Push Hook", token=token)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_an_unknown_or_inactive_binding_is_404(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    body = (FIXTURES / "push.json").read_bytes()
    unknown = reverse("telemetry-gitlab", kwargs={"binding": uuid.uuid4()})
    assert post(client, binding, body, event="Push Hook", url=unknown).status_code == 404
    SourceBinding.objects.filter(pk=binding.pk).update(active=False)
    assert post(client, binding, body, event="Push Hook").status_code == 404
    assert not Delivery.objects.exists()


def test_a_delivery_without_event_or_uuid_header_is_400(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    body = (FIXTURES / "push.json").read_bytes()
    no_event = post(client, binding, body, event=None)
    assert no_event.status_code == 400 and "X-Gitlab-Event" in no_event.json()["detail"]
    no_uuid = post(client, binding, body, event="Push Hook", event_uuid="")
    assert no_uuid.status_code == 400 and "X-Gitlab-Event-UUID" in no_uuid.json()["detail"]
    assert not Delivery.objects.exists()


# A binding whose scope holds the project of each event's documented example.
SCOPES = {"Push Hook": "mike", "Merge Request Hook": "gitlabhq", "Deployment Hook": "root", "Issue Hook": "gitlabhq"}


@pytest.mark.parametrize(
    ("event", "payload", "reason"),
    [
        ("Push Hook", variant(load("push"), commits="none"), "push.commits must be a list."),
        ("Push Hook", {k: v for k, v in load("push").items() if k != "project"}, "Push Hook.project is missing."),
        (
            "Merge Request Hook",
            variant(load("merge_request.open"), object_attributes=None),
            "merge_request.object_attributes is missing.",
        ),
        (
            "Merge Request Hook",
            variant(load("merge_request.open"), object_attributes__iid="1"),
            "merge_request.object_attributes.iid must be a whole number.",
        ),
        (
            "Deployment Hook",
            variant(load("deployment"), status_changed_at="last Tuesday"),
            "deployment.status_changed_at",
        ),
        (
            "Deployment Hook",
            variant(load("deployment"), commit_url=None, short_sha=None),
            "does not name the deployed commit",
        ),
        ("Issue Hook", variant(load("issue.open"), labels=[{"title": 3}]), "issue.labels[0].title must be text."),
    ],
    ids=["commits-type", "no-project", "no-attributes", "iid-type", "bad-time", "no-commit", "label-type"],
)
def test_a_malformed_payload_is_400_with_the_field_and_nothing_is_stored(
    client: APIClient, event: str, payload: Any, reason: str
) -> None:
    binding = binding_for(SCOPES[event])
    response = post(client, binding, json.dumps(payload).encode(), event=event)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("System Hook", "System hooks are not used"),
        ("Pipeline Hook", "Pipeline events are not used"),
        ("Tag Push Hook", "not used"),
    ],
)
def test_events_not_used_are_acknowledged_and_not_stored(client: APIClient, event: str, reason: str) -> None:
    binding = binding_for("gitlab-org/gitlab-test")
    response = post(client, binding, b'{"object_kind": "pipeline"}', event=event)
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


# -- scope -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scope", "taken"),
    [("mike/diaspora", True), ("Mike", True), ("mike/diaspora/sub", False), ("mik", False), ("mike/dia", False)],
)
def test_a_scope_is_the_project_or_a_group_above_it(client: APIClient, scope: str, taken: bool) -> None:
    binding = binding_for(scope)
    delivery = deliver(client, binding, "Push Hook", load("push"))
    assert (delivery.status == DeliveryStatus.PROCESSED) is taken
    assert Change.objects.filter(binding=binding).exists() is taken


def test_a_subgroup_scope_takes_its_projects(client: APIClient) -> None:
    binding = binding_for("acme/platform")
    nested = variant(load("push"), project__path_with_namespace="acme/platform/api")
    assert deliver(client, binding, "Push Hook", nested).status == DeliveryStatus.PROCESSED
    assert set(Change.objects.values_list("repository", flat=True)) == {"acme/platform/api"}


# -- push → changes --------------------------------------------------------------------------------------------
def test_a_push_is_read_into_its_chained_commits(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="softcatala.org")
    delivery = deliver(client, binding, "Push Hook", load("push"))
    assert (delivery.status, delivery.event_count) == (DeliveryStatus.PROCESSED, 2)
    first, second = Change.objects.order_by("authored_at")
    assert first.source_id == "mike/diaspora@b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327"
    # The documented push has 4 commits of which the payload lists 2 (GitLab lists the newest 20 of a
    # larger push): the first listed does not follow ``before``.
    assert first.parent_sha == ""
    assert second.parent_sha == first.sha
    assert first.authored_at == utc("2011-12-12T12:27:31Z")
    assert (first.message, first.author_email, first.author_login) == (
        "Update Catalan translation to e38cb41.",
        "jordi@softcatala.org",
        "",
    )
    assert (first.by_vendor, second.by_vendor) == (True, False)
    assert second.url == "http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert {first.observed_at, second.observed_at} == {utc("2012-01-03T21:36:29Z")}  # the newest commit's time


def test_a_complete_push_chains_its_first_commit_to_before(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    deliver(client, binding, "Push Hook", variant(load("push"), total_commits_count=2))
    first = Change.objects.get(sha="b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327")
    assert first.parent_sha == "95790bf891e76fee5e1747ab589903a6a1f80f22"


def test_a_hotfix_branch_push_is_rework_and_a_deleted_branch_is_nothing(client: APIClient) -> None:
    binding = binding_for("mike/diaspora")
    deliver(client, binding, "Push Hook", variant(load("push"), ref="refs/heads/hot-fix/readme"))
    assert set(Change.objects.values_list("is_hotfix", flat=True)) == {True}
    deleted = variant(load("push"), after="0" * 40, commits=[], total_commits_count=0)
    assert deliver(client, binding, "Push Hook", deleted).status == DeliveryStatus.IGNORED


# -- merge requests --------------------------------------------------------------------------------------------
def test_a_merge_request_is_opened_approved_and_merged(client: APIClient) -> None:
    binding = binding_for("gitlabhq/gitlab-test")
    opened = load("merge_request.open")
    deliver(client, binding, "Merge Request Hook", opened)
    mr = PullRequest.objects.get()
    assert (mr.source_id, mr.repository, mr.number, mr.state) == (
        "gitlabhq/gitlab-test!1",
        "gitlabhq/gitlab-test",
        1,
        "open",
    )
    assert (mr.title, mr.opened_at) == ("MS-Viewport", utc("2013-12-03T17:23:34Z"))
    assert mr.author_login == ""  # the acting user (id 1) is not the author (id 51)
    assert (mr.first_review_at, mr.merged_at, mr.is_hotfix, mr.is_revert) == (None, None, False, False)
    assert mr.url == "http://example.com/diaspora/merge_requests/1"

    approved = variant(
        opened, object_attributes__action="approval", object_attributes__updated_at="2013-12-04T09:00:00Z"
    )
    deliver(client, binding, "Merge Request Hook", approved)
    mr.refresh_from_db()
    assert mr.first_review_at == utc("2013-12-04T09:00:00Z")

    merged = variant(
        opened,
        object_attributes__action="merge",
        object_attributes__state="merged",
        object_attributes__updated_at="2013-12-04T10:30:00Z",
        object_attributes__merge_commit_sha="562E173BE03B8FF2EFB05345D12DF18815438A4B",
    )
    deliver(client, binding, "Merge Request Hook", merged)
    mr.refresh_from_db()
    assert (mr.state, mr.merged_at) == ("merged", utc("2013-12-04T10:30:00Z"))
    assert mr.merge_sha == "562e173be03b8ff2efb05345d12df18815438a4b"
    assert mr.first_review_at == utc("2013-12-04T09:00:00Z")


def test_an_approval_by_the_author_is_no_review_and_a_hotfix_label_is_rework(client: APIClient) -> None:
    binding = binding_for("gitlabhq/gitlab-test")
    by_author = variant(
        load("merge_request.open"),
        object_attributes__action="approved",
        object_attributes__author_id=1,
        labels=[{"title": "hotfix"}],
    )
    deliver(client, binding, "Merge Request Hook", by_author)
    mr = PullRequest.objects.get()
    assert (mr.first_review_at, mr.author_login, mr.is_hotfix) == (None, "root", True)


def test_a_comment_by_someone_else_on_a_merge_request_is_its_review(client: APIClient) -> None:
    binding = binding_for("gitlab-org")
    deliver(client, binding, "Note Hook", load("note.merge_request"))
    mr = PullRequest.objects.get()
    assert (mr.source_id, mr.first_review_at) == ("gitlab-org/gitlab-test!1", utc("2015-05-17T18:21:36Z"))
    assert mr.opened_at == utc("2015-03-01T20:12:53Z")
    assert mr.url == "http://example.com/gitlab-org/gitlab-test/-/merge_requests/1"

    system = variant(
        load("note.merge_request"),
        object_attributes__system=True,
        object_attributes__created_at="2015-05-01 00:00:00 UTC",
    )
    assert deliver(client, binding, "Note Hook", system).status == DeliveryStatus.IGNORED
    assert PullRequest.objects.get().first_review_at == utc("2015-05-17T18:21:36Z")


# -- deployments -----------------------------------------------------------------------------------------------
def test_a_deployment_event_is_read_into_a_deployment(client: APIClient) -> None:
    binding = binding_for("root/test-deployment-webhooks")
    deliver(client, binding, "Deployment Hook", load("deployment"))
    deployment = Deployment.objects.get()
    assert (deployment.source_id, deployment.repository) == ("15", "root/test-deployment-webhooks")
    assert (deployment.environment, deployment.status, deployment.is_rollback) == ("staging", "success", False)
    assert deployment.sha == "279484c09fbe69ededfced8c1bb6e6d24616b468"  # from commit_url: a full sha
    assert deployment.finished_at == utc("2021-04-28T19:50:00Z")  # "2021-04-28 21:50:00 +0200"
    assert deployment.url == "http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796"
    assert deployment.title == "Add new file"


def test_a_deployment_runs_then_fails_in_production(client: APIClient) -> None:
    binding = binding_for("root")
    production = variant(load("deployment"), environment="production", deployment_id=16)
    deliver(
        client,
        binding,
        "Deployment Hook",
        variant(production, status="running", status_changed_at="2021-04-28 21:40:00 +0200"),
    )
    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.started_at, deployment.finished_at) == (
        "in_progress",
        utc("2021-04-28T19:40:00Z"),
        None,
    )
    deliver(client, binding, "Deployment Hook", variant(production, status="failed"))
    deployment.refresh_from_db()
    assert (deployment.environment, deployment.status) == ("production", "failure")
    assert (deployment.started_at, deployment.finished_at) == (utc("2021-04-28T19:40:00Z"), utc("2021-04-28T19:50:00Z"))
    # The "running" event of the same second as the failure, arriving late, does not undo it.
    deliver(client, binding, "Deployment Hook", variant(production, status="running"))
    assert Deployment.objects.get().status == "failure"


def test_a_rollback_deployment_is_marked(client: APIClient) -> None:
    binding = binding_for("root")
    deliver(client, binding, "Deployment Hook", variant(load("deployment"), commit_title="Rollback checkout to v1.4"))
    assert Deployment.objects.get().is_rollback is True


# -- issues ----------------------------------------------------------------------------------------------------
def test_an_issue_is_opened_then_closed_as_a_bug(client: APIClient) -> None:
    binding = binding_for("gitlabhq/gitlab-test")
    opened = load("issue.open")
    deliver(client, binding, "Issue Hook", opened)
    issue = TrackerIssue.objects.get()
    assert (issue.source_id, issue.project, issue.title) == (
        "gitlabhq/gitlab-test#23",
        "gitlabhq/gitlab-test",
        "New API: create/update/delete file",
    )
    assert (issue.is_bug, issue.issue_type, issue.opened_at, issue.resolved_at) == (
        False,
        "Issue",
        utc("2013-12-03T17:15:43Z"),
        None,
    )
    closed = variant(
        opened,
        labels=[{"title": "Bug"}],
        object_attributes__action="close",
        object_attributes__state="closed",
        object_attributes__closed_at="2013-12-05T08:00:00Z",
        object_attributes__updated_at="2013-12-05T08:00:00Z",
    )
    deliver(client, binding, "Issue Hook", closed)
    issue.refresh_from_db()
    assert (issue.is_bug, issue.resolved_at) == (True, utc("2013-12-05T08:00:00Z"))


def test_a_work_item_that_is_not_an_issue_is_ignored(client: APIClient) -> None:
    binding = binding_for("gitlabhq")
    task = variant(load("issue.open"), object_kind="work_item", object_attributes__type="Task")
    assert deliver(client, binding, "Issue Hook", task).status == DeliveryStatus.IGNORED


def test_a_comment_by_someone_else_on_an_issue_is_its_first_response(client: APIClient) -> None:
    binding = binding_for("gitlab-org/gitlab-test")
    # The documented comment is by the issue's author (user 1): no response.
    assert deliver(client, binding, "Note Hook", load("note.issue")).status == DeliveryStatus.IGNORED
    support = {"id": 2, "name": "Support", "username": "support-1", "email": "support-1@vendor.example"}
    answered = variant(load("note.issue"), user=support)
    deliver(client, binding, "Note Hook", answered)
    issue = TrackerIssue.objects.get()
    assert (issue.source_id, issue.first_response_at) == ("gitlab-org/gitlab-test#17", utc("2015-05-17T17:06:40Z"))

    ruled = binding_for("gitlab-org")
    factories.VendorIdentityRuleFactory(vendor=ruled.contract.vendor, kind="email_domain", value="acme.example")
    assert deliver(client, ruled, "Note Hook", answered).status == DeliveryStatus.IGNORED
    vendor_answer = variant(answered, user={**support, "email": "dev@eu.acme.example"})
    assert deliver(client, ruled, "Note Hook", vendor_answer).status == DeliveryStatus.PROCESSED


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_each_documented_example_is_accepted(client: APIClient, name: str) -> None:
    payload = load(name)
    binding = binding_for(payload["project"]["path_with_namespace"])
    delivery = deliver(client, binding, EVENTS[name], payload)
    assert delivery.status in (DeliveryStatus.PROCESSED, DeliveryStatus.IGNORED)
    assert delivery.error == ""
