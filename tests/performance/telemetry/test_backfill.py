"""Backfill: each source's REST API (mocked with respx, answering what its documentation shows:
fixtures/backfill/README.md) paged through, wrapped as its webhooks and processed by the real parsers —
into the same events the webhooks would have made. Rate limits are waited out through the injected
sleeper, a refused token is a readable error without the token, and a second run changes nothing
(``apps.performance.telemetry.backfill``, ``manage.py telemetry_backfill``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from django.core.management import CommandError, call_command

from apps.performance.models import Change, Delivery, Deployment, Incident, PullRequest, Sprint, TrackerIssue
from apps.performance.telemetry import secrets
from apps.performance.telemetry.backfill import BackfillError, telemetry_backfill
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "backfill"
NOW = 1_790_000_000.0  # the injected clock: rate-limit resets are given relative to it
OCTOBER = {"since": dt.date(2026, 10, 1), "until": dt.date(2026, 10, 31)}
TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def paged(pages: list[Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A list endpoint answering ``?page=N`` with a ``Link`` header to the next page, as GitHub and
    GitLab do."""

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        headers = {}
        if number < len(pages):
            following = request.url.copy_set_param("page", str(number + 1))
            last = request.url.copy_set_param("page", str(len(pages)))
            headers["Link"] = f'<{following}>; rel="next", <{last}>; rel="last"'
        return httpx.Response(200, json=pages[number - 1], headers=headers)

    return respond


def first_then(first: httpx.Response, then: Callable[[httpx.Request], httpx.Response]) -> Callable[..., Any]:
    answers: Iterator[httpx.Response] = iter([first])

    def respond(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or then(request)

    return respond


def backfill(binding: Any, waits: list[float] | None = None, **period: Any) -> Any:
    return telemetry_backfill(
        binding=binding,
        sleeper=(waits if waits is not None else []).append,
        clock=lambda: NOW,
        **(period or OCTOBER),
    )


def assert_all_processed(binding: Any) -> None:
    failed = list(Delivery.objects.filter(binding=binding, status="failed").values_list("delivery_id", "error"))
    assert failed == []
    assert not Delivery.objects.filter(binding=binding, status="received").exists()


# -- GitHub -------------------------------------------------------------------------------------------------
GH = "https://api.github.com/repos/vendor-org/service-api"
C1, C2, C3, ROOT = "a" * 39 + "1", "b" * 39 + "2", "c" * 39 + "3", "9" * 40


def github_api(mock: respx.MockRouter) -> dict[str, respx.Route]:
    routes = {
        "repository": mock.get(GH).respond(json=load("github/repository.json")),
        "deployments": mock.get(f"{GH}/deployments").mock(
            side_effect=paged([load("github/deployments.page1.json"), load("github/deployments.page2.json")])
        ),
        "commits": mock.get(f"{GH}/commits").mock(
            side_effect=paged([load("github/commits.page1.json"), load("github/commits.page2.json")])
        ),
        "pulls": mock.get(f"{GH}/pulls").respond(json=load("github/pulls.json")),
        "issues": mock.get(f"{GH}/issues").respond(json=load("github/issues.json")),
        "comments": mock.get(f"{GH}/issues/comments").respond(json=load("github/issue_comments.json")),
    }
    for number in (101, 102):
        routes[f"statuses {number}"] = mock.get(f"{GH}/deployments/{number}/statuses").respond(
            json=load(f"github/deployment_statuses.{number}.json")
        )
    for number in (12, 13):
        routes[f"reviews {number}"] = mock.get(f"{GH}/pulls/{number}/reviews").respond(
            json=load(f"github/reviews.{number}.json")
        )
    return routes


@pytest.fixture
def github_binding() -> Any:
    binding = factories.SourceBindingFactory(source="github", scope="vendor-org/service-api")
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="login", value="vendor-dev")
    return binding


def test_github_history_becomes_the_events_its_webhooks_would_have_made(github_binding: Any) -> None:
    with respx.mock(assert_all_called=False) as mock:
        routes = github_api(mock)
        result = backfill(github_binding)
    assert_all_processed(github_binding)
    # Two pages of deployments, read newest first until the period's start: no. 100 (September) is not.
    assert routes["deployments"].call_count == 2 and routes["commits"].call_count == 2
    deployments = {d.source_id: d for d in Deployment.objects.filter(binding=github_binding)}
    assert set(deployments) == {"101", "102"}
    assert (deployments["102"].status, deployments["102"].sha) == ("success", C3)
    assert deployments["102"].finished_at == at("2026-10-06T12:05:00")
    assert deployments["101"].status == "failure"
    # The commits list gives parents: each commit is chained to its first parent, across pages.
    changes = {c.sha: c for c in Change.objects.filter(binding=github_binding)}
    assert {sha: c.parent_sha for sha, c in changes.items()} == {C1: ROOT, C2: C1, C3: C2}
    assert changes[C3].is_revert and not changes[C2].is_revert
    assert (changes[C2].by_vendor, changes[C1].by_vendor) == (True, False)  # the identity rule (login)
    assert changes[C2].url == f"https://github.com/vendor-org/service-api/commit/{C2}"
    pulls = {p.number: p for p in PullRequest.objects.filter(binding=github_binding)}
    assert set(pulls) == {12, 13}  # no. 5 was last updated before the period
    assert (pulls[12].state, pulls[12].merged_at, pulls[12].merge_sha) == ("merged", at("2026-10-05T09:30:00"), C2)
    assert pulls[12].first_review_at == at("2026-10-04T15:00:00")  # the approval; the pending review is not one
    assert pulls[13].state == "open" and pulls[13].is_revert
    [issue] = TrackerIssue.objects.filter(binding=github_binding)
    assert (issue.key, issue.is_bug, issue.resolved_at) == (
        "vendor-org/service-api#20",
        True,
        at("2026-10-07T16:00:00"),
    )
    assert issue.first_response_at == at("2026-10-03T12:00:00")
    assert {kind: counts["new"] for kind, counts in result.kinds.items()} == {
        "deployment status": 3,
        "commit": 3,
        "pull request": 2,
        "review": 1,
        "issue": 1,
        "issue comment": 1,
    }
    assert Delivery.objects.filter(delivery_id="backfill:github:deployment_status:2002", event_type="deployment_status")
    github_binding.refresh_from_db()
    assert github_binding.last_event_at is None  # a backfill is not the source speaking


def test_an_organisation_scope_reads_each_of_its_repositories() -> None:
    binding = factories.SourceBindingFactory(source="github", scope="vendor-org")
    with respx.mock(assert_all_called=False) as mock:
        github_api(mock)
        mock.get("https://api.github.com/orgs/vendor-org").respond(json=load("github/repository.json")["owner"])
        listing = mock.get("https://api.github.com/orgs/vendor-org/repos").respond(
            json=[load("github/repository.json")]
        )
        backfill(binding)
    assert listing.call_count == 1 and listing.calls[0].request.url.params["type"] == "all"
    assert_all_processed(binding)
    assert Deployment.objects.filter(binding=binding, repository="vendor-org/service-api").count() == 2
    assert Change.objects.filter(binding=binding).count() == 3


def test_every_request_says_who_asks_and_carries_the_token_only_in_a_header(github_binding: Any) -> None:
    github_binding.api_token_sealed = secrets.seal(TOKEN)
    github_binding.save()
    with respx.mock(assert_all_called=False) as mock:
        routes = github_api(mock)
        backfill(github_binding)
    requests = [call.request for route in routes.values() for call in route.calls]
    assert requests
    for request in requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["User-Agent"].startswith("vendor-governance-telemetry-backfill/")
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert TOKEN not in str(request.url)


def test_a_second_run_changes_nothing(github_binding: Any) -> None:
    with respx.mock(assert_all_called=False) as mock:
        github_api(mock)
        backfill(github_binding)
        before = list(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts", "processed_at"))
        events = Change.objects.count() + Deployment.objects.count() + PullRequest.objects.count()
        again = backfill(github_binding)
    assert list(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts", "processed_at")) == before
    assert Change.objects.count() + Deployment.objects.count() + PullRequest.objects.count() == events
    assert all(counts["new"] == 0 and counts["known"] == counts["fetched"] > 0 for counts in again.kinds.values())


def test_an_exhausted_rate_limit_is_waited_out_then_the_run_goes_on(github_binding: Any) -> None:
    limited = httpx.Response(
        403,
        json={
            "message": "API rate limit exceeded for user ID 1001.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)},
    )
    waits: list[float] = []
    with respx.mock(assert_all_called=False) as mock:
        routes = github_api(mock)
        # The last request of the quota succeeds and says so: the next one waits for the reset first.
        routes["repository"].respond(
            json=load("github/repository.json"),
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 10)},
        )
        pages = paged([load("github/commits.page1.json"), load("github/commits.page2.json")])
        routes["commits"].mock(side_effect=first_then(limited, pages))
        result = backfill(github_binding, waits)
    assert waits == [11.0, 31.0]
    assert result.waited_seconds == 42.0
    assert routes["commits"].call_count == 3  # refused once, then both pages
    assert Change.objects.filter(binding=github_binding).count() == 3


def test_a_secondary_rate_limit_waits_as_long_as_retry_after_says(github_binding: Any) -> None:
    waits: list[float] = []
    limited = httpx.Response(
        403,
        json={"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
        headers={"retry-after": "20"},
    )
    with respx.mock(assert_all_called=False) as mock:
        routes = github_api(mock)
        routes["pulls"].mock(
            side_effect=first_then(limited, lambda r: httpx.Response(200, json=load("github/pulls.json")))
        )
        backfill(github_binding, waits)
    assert waits == [20.0]
    assert PullRequest.objects.filter(binding=github_binding).count() == 2


def test_a_wait_past_the_limit_stops_the_run_and_says_when_to_run_it_again(github_binding: Any) -> None:
    limited = httpx.Response(
        429,
        json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)},
    )
    with respx.mock(assert_all_called=False) as mock:
        routes = github_api(mock)
        routes["commits"].mock(return_value=limited)
        with pytest.raises(BackfillError, match="run the backfill again after that time"):
            backfill(github_binding)
    # What came before the refusal is stored and processed; the re-run skips it.
    assert Deployment.objects.filter(binding=github_binding).count() == 2


def test_a_refused_token_is_a_readable_error_without_the_token(
    github_binding: Any, caplog: pytest.LogCaptureFixture
) -> None:
    github_binding.api_token_sealed = secrets.seal(TOKEN)
    github_binding.save()
    out, err = StringIO(), StringIO()
    with respx.mock(assert_all_called=False) as mock, caplog.at_level(logging.DEBUG):
        mock.get(GH).respond(
            401,
            json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"},
        )
        with pytest.raises(CommandError) as refused:
            call_command(
                "telemetry_backfill", str(github_binding.public_id), "--since", "2026-10-01", stdout=out, stderr=err
            )
    message = str(refused.value)
    assert "GitHub refused the API token (401 Unauthorized" in message
    assert "replace the binding's API token" in message
    assert TOKEN not in message + out.getvalue() + err.getvalue() + caplog.text
    assert not Delivery.objects.exists()


def test_the_command_prints_a_summary_per_kind(github_binding: Any) -> None:
    out = StringIO()
    with respx.mock(assert_all_called=False) as mock:
        github_api(mock)
        call_command(
            "telemetry_backfill", str(github_binding.pk), "--since", "2026-10-01", "--until", "2026-10-31", stdout=out
        )
        call_command(
            "telemetry_backfill", str(github_binding.pk), "--since", "2026-10-01", "--until", "2026-10-31", stdout=out
        )
    text = out.getvalue()
    assert "deployment status: 3 fetched, 3 new (3 processed), 0 stored before" in text
    assert "commit: 3 fetched, 3 new (3 processed), 0 stored before" in text
    assert "commit: 3 fetched, 0 new, 3 stored before" in text  # the second run


def test_a_moved_repository_is_reported_not_followed(github_binding: Any) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(GH).respond(
            301,
            json={"message": "Moved Permanently", "url": "https://api.github.com/repositories/1296269"},
            headers={"Location": "https://api.github.com/repositories/1296269"},
        )
        with pytest.raises(BackfillError, match="moved to /repositories/1296269 \\(301\\)"):
            backfill(github_binding)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999999", "--since", "2026-10-01"], "No source binding has the id “999999”."),
        (["not-a-binding", "--since", "2026-10-01"], "is neither a binding's id nor its public id"),
        (["{pk}", "--since", "2026-13-01"], "--since wants a date as YYYY-MM-DD"),
        (
            ["{pk}", "--since", "2026-10-31", "--until", "2026-10-01"],
            "--since (2026-10-31) is after --until (2026-10-01)",
        ),
    ],
)
def test_wrong_arguments_are_readable_errors(github_binding: Any, arguments: list[str], message: str) -> None:
    arguments = [argument.format(pk=github_binding.pk) for argument in arguments]
    with respx.mock(assert_all_called=False), pytest.raises(CommandError) as refused:
        call_command("telemetry_backfill", *arguments, stdout=StringIO())
    assert message in str(refused.value)


def test_a_generic_binding_has_no_api_to_backfill_from() -> None:
    binding = factories.SourceBindingFactory(source="generic", scope="ci")
    with pytest.raises(CommandError, match="no API to backfill from"):
        call_command("telemetry_backfill", str(binding.pk), "--since", "2026-10-01", stdout=StringIO())


# -- GitLab -------------------------------------------------------------------------------------------------
GL = "https://gitlab.example.com/api/v4"
G0, G1, G2 = "0123456789abcdef0123456789abcdef01234567", "1" * 40, "2" * 40


def test_gitlab_history_with_its_rate_limit(settings: Any) -> None:
    settings.TELEMETRY_GITLAB_TOKEN = "glpat-example-token-000"
    binding = factories.SourceBindingFactory(
        source="gitlab", scope="vendor-group/service-web", api_base_url="https://gitlab.example.com"
    )
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="vendor.example")
    # GitLab's notes name their author without an e-mail: the vendor's people are known by login there.
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="login", value="vendor-dev")
    waits: list[float] = []
    limited = httpx.Response(
        429,
        text="Retry later",
        headers={
            "Retry-After": "5",
            "RateLimit-Limit": "2000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(NOW) + 5),
        },
    )
    with respx.mock(assert_all_called=False) as mock:
        project = mock.get(f"{GL}/projects/vendor-group%2Fservice-web").respond(json=load("gitlab/project.json"))
        mock.get(f"{GL}/projects/42/deployments").mock(
            side_effect=paged([load("gitlab/deployments.page1.json"), load("gitlab/deployments.page2.json")])
        )
        commits = mock.get(f"{GL}/projects/42/repository/commits").mock(
            side_effect=first_then(limited, paged([load("gitlab/commits.json")]))
        )
        mock.get(f"{GL}/projects/42/merge_requests").respond(json=load("gitlab/merge_requests.json"))
        mock.get(f"{GL}/projects/42/merge_requests/7/notes").respond(json=load("gitlab/merge_request_notes.7.json"))
        mock.get(f"{GL}/projects/42/issues").respond(json=load("gitlab/issues.json"))
        mock.get(f"{GL}/projects/42/issues/3/notes").respond(json=load("gitlab/issue_notes.3.json"))
        result = backfill(binding, waits)
        again = backfill(binding)
    assert_all_processed(binding)
    assert waits == [5.0]
    assert project.calls[0].request.url.raw_path == b"/api/v4/projects/vendor-group%2Fservice-web"
    assert project.calls[0].request.headers["PRIVATE-TOKEN"] == "glpat-example-token-000"
    assert commits.calls[-1].request.url.params["ref_name"] == "main"
    deployments = {d.source_id: d for d in Deployment.objects.filter(binding=binding)}
    assert {key: (d.status, d.sha, d.environment) for key, d in deployments.items()} == {
        "41": ("success", G1, "production"),
        "43": ("failure", G2, "production"),
    }
    assert deployments["41"].finished_at == at("2026-10-08T10:05:00")
    changes = {c.sha: c for c in Change.objects.filter(binding=binding)}
    assert {sha: c.parent_sha for sha, c in changes.items()} == {G1: G0, G2: G1}
    assert all(c.by_vendor for c in changes.values())
    [mr] = PullRequest.objects.filter(binding=binding)
    assert (mr.source_id, mr.state, mr.merged_at) == ("vendor-group/service-web!7", "merged", at("2026-10-07T12:00:00"))
    assert (mr.author_login, mr.merge_sha) == ("vendor-dev", G1)
    assert mr.first_review_at == at("2026-10-06T15:00:00")  # the reviewer's note; the system note is not one
    [issue] = TrackerIssue.objects.filter(binding=binding)
    assert (issue.is_bug, issue.resolved_at) == (True, at("2026-10-09T16:00:00"))
    assert issue.first_response_at == at("2026-10-05T11:00:00")
    assert result.kinds["comment"]["new"] == 2 and result.kinds["deployment"]["new"] == 2
    assert all(counts["new"] == 0 for counts in again.kinds.values())


# -- Jira ---------------------------------------------------------------------------------------------------
JIRA = "https://vendor-shop.atlassian.net"


def test_jira_issues_comments_transitions_and_sprints(settings: Any) -> None:
    settings.TELEMETRY_JIRA_EMAIL = "telemetry@customer.example"
    settings.TELEMETRY_JIRA_TOKEN = "ATATT3xFfGF0-example"
    binding = factories.SourceBindingFactory(source="jira", scope="SHOP", api_base_url=JIRA)
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="vendor.example")

    def search(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("nextPageToken")
        return httpx.Response(
            200, json=load("jira/search.page2.json" if token == "CAEaAggD" else "jira/search.page1.json")
        )

    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(f"{JIRA}/rest/api/2/search/jql").mock(side_effect=search)
        result = backfill(binding)
    assert_all_processed(binding)
    assert route.call_count == 2
    first = route.calls[0].request
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.url.params["jql"].startswith('project = "SHOP" AND updated >= "2026-10-01 00:00"')
    assert first.url.params["jql"].endswith("ORDER BY updated ASC")
    issues = {i.key: i for i in TrackerIssue.objects.filter(binding=binding)}
    assert set(issues) == {"SHOP-1", "SHOP-2"}
    one, two = issues["SHOP-1"], issues["SHOP-2"]
    assert (one.is_bug, one.resolved_at, one.sprint, one.points) == (True, at("2026-10-08T15:00:00"), "37", 3)
    assert one.first_response_at == at("2026-10-05T11:00:00")  # the vendor's comment
    assert two.first_response_at == at("2026-10-06T10:00:00")  # the vendor moved it out of To Do
    assert two.resolved_at is None and two.url == f"{JIRA}/browse/SHOP-2"
    [sprint] = Sprint.objects.filter(binding=binding)
    assert (sprint.source_id, sprint.closed_at) == ("37", at("2026-10-14T16:30:00"))
    assert (sprint.committed_points, sprint.completed_points) == (8, 3)
    assert {kind: counts["new"] for kind, counts in result.kinds.items()} == {
        "issue": 2,
        "issue comment": 1,
        "status change": 1,
        "sprint": 1,
    }


def test_a_jira_binding_needs_its_site_and_a_token(settings: Any) -> None:
    settings.TELEMETRY_JIRA_TOKEN = ""
    binding = factories.SourceBindingFactory(source="jira", scope="SHOP", api_base_url=JIRA)
    with pytest.raises(BackfillError, match="No Jira API token: set TELEMETRY_JIRA_TOKEN and TELEMETRY_JIRA_EMAIL"):
        backfill(binding)
    settings.TELEMETRY_JIRA_TOKEN = "token"
    binding.api_base_url = ""
    with pytest.raises(BackfillError, match="address of its Jira site"):
        backfill(binding)


# -- PagerDuty ----------------------------------------------------------------------------------------------
def test_pagerduty_incidents_over_two_pages_after_a_429(settings: Any) -> None:
    settings.TELEMETRY_PAGERDUTY_TOKEN = "y_NbAkKc66ryYTWUXYEu"
    binding = factories.SourceBindingFactory(source="pagerduty", scope="PSHOP01")
    limited = httpx.Response(
        429,
        json={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
        headers={"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "7"},
    )

    def incidents(request: httpx.Request) -> httpx.Response:
        page = "page2" if request.url.params.get("offset") == "1" else "page1"
        return httpx.Response(200, json=load(f"pagerduty/incidents.{page}.json"))

    waits: list[float] = []
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get("https://api.pagerduty.com/incidents").mock(side_effect=first_then(limited, incidents))
        backfill(binding, waits)
        backfill(binding)
    assert_all_processed(binding)
    assert waits == [8.0]  # PagerDuty's reset is in seconds from now
    request = route.calls[1].request
    assert request.headers["Authorization"] == "Token token=y_NbAkKc66ryYTWUXYEu"
    assert request.url.params["service_ids[]"] == "PSHOP01"
    assert request.url.params["since"] == "2026-09-30T23:00:00Z"  # midnight in Europe/London (BST)
    incidents_by_id = {i.source_id: i for i in Incident.objects.filter(binding=binding)}
    fire, slow = incidents_by_id["PT4KHLK"], incidents_by_id["PT4KHLM"]
    assert (fire.status, fire.opened_at, fire.resolved_at) == (
        "resolved",
        at("2026-10-10T08:00:00"),
        at("2026-10-10T09:30:00"),
    )
    assert (fire.severity, fire.service, fire.title) == ("P2", "Shop checkout", "Checkout returns 502")
    assert (slow.status, slow.acknowledged_at, slow.resolved_at) == ("acknowledged", at("2026-10-11T10:05:00"), None)
    assert Delivery.objects.filter(binding=binding).count() == 4  # triggered ×2, resolved, acknowledged: once each
