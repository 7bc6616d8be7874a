"""The GitHub receiver and parser, through the real HTTP path: real payloads of
``@octokit/webhooks-examples`` (fixtures/github/README.md) signed as GitHub signs them, stored, then
processed into normalised events (``apps.performance.telemetry.sources.github``).

A few cases need a state no published example has (a merged pull request, a review by someone else, a
push of several commits): they are the real example with the named fields changed (``variant``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.performance.choices import DeliveryStatus
from apps.performance.models import Change, Delivery, Deployment, PullRequest, SourceBinding, TrackerIssue
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.secrets import hmac_sha256_hex
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "github"
REPO = "Codertocat/Hello-World"  # the repository of the examples


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_bytes())


def variant(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``payload`` with the fields named by ``__``-separated paths set
    (``variant(payload, pull_request__merged=True)``)."""
    changed = copy.deepcopy(payload)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = changed
        for part in parents:
            target = target[part]
        target[last] = value
    return changed


def binding_for(scope: str = REPO, **fields: Any) -> SourceBinding:
    return factories.SourceBindingFactory(source="github", scope=scope, **fields)


def post(
    client: APIClient,
    binding: SourceBinding,
    body: bytes,
    *,
    event: str | None,
    delivery: str | None = None,
    signature: str | None = None,
    secret: str | None = None,
    url: str | None = None,
) -> Any:
    headers = {}
    if event is not None:
        headers["X-GitHub-Event"] = event
    headers["X-GitHub-Delivery"] = delivery if delivery is not None else str(uuid.uuid4())
    if not headers["X-GitHub-Delivery"]:
        del headers["X-GitHub-Delivery"]
    if signature is None:
        signature = "sha256=" + hmac_sha256_hex(secret or binding.secret_plain, body)
    if signature:
        headers["X-Hub-Signature-256"] = signature
    address = url or reverse("telemetry-github", kwargs={"binding": binding.public_id})
    return client.post(address, data=body, content_type="application/json", headers=headers)


def deliver(client: APIClient, binding: SourceBinding, event: str, payload: dict[str, Any]) -> Delivery:
    """Post a signed delivery (202), process it, and answer it as stored."""
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
def test_a_signed_delivery_is_stored_and_a_replay_changes_nothing(client: APIClient) -> None:
    binding = binding_for()
    body = (FIXTURES / "push.json").read_bytes()
    first = post(client, binding, body, event="push", delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert first.status_code == 202
    stored = Delivery.objects.get()
    assert (stored.pk, stored.event_type, stored.status) == (first.json()["delivery"], "push", DeliveryStatus.RECEIVED)
    assert stored.payload == json.loads(body)

    assert delivery_process(delivery_id=stored.pk) == DeliveryStatus.PROCESSED
    before = list(Change.objects.values())

    again = post(client, binding, body, event="push", delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery": stored.pk}
    assert Delivery.objects.count() == 1
    assert delivery_process(delivery_id=stored.pk) is None  # processed already: nothing to do
    assert list(Change.objects.values()) == before


@pytest.mark.parametrize(
    ("signature", "secret", "reason"),
    [
        ("", None, "header is missing"),
        (None, "not the binding's secret", "was not made with this binding's secret"),
        ("sha1=0123abcd", None, "must read sha256="),
        ("sha256=", None, "must read sha256="),
    ],
    ids=["missing", "other-secret", "sha1", "empty-digest"],
)
def test_a_delivery_not_signed_with_the_binding_secret_is_401(
    client: APIClient, signature: str | None, secret: str | None, reason: str
) -> None:
    binding = binding_for()
    response = post(
        client, binding, (FIXTURES / "push.json").read_bytes(), event="push", signature=signature, secret=secret
    )
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_a_signature_of_another_body_is_401(client: APIClient) -> None:
    binding = binding_for()
    body = (FIXTURES / "push.json").read_bytes()
    signed_for_other = "sha256=" + hmac_sha256_hex(binding.secret_plain, body + b" ")
    assert post(client, binding, body, event="push", signature=signed_for_other).status_code == 401


def test_an_unknown_or_inactive_binding_is_404(client: APIClient) -> None:
    binding = binding_for()
    body = (FIXTURES / "push.json").read_bytes()
    unknown = reverse("telemetry-github", kwargs={"binding": uuid.uuid4()})
    assert post(client, binding, body, event="push", url=unknown).status_code == 404
    SourceBinding.objects.filter(pk=binding.pk).update(active=False)
    assert post(client, binding, body, event="push").status_code == 404
    # A GitLab binding's address is not a GitHub receiver.
    gitlab = factories.SourceBindingFactory(source="gitlab", scope="group/project")
    other = reverse("telemetry-github", kwargs={"binding": gitlab.public_id})
    assert post(client, binding, body, event="push", url=other).status_code == 404
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("event", "payload", "reason"),
    [
        ("push", variant(load("push"), commits=None), "push.commits is missing."),
        ("push", {k: v for k, v in load("push").items() if k != "repository"}, "push.repository is missing."),
        ("push", variant(load("push"), repository__full_name=7), "push.repository.full_name must be text."),
        (
            "push",
            variant(load("push"), commits=[{"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}]),
            "push.commits[0].timestamp is missing.",
        ),
        (
            "push",
            variant(load("push"), commits=[{"id": "not a sha", "timestamp": "2019-05-15T15:19:25Z"}]),
            "push.commits[0].id is not a commit id",
        ),
        (
            "pull_request",
            variant(load("pull_request.opened"), pull_request__number="2"),
            "pull_request.pull_request.number must be a whole number.",
        ),
        (
            "pull_request",
            variant(load("pull_request.opened"), pull_request__created_at="yesterday"),
            "pull_request.pull_request.created_at",
        ),
        (
            "deployment_status",
            variant(load("deployment_status.created"), deployment_status=None),
            "deployment_status.deployment_status is missing.",
        ),
        ("issues", variant(load("issues.opened"), issue__labels="bug"), "issues.issue.labels must be a list."),
        ("push", [1, 2], "The push payload is not a JSON object."),
    ],
    ids=[
        "no-commits",
        "no-repository",
        "name-type",
        "commit-time",
        "commit-id",
        "pr-number",
        "pr-time",
        "no-status",
        "labels",
        "not-object",
    ],
)
def test_a_malformed_payload_is_400_with_the_field_and_nothing_is_stored(
    client: APIClient, event: str, payload: Any, reason: str
) -> None:
    binding = binding_for()
    response = post(client, binding, json.dumps(payload).encode(), event=event)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_a_delivery_without_event_or_delivery_header_is_400(client: APIClient) -> None:
    binding = binding_for()
    body = (FIXTURES / "push.json").read_bytes()
    no_event = post(client, binding, body, event=None)
    assert no_event.status_code == 400 and "X-GitHub-Event" in no_event.json()["detail"]
    no_delivery = post(client, binding, body, event="push", delivery="")
    assert no_delivery.status_code == 400 and "X-GitHub-Delivery" in no_delivery.json()["detail"]
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("name", ["ping", "ping.organization"])
def test_a_ping_is_answered_and_not_stored(client: APIClient, name: str) -> None:
    binding = binding_for()
    response = post(client, binding, (FIXTURES / f"{name}.json").read_bytes(), event="ping")
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert response.json()["detail"].startswith("pong")
    assert not Delivery.objects.exists()
    # A ping with a wrong signature tells the person setting up the webhook so.
    wrong = post(client, binding, (FIXTURES / f"{name}.json").read_bytes(), event="ping", secret="wrong")
    assert wrong.status_code == 401


def test_an_event_not_used_is_acknowledged_and_not_stored(client: APIClient) -> None:
    binding = binding_for()
    response = post(client, binding, b'{"action": "created"}', event="star")
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "detail": "star events are not used."}
    assert not Delivery.objects.exists()


# -- scope -----------------------------------------------------------------------------------------------------
def test_a_repository_outside_the_scope_is_ignored(client: APIClient) -> None:
    binding = binding_for(scope="Codertocat/Hello")  # a prefix of the name is another repository
    delivery = deliver(client, binding, "push", load("push"))
    assert (delivery.status, delivery.event_count) == (DeliveryStatus.IGNORED, 0)
    assert not Change.objects.exists()


def test_an_owner_scope_takes_every_repository_of_the_owner(client: APIClient) -> None:
    binding = binding_for(scope="codertocat")  # GitHub names are case-insensitive
    assert deliver(client, binding, "push", load("push")).status == DeliveryStatus.PROCESSED
    other_owner = binding_for(scope="octo-org")
    assert deliver(client, other_owner, "push", load("push")).status == DeliveryStatus.IGNORED
    assert Change.objects.filter(binding=binding).count() == 1
    assert not Change.objects.filter(binding=other_owner).exists()


# -- push → changes --------------------------------------------------------------------------------------------
def test_a_push_is_read_into_its_commits(client: APIClient) -> None:
    binding = binding_for()
    delivery = deliver(client, binding, "push", load("push"))
    assert (delivery.status, delivery.event_count) == (DeliveryStatus.PROCESSED, 1)
    change = Change.objects.get()
    assert change.source_id == f"{REPO}@6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert change.contract_id == binding.contract_id
    assert change.parent_sha == ""  # a new branch: ``before`` is all zeros
    assert change.authored_at == utc("2019-05-15T15:19:25Z")
    assert (change.author_email, change.author_login) == ("21031067+Codertocat@users.noreply.github.com", "Codertocat")
    assert change.by_vendor is None  # the vendor has no identity rules
    assert (change.message, change.is_revert, change.is_hotfix) == ("Initial commit", False, False)
    assert change.url == f"https://github.com/{REPO}/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert change.observed_at == dt.datetime.fromtimestamp(1557933657, tz=dt.UTC)  # repository.pushed_at


def _commit(template: dict[str, Any], sha: str, message: str, minute: int, login: str) -> dict[str, Any]:
    return {
        **template,
        "id": sha,
        "message": message,
        "timestamp": f"2019-05-15T15:{minute:02d}:00Z",
        "author": {**template["author"], "username": login, "email": f"{login}@acme.example"},
    }


def test_a_push_chains_its_commits_and_flags_rework(client: APIClient) -> None:
    binding = binding_for()
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="acme.example")
    payload = load("push")
    template = payload["commits"][0]
    before, first, second, third = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)
    pushed = variant(
        payload,
        before=before,
        created=False,
        commits=[
            _commit(template, first, "Add login", 21, "dev-1"),
            _commit(template, second, 'Revert "Add login"\n\nThis reverts commit ' + first, 22, "dev-2"),
            _commit(template, third, "Hot-fix: null check on login", 23, "dev-1"),
        ],
    )
    deliver(client, binding, "push", pushed)
    changes = {change.sha: change for change in Change.objects.all()}
    assert [changes[sha].parent_sha for sha in (first, second, third)] == [before, first, second]
    assert [changes[sha].is_revert for sha in (first, second, third)] == [False, True, False]
    assert [changes[sha].is_hotfix for sha in (first, second, third)] == [False, False, True]
    assert changes[second].message == 'Revert "Add login"'
    assert all(change.by_vendor is True for change in changes.values())

    # The same commits pushed again by force: the first one's parent is no longer known.
    forced = variant(pushed, forced=True, before="e" * 40)
    deliver(client, binding, "push", forced)
    assert Change.objects.get(sha=first).parent_sha == before  # unknown now: the value known is kept
    # A branch named hotfix/… makes all its commits hot-fixes.
    hotfix = variant(pushed, ref="refs/heads/hotfix/login", before="0" * 40)
    deliver(client, binding, "push", hotfix)
    assert set(Change.objects.values_list("is_hotfix", flat=True)) == {True}


def test_a_tag_or_a_deleted_branch_has_no_changes(client: APIClient) -> None:
    binding = binding_for()
    assert deliver(client, binding, "push", variant(load("push"), ref="refs/tags/v1")).status == DeliveryStatus.IGNORED
    deleted = variant(load("push"), deleted=True, after="0" * 40, commits=[])
    assert deliver(client, binding, "push", deleted).status == DeliveryStatus.IGNORED
    assert not Change.objects.exists()


# -- pull requests ---------------------------------------------------------------------------------------------
def test_a_pull_request_is_opened_closed_and_merged(client: APIClient) -> None:
    binding = binding_for()
    deliver(client, binding, "pull_request", load("pull_request.opened"))
    pr = PullRequest.objects.get()
    assert (pr.source_id, pr.number, pr.state) == (f"{REPO}#2", 2, "open")
    assert (pr.title, pr.author_login, pr.by_vendor) == ("Update the README with new information.", "Codertocat", None)
    assert pr.opened_at == utc("2019-05-15T15:20:33Z")
    assert (pr.merged_at, pr.merge_sha, pr.is_revert, pr.is_hotfix) == (None, "", False, False)
    assert pr.url == f"https://github.com/{REPO}/pull/2"

    deliver(client, binding, "pull_request", load("pull_request.closed"))
    pr.refresh_from_db()
    assert (pr.state, pr.merged_at, pr.merge_sha) == ("closed", None, "")  # closed without merging

    closed = load("pull_request.closed")
    merged = variant(closed, pull_request__merged=True, pull_request__merged_at="2019-05-15T15:21:18Z")
    deliver(client, binding, "pull_request", merged)
    pr.refresh_from_db()
    assert (pr.state, pr.merged_at) == ("merged", utc("2019-05-15T15:21:18Z"))
    assert pr.merge_sha == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert PullRequest.objects.count() == 1


def test_a_revert_or_hotfix_pull_request_is_rework(client: APIClient) -> None:
    binding = binding_for()
    opened = load("pull_request.opened")
    deliver(client, binding, "pull_request", variant(opened, pull_request__title='Revert "Update the README"'))
    assert PullRequest.objects.get().is_revert is True
    hotfix_branch = variant(
        opened, pull_request__number=3, pull_request__head={**opened["pull_request"]["head"], "ref": "hotfix/readme"}
    )
    hotfix_label = variant(opened, pull_request__number=4, pull_request__labels=[{"name": "Hot-fix"}])
    deliver(client, binding, "pull_request", hotfix_branch)
    deliver(client, binding, "pull_request", hotfix_label)
    assert dict(PullRequest.objects.values_list("number", "is_hotfix")) == {2: False, 3: True, 4: True}


def test_the_first_review_by_someone_else_is_kept(client: APIClient) -> None:
    binding = binding_for()
    review = load("pull_request_review.submitted")
    # The published example is the author reviewing their own pull request: that is no review.
    own = deliver(client, binding, "pull_request_review", review)
    assert (own.status, own.event_count) == (DeliveryStatus.IGNORED, 0)

    reviewer = {**review["review"]["user"], "login": "reviewer-1", "id": 1}
    later = variant(review, review__user=reviewer, review__submitted_at="2019-05-15T18:00:00Z")
    earlier = variant(review, review__user=reviewer, review__submitted_at="2019-05-15T16:00:00Z")
    deliver(client, binding, "pull_request_review", later)
    deliver(client, binding, "pull_request_review", earlier)
    pr = PullRequest.objects.get()
    assert pr.first_review_at == utc("2019-05-15T16:00:00Z")
    assert (pr.number, pr.state, pr.opened_at) == (2, "open", utc("2019-05-15T15:20:33Z"))

    bot = variant(
        review, review__user={**reviewer, "login": "ci-bot", "type": "Bot"}, review__submitted_at="2019-05-15T15:30:00Z"
    )
    assert deliver(client, binding, "pull_request_review", bot).status == DeliveryStatus.IGNORED
    ghost = variant(review, review__user=None, review__submitted_at="2019-05-15T15:26:00Z")  # a deleted account
    assert deliver(client, binding, "pull_request_review", ghost).status == DeliveryStatus.IGNORED
    dismissed = variant(later, action="dismissed", review__submitted_at="2019-05-15T15:25:00Z")
    assert deliver(client, binding, "pull_request_review", dismissed).status == DeliveryStatus.IGNORED
    assert PullRequest.objects.get().first_review_at == utc("2019-05-15T16:00:00Z")


# -- deployments -----------------------------------------------------------------------------------------------
def test_a_deployment_status_is_read_into_a_deployment(client: APIClient) -> None:
    binding = binding_for()
    deliver(client, binding, "deployment_status", load("deployment_status.created"))
    deployment = Deployment.objects.get()
    assert (deployment.source_id, deployment.repository, deployment.environment) == ("145988746", REPO, "production")
    assert (deployment.status, deployment.is_rollback) == ("success", False)
    assert deployment.sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert deployment.started_at == utc("2019-05-15T15:20:53Z")
    assert deployment.finished_at == utc("2019-05-15T15:20:55Z")
    assert deployment.url == f"https://github.com/{REPO}/deployments"


def test_a_status_that_is_not_final_never_overwrites_a_final_one(client: APIClient) -> None:
    binding = binding_for()
    success = load("deployment_status.created")
    # "in_progress" of the same second arrives after "success": the deployment stays a success.
    deliver(client, binding, "deployment_status", success)
    deliver(client, binding, "deployment_status", variant(success, deployment_status__state="in_progress"))
    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.finished_at) == ("success", utc("2019-05-15T15:20:55Z"))
    # GitHub marks an older deployment "inactive" when a newer one succeeds: that says nothing.
    inactive = variant(
        success, deployment_status__state="inactive", deployment_status__updated_at="2019-05-16T00:00:00Z"
    )
    assert deliver(client, binding, "deployment_status", inactive).status == DeliveryStatus.IGNORED
    assert Deployment.objects.get().status == "success"


@pytest.mark.parametrize(
    ("state", "status", "finished"),
    [
        ("error", "failure", True),
        ("failure", "failure", True),
        ("queued", "in_progress", False),
        ("pending", "in_progress", False),
    ],
)
def test_deployment_states_map_to_statuses(client: APIClient, state: str, status: str, finished: bool) -> None:
    binding = binding_for()
    deliver(
        client, binding, "deployment_status", variant(load("deployment_status.created"), deployment_status__state=state)
    )
    deployment = Deployment.objects.get()
    assert deployment.status == status
    assert (deployment.finished_at is not None) is finished


@pytest.mark.parametrize(
    "changes",
    [
        {"deployment__task": "deploy:rollback"},
        {"deployment__ref": "hotfix/login"},
        {"deployment__description": "Rollback to v1.2"},
    ],
    ids=["task", "ref", "description"],
)
def test_a_rollback_deployment_is_marked(client: APIClient, changes: dict[str, str]) -> None:
    binding = binding_for()
    deliver(client, binding, "deployment_status", variant(load("deployment_status.created"), **changes))
    assert Deployment.objects.get().is_rollback is True


def test_a_workflow_run_counts_only_when_named_like_a_production_environment(client: APIClient) -> None:
    run = load("workflow_run.completed")  # workflow "test" of octo-org/octo-repo, concluded success
    binding = binding_for(scope="octo-org/octo-repo")
    assert deliver(client, binding, "workflow_run", run).status == DeliveryStatus.IGNORED

    deploying = binding_for(scope="octo-org", production_environments=["Test"])
    deliver(client, deploying, "workflow_run", run)
    deployment = Deployment.objects.get()
    assert (deployment.source_id, deployment.environment, deployment.status) == (
        "workflow_run:289782451",
        "Test",
        "success",
    )
    assert deployment.sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"
    assert deployment.finished_at == utc("2020-10-05T16:33:49Z")
    assert deployment.url == "https://github.com/octo-org/octo-repo/actions/runs/289782451"

    cancelled = variant(run, workflow_run__id=289782452, workflow_run__conclusion="cancelled")
    assert deliver(client, deploying, "workflow_run", cancelled).status == DeliveryStatus.IGNORED


# -- issues ----------------------------------------------------------------------------------------------------
def test_an_issue_is_opened_and_closed(client: APIClient) -> None:
    binding = binding_for()
    opened = load("issues.opened")
    deliver(client, binding, "issues", opened)
    issue = TrackerIssue.objects.get()
    assert (issue.source_id, issue.key, issue.project) == (f"{REPO}#1", f"{REPO}#1", REPO)
    assert (issue.is_bug, issue.issue_type, issue.title) == (True, "Bug", "Spelling error in the README file")
    assert (issue.opened_at, issue.resolved_at, issue.first_response_at) == (utc("2019-05-15T15:20:18Z"), None, None)

    closed = variant(
        opened,
        action="closed",
        issue__state="closed",
        issue__closed_at="2019-05-17T09:00:00Z",
        issue__updated_at="2019-05-17T09:00:00Z",
    )
    deliver(client, binding, "issues", closed)
    issue.refresh_from_db()
    assert issue.resolved_at == utc("2019-05-17T09:00:00Z")

    # Without a bug label, GitHub's issue type says it.
    typed = variant(opened, issue__number=5, issue__labels=[], issue__type={"id": 1, "name": "Bug"})
    untyped = variant(opened, issue__number=6, issue__labels=[{"name": "question"}])
    deliver(client, binding, "issues", typed)
    deliver(client, binding, "issues", untyped)
    assert dict(TrackerIssue.objects.values_list("key", "is_bug")) == {
        f"{REPO}#1": True,
        f"{REPO}#5": True,
        f"{REPO}#6": False,
    }


def test_the_first_comment_by_someone_else_is_the_first_response(client: APIClient) -> None:
    binding = binding_for()
    comment = load("issue_comment.created")
    # The published example is the reporter commenting on their own issue: no response.
    assert deliver(client, binding, "issue_comment", comment).status == DeliveryStatus.IGNORED

    answer = variant(comment, comment__user={**comment["comment"]["user"], "login": "support-1"})
    deliver(client, binding, "issue_comment", answer)
    assert TrackerIssue.objects.get().first_response_at == utc(comment["comment"]["created_at"])

    # With identity rules, only the vendor's people respond for the vendor.
    ruled = binding_for(scope="codertocat")
    factories.VendorIdentityRuleFactory(vendor=ruled.contract.vendor, kind="login", value="vendor-dev")
    assert deliver(client, ruled, "issue_comment", answer).status == DeliveryStatus.IGNORED
    vendor_answer = variant(comment, comment__user={**comment["comment"]["user"], "login": "Vendor-Dev"})
    assert deliver(client, ruled, "issue_comment", vendor_answer).status == DeliveryStatus.PROCESSED

    on_pull_request = variant(answer, issue__pull_request={"url": "https://api.github.com/repos/x/y/pulls/1"})
    assert deliver(client, binding, "issue_comment", on_pull_request).status == DeliveryStatus.IGNORED


# -- the fixtures are what GitHub documents ----------------------------------------------------------------------
SCHEMA_DEFINITIONS = {
    "push": "push$event",
    "ping": "ping$event",
    "ping.organization": "ping$event",
    "pull_request.opened": "pull_request$opened",
    "pull_request.closed": "pull_request$closed",
    "pull_request_review.submitted": "pull_request_review$submitted",
    "deployment_status.created": "deployment_status$created",
    "workflow_run.completed": "workflow_run$completed",
    "issues.opened": "issues$opened",
    "issue_comment.created": "issue_comment$created",
}


@pytest.mark.parametrize("name", sorted(SCHEMA_DEFINITIONS))
def test_each_fixture_matches_the_octokit_schema(name: str) -> None:
    schema = json.loads((FIXTURES / "webhooks-schemas.subset.json").read_bytes())
    schema["$ref"] = f"#/definitions/{SCHEMA_DEFINITIONS[name]}"
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(load(name))]
    assert errors == []
