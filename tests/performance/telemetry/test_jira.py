"""Jira Cloud webhooks through the real receiver (``apps.performance.telemetry.sources.jira``): the
``X-Hub-Signature`` check, one delivery per ``X-Atlassian-Webhook-Identifier``, and the payloads of
``fixtures/jira`` (written from Atlassian's documentation, see its README) turned into tracker issues
and sprints by the processing."""

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

from apps.performance.models import Delivery, Sprint, TrackerIssue
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.secrets import hmac_sha256_hex
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "jira"
CREATED = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
COMMENTED = dt.datetime(2026, 10, 5, 11, 30, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 10, 7, 16, 0, tzinfo=dt.UTC)


def stored(delivery: Delivery | None = None) -> Any:
    """The payload a delivery stored (the only delivery when none is named)."""
    payload = (delivery or Delivery.objects.get()).payload
    assert payload is not None
    return payload


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited(name: str, change: Any) -> bytes:
    document = json.loads(fixture(name))
    change(document)
    return json.dumps(document).encode()


def post(binding: Any, body: bytes, *, delivery: str | None = None, signature: str | None = None) -> Any:
    headers = {"HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": delivery or str(uuid.uuid4())}
    signed = signature if signature is not None else "sha256=" + hmac_sha256_hex(binding.secret_plain, body)
    if signed:
        headers["HTTP_X_HUB_SIGNATURE"] = signed
    url = reverse("telemetry-jira", kwargs={"binding": binding.public_id})
    return APIClient().post(url, data=body, content_type="application/json", **headers)


def receive(binding: Any, name: str | bytes) -> str | None:
    """Post a fixture (or a body) with a valid signature and process what was stored."""
    body = fixture(name) if isinstance(name, str) else name
    response = post(binding, body)
    assert response.status_code == 202, response.json()
    return delivery_process(delivery_id=response.json()["delivery"])


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="jira", scope="API")


@pytest.fixture
def vendor_rule(binding: Any) -> Any:
    return factories.VendorIdentityRuleFactory(
        vendor=binding.contract.vendor, kind="email_domain", value="vendor.example"
    )


# -- the receiver ----------------------------------------------------------------------------------------
def test_a_signed_delivery_is_stored_once_and_a_replay_changes_nothing(binding: Any) -> None:
    body = fixture("issue_created.json")
    first = post(binding, body, delivery="a1b2c3d4-0001")
    assert first.status_code == 202 and first.json()["status"] == "accepted"
    delivery = Delivery.objects.get()
    assert (delivery.binding_id, delivery.delivery_id, delivery.event_type) == (
        binding.pk,
        "a1b2c3d4-0001",
        "jira:issue_created",
    )
    assert stored(delivery)["issue"]["key"] == "API-7"

    again = post(binding, edited("issue_created.json", lambda d: d.update(timestamp=1)), delivery="a1b2c3d4-0001")
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery": delivery.pk}
    assert Delivery.objects.count() == 1
    assert stored()["timestamp"] == 1791190800000


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "X-Hub-Signature header is missing"),
        ("sha256=" + "0" * 64, "not made with this binding's secret"),
        ("sha1=" + "0" * 40, "not made with this binding's secret"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(binding: Any, signature: str, reason: str) -> None:
    response = post(binding, fixture("issue_created.json"), signature=signature)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(binding: Any) -> None:
    body = fixture("issue_created.json")
    response = post(binding, body, signature="sha256=" + hmac_sha256_hex("another secret", body))
    assert response.status_code == 401


def test_an_unknown_or_inactive_binding_is_a_404(binding: Any) -> None:
    body = fixture("issue_created.json")
    response = APIClient().post(
        reverse("telemetry-jira", kwargs={"binding": uuid.uuid4()}), data=body, content_type="application/json"
    )
    assert response.status_code == 404
    github = factories.SourceBindingFactory(source="github")
    response = APIClient().post(
        reverse("telemetry-jira", kwargs={"binding": github.public_id}), data=body, content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"{not json", {}, "The body is not JSON"),
        (b'{"timestamp": 1}', {}, "webhookEvent: missing"),
        (
            json.dumps(
                {"webhookEvent": "jira:issue_created", "issue": {"key": "API-9", "fields": {"created": "soon"}}}
            ),
            {},
            "issue.fields.created: not an ISO 8601 time",
        ),
        (json.dumps({"webhookEvent": "jira:issue_created", "issue": "API-9"}), {}, "issue: expected a JSON object"),
        (None, {"delivery": ""}, "X-Atlassian-Webhook-Identifier header is missing"),
    ],
)
def test_a_malformed_delivery_is_a_400_with_the_reason_and_nothing_is_stored(
    binding: Any, body: Any, headers: dict[str, str], reason: str
) -> None:
    raw = fixture("issue_created.json") if body is None else (body if isinstance(body, bytes) else body.encode())
    if "delivery" in headers:
        url = reverse("telemetry-jira", kwargs={"binding": binding.public_id})
        response = APIClient().post(
            url,
            data=raw,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE="sha256=" + hmac_sha256_hex(binding.secret_plain, raw),
        )
    else:
        response = post(binding, raw)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_an_event_type_not_used_is_acknowledged_and_not_stored(binding: Any) -> None:
    body = edited("issue_created.json", lambda d: d.update(webhookEvent="jira:issue_deleted"))
    response = post(binding, body)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert not Delivery.objects.exists()


# -- issues ----------------------------------------------------------------------------------------------
def test_an_issue_becomes_a_tracker_issue(binding: Any) -> None:
    assert receive(binding, "issue_created.json") == "processed"
    issue = TrackerIssue.objects.get()
    assert (issue.binding_id, issue.contract_id, issue.source_id) == (binding.pk, binding.contract_id, "API-7")
    assert (issue.key, issue.project, issue.title) == ("API-7", "API", "Checkout returns 500 for EUR baskets")
    assert (issue.issue_type, issue.is_bug) == ("Bug", True)
    assert (issue.opened_at, issue.observed_at, issue.resolved_at) == (CREATED, CREATED, None)
    assert (issue.sprint, issue.points) == ("37", Decimal("3.00"))
    assert issue.url == "https://acme.atlassian.net/browse/API-7"
    assert issue.first_response_at is None  # the reporter created it: nobody has responded


def test_the_vendors_comment_and_resolution_give_first_response_and_resolution(binding: Any, vendor_rule: Any) -> None:
    receive(binding, "issue_created.json")
    assert receive(binding, "comment_created.json") == "processed"
    issue = TrackerIssue.objects.get()
    assert issue.first_response_at == COMMENTED
    assert (issue.observed_at, issue.is_bug, issue.points) == (CREATED, True, Decimal("3.00"))  # nothing overwritten

    # The vendor's developer moves it to Done: a later response, which does not replace the first.
    assert receive(binding, "issue_updated_resolved.json") == "processed"
    issue.refresh_from_db()
    assert (issue.resolved_at, issue.first_response_at, issue.observed_at) == (RESOLVED, COMMENTED, RESOLVED)


def test_a_comment_by_someone_not_the_vendors_is_no_response(binding: Any, vendor_rule: Any) -> None:
    receive(binding, "issue_created.json")

    def by_customer(document: dict[str, Any]) -> None:
        document["comment"]["author"].update(emailAddress="ops@customer.example", accountId="5b10a2844c20165700ede21h")

    assert receive(binding, edited("comment_created.json", by_customer)) == "ignored"
    assert TrackerIssue.objects.get().first_response_at is None


def test_without_identity_rules_a_comment_counts_when_its_author_is_not_the_reporter(binding: Any) -> None:
    receive(binding, "issue_created.json")
    # The comment event's issue does not name its reporter: without rules nothing says whose it is.
    assert receive(binding, "comment_created.json") == "ignored"

    def with_reporter(document: dict[str, Any]) -> None:
        document["issue"]["fields"]["reporter"] = {"accountId": "5b10a2844c20165700ede21g"}

    assert receive(binding, edited("comment_created.json", with_reporter)) == "processed"
    assert TrackerIssue.objects.get().first_response_at == COMMENTED

    def by_reporter(document: dict[str, Any]) -> None:
        with_reporter(document)
        document["comment"]["author"] = {"accountId": "5b10a2844c20165700ede21g", "displayName": "Dana Customer"}
        document["comment"]["created"] = "2026-10-05T10:00:00.000+0000"

    assert receive(binding, edited("comment_created.json", by_reporter)) == "ignored"
    assert TrackerIssue.objects.get().first_response_at == COMMENTED


def test_a_login_rule_matches_the_jira_account_id(binding: Any) -> None:
    factories.VendorIdentityRuleFactory(
        vendor=binding.contract.vendor, kind="login", value="712020:3f0d5c1e-9a40-4bd5-8cde-2a54f1d4a001"
    )
    receive(binding, "issue_created.json")
    no_email = edited("comment_created.json", lambda d: d["comment"]["author"].pop("emailAddress"))
    assert receive(binding, no_email) == "processed"
    assert TrackerIssue.objects.get().first_response_at == COMMENTED


def test_issues_of_another_project_are_ignored() -> None:
    other = factories.SourceBindingFactory(source="jira", scope="WEB")
    assert receive(other, "issue_created.json") == "ignored"
    assert not TrackerIssue.objects.exists()
    assert Delivery.objects.get().status == "ignored"


@pytest.mark.parametrize(
    ("component", "label", "kept"),
    [("checkout", "", True), ("billing", "", False), ("", "customer-reported", True), ("", "internal", False)],
)
def test_a_component_or_label_narrows_the_project(component: str, label: str, kept: bool) -> None:
    narrowed = factories.SourceBindingFactory(source="jira", scope="API", component=component, label=label)
    assert receive(narrowed, "issue_created.json") == ("processed" if kept else "ignored")
    # A comment's issue carries no components or labels: it follows the issue stored (or not).
    factories.VendorIdentityRuleFactory(vendor=narrowed.contract.vendor, kind="email_domain", value="vendor.example")
    assert receive(narrowed, "comment_created.json") == ("processed" if kept else "ignored")
    assert TrackerIssue.objects.filter(binding=narrowed).exists() is kept


# -- sprints ---------------------------------------------------------------------------------------------
def test_a_sprint_is_committed_at_its_start_and_completed_at_its_close(binding: Any) -> None:
    def second_issue(document: dict[str, Any]) -> None:
        document["issue"]["key"] = "API-8"
        document["issue"]["fields"]["customfield_10016"] = 5

    receive(binding, "issue_created.json")
    receive(binding, edited("issue_created.json", second_issue))
    assert receive(binding, "sprint_started.json") == "processed"
    sprint = Sprint.objects.get()
    assert (sprint.source_id, sprint.name, sprint.committed_points, sprint.completed_points) == (
        "37",
        "API Sprint 12",
        Decimal("8.00"),
        None,
    )
    assert sprint.started_at == dt.datetime(2026, 10, 1, 8, 0, 5, tzinfo=dt.UTC)

    receive(binding, "issue_updated_resolved.json")  # API-7 (3 points) is done; API-8 is not
    assert receive(binding, "sprint_closed.json") == "processed"
    sprint.refresh_from_db()
    assert (sprint.committed_points, sprint.completed_points) == (Decimal("8.00"), Decimal("3.00"))
    assert sprint.closed_at == dt.datetime(2026, 10, 15, 7, 30, tzinfo=dt.UTC)
    assert sprint.url.endswith("rapidView=1&view=reporting&chart=sprintRetrospective&sprint=37")


def test_a_sprint_closed_without_its_start_commits_what_its_issues_hold(binding: Any) -> None:
    receive(binding, "issue_updated_resolved.json")
    assert receive(binding, "sprint_closed.json") == "processed"
    sprint = Sprint.objects.get()
    assert (sprint.committed_points, sprint.completed_points) == (Decimal("3.00"), Decimal("3.00"))


def test_a_sprint_without_issues_of_the_binding_is_ignored(binding: Any) -> None:
    assert receive(binding, "sprint_started.json") == "ignored"
    assert not Sprint.objects.exists()
