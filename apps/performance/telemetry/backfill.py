"""Backfill: a new binding starts with history, read from its source's REST API
(``manage.py telemetry_backfill BINDING --since DATE``).

**One parser serves both paths.** What the API answers is not parsed here: each object is wrapped in
the envelope of the webhook that would have told us of it (a GitHub REST pull request becomes a
``pull_request`` delivery ``{"action": "closed", "pull_request": …, "repository": …}``; a GitLab commit a
``Push Hook`` with ``before`` set to its first parent), stored as a ``Delivery`` and processed by the
ordinary processing (``processing.delivery_process``) — so the merge rules, the scope checks and the
identity rules apply as they do to webhooks, and ``telemetry_reprocess`` can replay backfilled
deliveries after a rule change.

**Re-running changes nothing.** Each delivery has a synthetic id that is stable for the state it
carries (``backfill:github:deployment_status:<status id>``, ``backfill:github:pull_request:<id>:<updated
at>``): a second run over the same period finds every delivery stored and processes nothing again; an
object that changed since (a pull request merged after the first run) is one new delivery.

**Rate limits are waited out**, never hammered: GitHub's ``x-ratelimit-remaining``/``x-ratelimit-reset``
(an exhausted quota is waited for before the next request) and ``Retry-After`` on 403/429, GitLab's
``RateLimit-*`` and ``Retry-After``, PagerDuty's 429 — through an injectable ``sleeper`` (tests record the
waits instead of sleeping). A wait longer than ``MAX_RATE_LIMIT_WAIT`` stops the run with a message
saying when to run it again (what was stored so far stays; the re-run skips it).

**Tokens** come from the binding (``api_token_sealed``) or the settings (``TELEMETRY_GITHUB_TOKEN`` …),
travel only in request headers, and are never in a message, a log line or the command's output: every
error is a ``BackfillError`` written here, with the token scrubbed from anything the API echoed.

The binding's ``last_event_at`` is not touched: it says when the source last *sent* something, which a
backfill does not (a silent webhook stays silent, and is still reminded of).
"""

from __future__ import annotations

import base64
import email.utils
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.sql import compose
from apps.performance.choices import DeliveryStatus, TelemetrySource
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import Delivery, SourceBinding
from apps.performance.telemetry.processing import delivery_process

logger = logging.getLogger(__name__)

USER_AGENT = "vendor-governance-telemetry-backfill/1.0"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
PER_PAGE = 100
# The longest rate-limit wait a run sits through; past it, the run stops and says when to run again.
MAX_RATE_LIMIT_WAIT = 15 * 60.0
# A 429 (or a secondary-limit 403) that names no wait is retried after this many seconds.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# Rate-limit answers in a row on one request before the run gives up.
MAX_RATE_LIMITED_TRIES = 5
# PagerDuty answers ``since``/``until`` ranges of at most six months: longer periods are asked in pieces.
PAGERDUTY_MAX_RANGE = timedelta(days=179)
ZERO_SHA = "0" * 40

Sleeper = Callable[[float], None]
Clock = Callable[[], float]


class BackfillError(Exception):
    """Why a backfill stopped, in words for the person who ran it (never holding a token)."""


@dataclass(frozen=True)
class BackfillItem:
    """One object of the source's API, wrapped as the webhook delivery that would have told of it."""

    kind: str  # what the summary counts it as: "deployment status", "commit", "pull request", …
    delivery_id: str
    event_type: str
    payload: dict[str, Any]


@dataclass
class BackfillResult:
    """What a run did, per kind: fetched from the API, stored as new deliveries (and what their
    processing made of them: processed / ignored / failed), or found stored by an earlier run."""

    binding: SourceBinding
    since: date
    until: date
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    requests: int = 0
    waited_seconds: float = 0.0

    def count(self, kind: str, what: str, by: int = 1) -> None:
        self.kinds.setdefault(kind, Counter())[what] += by

    def lines(self) -> list[str]:
        rows = []
        for kind, counts in self.kinds.items():
            outcome = ", ".join(f"{counts[name]} {name}" for name in ("processed", "ignored", "failed") if counts[name])
            rows.append(
                f"{kind}: {counts['fetched']} fetched, {counts['new']} new"
                + (f" ({outcome})" if outcome else "")
                + f", {counts['known']} stored before"
            )
        return rows or ["nothing in the period"]


# -- HTTP ---------------------------------------------------------------------------------------------------
def _scrub(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text


def _header_number(response: httpx.Response, *names: str) -> float | None:
    for name in names:
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            return float(value)
        except ValueError:
            continue
    return None


class ApiSession:
    """A sync httpx client for one source's API: a timeout and a User-Agent on every request, the token
    only in headers, rate limits waited out through ``sleeper``, ``Link: rel="next"`` pages followed
    only on the API's own host (a token is never sent elsewhere)."""

    def __init__(
        self,
        *,
        label: str,
        base_url: str,
        headers: dict[str, str],
        token: str,
        token_hint: str,
        sleeper: Sleeper,
        clock: Clock = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.token = token
        self.token_hint = token_hint
        self.sleeper = sleeper
        self.clock = clock
        self.requests = 0
        self.waited = 0.0
        self._resume_at: float | None = None
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=TIMEOUT,
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def _wait(self, seconds: float, why: str) -> None:
        seconds = max(0.0, seconds)
        if seconds > MAX_RATE_LIMIT_WAIT:
            until = datetime.fromtimestamp(self.clock() + seconds, tz=UTC)
            raise BackfillError(
                f"{self.label}'s rate limit is exhausted until {until:%Y-%m-%d %H:%M} UTC ({why}). What was "
                "fetched so far is stored: run the backfill again after that time, it skips what it has."
            )
        logger.info("%s rate limit: waiting %.0f s (%s).", self.label, seconds, why)
        self.waited += seconds
        self.sleeper(seconds)

    def _reset_wait(self, response: httpx.Response) -> float | None:
        """Seconds until the quota is back, from ``x-ratelimit-reset`` / ``RateLimit-Reset`` (an epoch
        time at GitHub and GitLab; PagerDuty sends seconds from now: a small number is read so)."""
        reset = _header_number(response, "x-ratelimit-reset", "ratelimit-reset")
        if reset is None:
            return None
        return reset - self.clock() + 1 if reset > 1_000_000_000 else reset + 1

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            moment = email.utils.parsedate_to_datetime(value) if value else None
            return moment.timestamp() - self.clock() if moment is not None else None

    def _rate_limited(self, response: httpx.Response) -> float | None:
        """How long to wait before asking again, when ``response`` says the rate limit was hit."""
        if response.status_code not in (403, 429):
            return None
        retry_after = self._retry_after(response)
        if retry_after is not None:
            return retry_after
        if _header_number(response, "x-ratelimit-remaining", "ratelimit-remaining") == 0:
            return self._reset_wait(response) or DEFAULT_RATE_LIMIT_WAIT
        if response.status_code == 429 or "rate limit" in response.text[:500].lower():
            return DEFAULT_RATE_LIMIT_WAIT  # GitHub's secondary limit: a 403 that says so, without headers
        return None

    def _refuse(self, response: httpx.Response) -> BackfillError:
        where = urlsplit(str(response.request.url)).path
        status = response.status_code
        if status == 401:
            return BackfillError(
                f"{self.label} refused the API token (401 Unauthorized on {where}): {self.token_hint}."
            )
        if status == 403:
            return BackfillError(
                f"{self.label} forbids {where} to this token (403 Forbidden): give it read access to the "
                "repositories, projects or services of the binding."
            )
        if status == 404:
            return BackfillError(
                f"{self.label} does not know {where} (404 Not Found): check the binding's scope, and that the "
                "token can see it."
            )
        detail = _scrub(response.text[:200].strip(), self.token)
        return BackfillError(f"{self.label} answered {status} to {where}" + (f": {detail}" if detail else "."))

    def _request(self, path: str, params: dict[str, Any] | None, *, missing_ok: bool) -> httpx.Response | None:
        url = self.url(path)
        if urlsplit(url).netloc != self.host:
            raise BackfillError(f"{self.label} pointed to another host ({urlsplit(url).netloc}): not followed.")
        for _ in range(MAX_RATE_LIMITED_TRIES):
            if self._resume_at is not None:
                pause, self._resume_at = self._resume_at - self.clock(), None
                if pause > 0:
                    self._wait(pause, "the quota is used up")
            try:
                response = self.client.get(url, params=params)
            except httpx.TimeoutException:
                raise BackfillError(f"{self.label} did not answer in time ({urlsplit(url).path}).") from None
            except httpx.HTTPError as exc:
                reason = _scrub(str(exc), self.token) or type(exc).__name__
                raise BackfillError(f"{self.label} could not be reached: {reason}") from None
            self.requests += 1
            wait = self._rate_limited(response)
            if wait is not None:
                self._wait(wait, f"answered {response.status_code}")
                continue
            if missing_ok and response.status_code == 404:
                return None
            if response.is_redirect:
                # Not followed: a header token (GitLab's PRIVATE-TOKEN) would go wherever it points.
                moved = urlsplit(response.headers.get("location", "")).path or "another address"
                raise BackfillError(
                    f"{self.label} answered that {urlsplit(url).path} moved to {moved} ({response.status_code}): "
                    "it was renamed or moved; bind its new name (a binding's scope does not change)."
                )
            if response.status_code >= 400:
                raise self._refuse(response)
            if _header_number(response, "x-ratelimit-remaining", "ratelimit-remaining") == 0:
                self._resume_at = self.clock() + (self._reset_wait(response) or DEFAULT_RATE_LIMIT_WAIT)
            return response
        raise BackfillError(f"{self.label} kept answering that the rate limit is hit; run the backfill again later.")

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        response = self._request(path, params, missing_ok=False)
        if response is None:  # only a missing_ok request answers None
            raise BackfillError(f"{self.label} does not know {path}.")
        return response

    def json(self, path: str, params: dict[str, Any] | None = None, *, missing_ok: bool = False) -> Any:
        response = self._request(path, params, missing_ok=missing_ok)
        return None if response is None else _json(response, self.label)

    def link_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[Any]]:
        """The pages of a list, following ``Link: <…>; rel="next"`` (GitHub, GitLab)."""
        url: str | None = path
        query = params
        while url:
            response = self.get(url, query)
            page = _json(response, self.label)
            if not isinstance(page, list):
                raise BackfillError(f"{self.label} answered {urlsplit(url).path} with something other than a list.")
            yield page
            url, query = response.links.get("next", {}).get("url"), None


def _json(response: httpx.Response, label: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BackfillError(f"{label} answered {response.request.url.path} with something other than JSON.") from None


# -- time ---------------------------------------------------------------------------------------------------
def _moment(text: Any) -> datetime | None:
    """An API time (ISO 8601, ``Z`` or an offset) as an aware datetime; ``None`` when absent."""
    if not text or not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """The period backfilled: from the start of ``since`` to the end of ``until`` (in TIME_ZONE)."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, since: date, until: date) -> Window:
        zone = timezone.get_current_timezone()
        start = datetime.combine(since, day_time.min, tzinfo=zone)
        end = datetime.combine(until + timedelta(days=1), day_time.min, tzinfo=zone)
        return cls(start=start, end=min(end, timezone.now()))

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


# -- GitHub -------------------------------------------------------------------------------------------------
# Envelopes: https://docs.github.com/en/webhooks/webhook-events-and-payloads (deployment_status, push,
# pull_request, pull_request_review, issues). REST: https://docs.github.com/en/rest (deployments,
# commits, pulls, issues).
def _github_repositories(api: ApiSession, scope: str) -> list[dict[str, Any]]:
    if "/" in scope:
        repository = api.json(f"repos/{scope}")
        return [repository]
    owner = quote(scope, safe="")
    found = api.json(f"orgs/{owner}", missing_ok=True)
    path = f"orgs/{owner}/repos" if found is not None else f"users/{owner}/repos"
    return [repo for page in api.link_pages(path, {"per_page": PER_PAGE, "type": "all"}) for repo in page]


def _github_sender(user: Any) -> dict[str, Any] | None:
    return user if isinstance(user, dict) else None


def github_items(api: ApiSession, binding: SourceBinding, window: Window) -> Iterator[BackfillItem]:
    for repository in _github_repositories(api, binding.scope):
        name = repository["full_name"]
        base = f"repos/{name}"
        yield from _github_deployments(api, base, repository, window)
        yield from _github_commits(api, base, repository, window)
        yield from _github_pulls(api, base, repository, window)
        yield from _github_issues(api, base, repository, window)


def _github_deployments(
    api: ApiSession, base: str, repository: dict[str, Any], window: Window
) -> Iterator[BackfillItem]:
    # Newest first, without a date filter: read until a page holds only deployments before the period.
    for page in api.link_pages(f"{base}/deployments", {"per_page": PER_PAGE}):
        for deployment in page:
            if not window.holds(_moment(deployment.get("created_at"))):
                continue
            path = f"{base}/deployments/{deployment['id']}/statuses"
            for statuses in api.link_pages(path, {"per_page": PER_PAGE}):
                for status in statuses:
                    yield BackfillItem(
                        kind="deployment status",
                        delivery_id=f"backfill:github:deployment_status:{status['id']}",
                        event_type="deployment_status",
                        payload={
                            "action": "created",
                            "deployment_status": status,
                            "deployment": deployment,
                            "repository": repository,
                            "sender": _github_sender(status.get("creator")),
                        },
                    )
        if all((_moment(d.get("created_at")) or window.start) < window.start for d in page):
            return


def _github_commits(api: ApiSession, base: str, repository: dict[str, Any], window: Window) -> Iterator[BackfillItem]:
    branch = repository.get("default_branch") or "main"
    params = {"per_page": PER_PAGE, "since": _iso(window.start), "until": _iso(window.end)}
    for page in api.link_pages(f"{base}/commits", params):
        for item in page:
            sha = item["sha"]
            details = item.get("commit") or {}
            author = details.get("author") or {}
            committer = details.get("committer") or {}
            parents = item.get("parents") or []
            login = (item.get("author") or {}).get("login")
            commit = {
                "id": sha,
                "tree_id": (details.get("tree") or {}).get("sha"),
                "distinct": True,
                "message": details.get("message", ""),
                "timestamp": author.get("date"),
                "url": item.get("html_url"),
                "author": {"name": author.get("name"), "email": author.get("email"), "username": login},
                "committer": {
                    "name": committer.get("name"),
                    "email": committer.get("email"),
                    "username": (item.get("committer") or {}).get("login"),
                },
                "added": [],
                "removed": [],
                "modified": [],
            }
            # One push per commit, after its first parent: the commit chain is exact (the list gives
            # parents; a push in a webhook only says the commit before the first one).
            yield BackfillItem(
                kind="commit",
                delivery_id=f"backfill:github:commit:{repository['full_name']}@{sha}",
                event_type="push",
                payload={
                    "ref": f"refs/heads/{branch}",
                    "before": parents[0]["sha"] if parents else ZERO_SHA,
                    "after": sha,
                    "created": False,
                    "deleted": False,
                    "forced": False,
                    "base_ref": None,
                    "compare": "",
                    "commits": [commit],
                    "head_commit": commit,
                    # When it reached the branch, as near as the API says: its committer's time (the
                    # push parser observes a push's commits at ``repository.pushed_at``).
                    "repository": {**repository, "pushed_at": committer.get("date") or author.get("date")},
                    "pusher": {"name": login or author.get("name"), "email": author.get("email")},
                    "sender": _github_sender(item.get("author")),
                },
            )


def _github_pulls(api: ApiSession, base: str, repository: dict[str, Any], window: Window) -> Iterator[BackfillItem]:
    params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
    for page in api.link_pages(f"{base}/pulls", params):
        for pull in page:
            updated = _moment(pull.get("updated_at"))
            opened = _moment(pull.get("created_at"))
            if updated is None or updated < window.start or opened is None or opened >= window.end:
                continue
            # The list's objects lack ``merged`` (the single-PR object has it): say it from merged_at.
            pull = {**pull, "merged": pull.get("merged", pull.get("merged_at") is not None)}
            yield BackfillItem(
                kind="pull request",
                delivery_id=f"backfill:github:pull_request:{pull['id']}:{pull.get('updated_at')}",
                event_type="pull_request",
                payload={
                    "action": "closed" if pull.get("state") == "closed" else "opened",
                    "number": pull["number"],
                    "pull_request": pull,
                    "repository": repository,
                    "sender": _github_sender(pull.get("user")),
                },
            )
            reviews_path = f"{base}/pulls/{pull['number']}/reviews"
            for reviews in api.link_pages(reviews_path, {"per_page": PER_PAGE}):
                for review in reviews:
                    if not review.get("submitted_at") or not isinstance(review.get("user"), dict):
                        continue  # a pending review is not a review yet; a deleted account's is nobody's
                    yield BackfillItem(
                        kind="review",
                        delivery_id=f"backfill:github:pull_request_review:{review['id']}",
                        event_type="pull_request_review",
                        payload={
                            "action": "submitted",
                            "review": review,
                            "pull_request": pull,
                            "repository": repository,
                            "sender": _github_sender(review.get("user")),
                        },
                    )
        if all((_moment(p.get("updated_at")) or window.start) < window.start for p in page):
            return  # sorted by update, newest first: the rest is older than the period


def _github_issues(api: ApiSession, base: str, repository: dict[str, Any], window: Window) -> Iterator[BackfillItem]:
    params = {"state": "all", "since": _iso(window.start), "per_page": PER_PAGE}
    issues: dict[str, dict[str, Any]] = {}
    for page in api.link_pages(f"{base}/issues", params):
        for issue in page:
            if "pull_request" in issue:
                continue  # the issues list includes pull requests
            opened = _moment(issue.get("created_at"))
            if opened is None or opened >= window.end:
                continue  # ``since`` bounds the update; an issue opened after the period is not in it
            issues[str(issue.get("url"))] = issue
            yield BackfillItem(
                kind="issue",
                delivery_id=f"backfill:github:issues:{issue['id']}:{issue.get('updated_at')}",
                event_type="issues",
                payload={
                    "action": "closed" if issue.get("state") == "closed" else "opened",
                    "issue": issue,
                    "repository": repository,
                    "sender": _github_sender(issue.get("user")),
                },
            )
    if not issues:
        return
    # The repository's comments in one list (not one request per issue): an issue's first response.
    comments = {"since": _iso(window.start), "sort": "created", "direction": "asc", "per_page": PER_PAGE}
    for page in api.link_pages(f"{base}/issues/comments", comments):
        for comment in page:
            issue = issues.get(str(comment.get("issue_url")))
            if issue is None or not isinstance(comment.get("user"), dict):
                continue
            yield BackfillItem(
                kind="issue comment",
                delivery_id=f"backfill:github:issue_comment:{comment['id']}",
                event_type="issue_comment",
                payload={
                    "action": "created",
                    "issue": issue,
                    "comment": comment,
                    "repository": repository,
                    "sender": comment["user"],
                },
            )


# -- GitLab -------------------------------------------------------------------------------------------------
# Envelopes: https://docs.gitlab.com/user/project/integrations/webhook_events/ (Push Hook, Merge Request
# Hook, Issue Hook, Deployment Hook). REST: https://docs.gitlab.com/api/ (deployments, commits,
# merge_requests, issues).
def _gitlab_project_hook(project: dict[str, Any]) -> dict[str, Any]:
    """A REST project as the ``project`` object of a GitLab webhook."""
    namespace = project.get("namespace") or {}
    return {
        "id": project["id"],
        "name": project.get("name"),
        "description": project.get("description"),
        "web_url": project.get("web_url"),
        "avatar_url": project.get("avatar_url"),
        "git_ssh_url": project.get("ssh_url_to_repo"),
        "git_http_url": project.get("http_url_to_repo"),
        "namespace": namespace.get("name") if isinstance(namespace, dict) else namespace,
        "visibility_level": {"private": 0, "internal": 10, "public": 20}.get(project.get("visibility", ""), 0),
        "path_with_namespace": project.get("path_with_namespace"),
        "default_branch": project.get("default_branch"),
        "homepage": project.get("web_url"),
        "url": project.get("ssh_url_to_repo"),
        "ssh_url": project.get("ssh_url_to_repo"),
        "http_url": project.get("http_url_to_repo"),
    }


def _gitlab_user(user: Any) -> dict[str, Any] | None:
    if not isinstance(user, dict):
        return None
    return {
        "id": user.get("id"),
        "name": user.get("name"),
        "username": user.get("username"),
        "avatar_url": user.get("avatar_url"),
        "email": user.get("email") or user.get("public_email") or "[REDACTED]",
    }


def _gitlab_labels(titles: Any) -> list[dict[str, Any]]:
    return [{"title": title} if isinstance(title, str) else title for title in titles or []]


def _gitlab_projects(api: ApiSession, scope: str) -> list[dict[str, Any]]:
    path = quote(scope, safe="")
    project = api.json(f"projects/{path}", missing_ok=True)
    if project is not None:
        return [project]
    params = {"include_subgroups": "true", "per_page": PER_PAGE, "archived": "false"}
    return [item for page in api.link_pages(f"groups/{path}/projects", params) for item in page]


def gitlab_items(api: ApiSession, binding: SourceBinding, window: Window) -> Iterator[BackfillItem]:
    for project in _gitlab_projects(api, binding.scope):
        hook_project = _gitlab_project_hook(project)
        base = f"projects/{project['id']}"
        yield from _gitlab_deployments(api, base, hook_project, window)
        yield from _gitlab_commits(api, base, project, hook_project, window)
        yield from _gitlab_merge_requests(api, base, hook_project, window)
        yield from _gitlab_issues(api, base, hook_project, window)


def _updated_range(window: Window) -> dict[str, Any]:
    return {"updated_after": _iso(window.start), "updated_before": _iso(window.end), "per_page": PER_PAGE}


def _gitlab_deployments(api: ApiSession, base: str, project: dict[str, Any], window: Window) -> Iterator[BackfillItem]:
    params = {**_updated_range(window), "order_by": "updated_at", "sort": "asc"}
    for page in api.link_pages(f"{base}/deployments", params):
        for deployment in page:
            deployable = deployment.get("deployable") or {}
            environment = deployment.get("environment") or {}
            sha = deployment.get("sha") or ""
            status = deployment.get("status") or ""
            web_url = project.get("web_url") or ""
            yield BackfillItem(
                kind="deployment",
                delivery_id=f"backfill:gitlab:deployment:{deployment['id']}:{status}",
                event_type="Deployment Hook",
                payload={
                    "object_kind": "deployment",
                    "status": status,
                    "status_changed_at": deployable.get("finished_at") or deployment.get("updated_at"),
                    "deployment_id": deployment["id"],
                    "deployable_id": deployable.get("id"),
                    "deployable_url": deployable.get("web_url"),
                    "environment": environment.get("name"),
                    "environment_tier": environment.get("tier"),
                    "environment_slug": environment.get("slug"),
                    "environment_external_url": environment.get("external_url"),
                    "project": project,
                    "short_sha": sha[:8],
                    "user": _gitlab_user(deployment.get("user")),
                    "user_url": (deployment.get("user") or {}).get("web_url"),
                    "commit_url": f"{web_url}/-/commit/{sha}" if sha else None,
                    "commit_title": (deployable.get("commit") or {}).get("title"),
                    "ref": deployment.get("ref"),
                    # Not in the hook, known to the API: the full sha and the deployment's own times.
                    "sha": sha,
                    "created_at": deployment.get("created_at"),
                    "started_at": deployable.get("started_at"),
                    "finished_at": deployable.get("finished_at"),
                },
            )


def _gitlab_commits(
    api: ApiSession, base: str, project: dict[str, Any], hook_project: dict[str, Any], window: Window
) -> Iterator[BackfillItem]:
    branch = project.get("default_branch") or "main"
    params = {"since": _iso(window.start), "until": _iso(window.end), "ref_name": branch, "per_page": PER_PAGE}
    for page in api.link_pages(f"{base}/repository/commits", params):
        for item in page:
            sha = item["id"]
            parents = item.get("parent_ids") or []
            commit = {
                "id": sha,
                "message": item.get("message", ""),
                "title": item.get("title", ""),
                "timestamp": item.get("authored_date") or item.get("created_at"),
                "url": item.get("web_url"),
                "author": {"name": item.get("author_name"), "email": item.get("author_email")},
                "added": [],
                "modified": [],
                "removed": [],
            }
            yield BackfillItem(
                kind="commit",
                delivery_id=f"backfill:gitlab:commit:{project['id']}@{sha}",
                event_type="Push Hook",
                payload={
                    "object_kind": "push",
                    "event_name": "push",
                    "before": parents[0] if parents else ZERO_SHA,
                    "after": sha,
                    "ref": f"refs/heads/{branch}",
                    "ref_protected": True,
                    "checkout_sha": sha,
                    "user_name": item.get("author_name"),
                    "user_email": item.get("author_email"),
                    "project_id": project["id"],
                    "project": hook_project,
                    "commits": [commit],
                    "total_commits_count": 1,
                    "repository": {
                        "name": hook_project.get("name"),
                        "url": hook_project.get("url"),
                        "description": hook_project.get("description"),
                        "homepage": hook_project.get("homepage"),
                        "git_http_url": hook_project.get("git_http_url"),
                        "git_ssh_url": hook_project.get("git_ssh_url"),
                        "visibility_level": hook_project.get("visibility_level"),
                    },
                },
            )


_MR_ACTIONS = {"merged": "merge", "closed": "close", "locked": "update"}


def _gitlab_merge_requests(
    api: ApiSession, base: str, project: dict[str, Any], window: Window
) -> Iterator[BackfillItem]:
    params = {**_updated_range(window), "state": "all", "scope": "all", "order_by": "updated_at", "sort": "asc"}
    for page in api.link_pages(f"{base}/merge_requests", params):
        for mr in page:
            state = mr.get("state") or "opened"
            author = mr.get("author") or {}
            attributes = {
                "id": mr["id"],
                "iid": mr["iid"],
                "title": mr.get("title"),
                "description": mr.get("description"),
                "state": state,
                "action": _MR_ACTIONS.get(state, "open"),
                "created_at": mr.get("created_at"),
                "updated_at": mr.get("updated_at"),
                "merged_at": mr.get("merged_at"),
                "closed_at": mr.get("closed_at"),
                "source_branch": mr.get("source_branch"),
                "target_branch": mr.get("target_branch"),
                "source_project_id": mr.get("source_project_id"),
                "target_project_id": mr.get("target_project_id"),
                "author_id": author.get("id"),
                "merge_commit_sha": mr.get("merge_commit_sha") or mr.get("squash_commit_sha"),
                "merge_status": mr.get("merge_status"),
                "draft": mr.get("draft", False),
                "url": mr.get("web_url"),
                "last_commit": {"id": mr.get("sha")} if mr.get("sha") else None,
                "labels": _gitlab_labels(mr.get("labels")),
            }
            yield BackfillItem(
                kind="merge request",
                delivery_id=f"backfill:gitlab:merge_request:{mr['id']}:{mr.get('updated_at')}",
                event_type="Merge Request Hook",
                payload={
                    "object_kind": "merge_request",
                    "event_type": "merge_request",
                    # The hook's ``user`` is who acted; the REST object's author is the closest (and is
                    # the author the metrics attribute the change to).
                    "user": _gitlab_user(author),
                    "project": project,
                    "object_attributes": attributes,
                    "labels": _gitlab_labels(mr.get("labels")),
                    "changes": {},
                    "repository": {
                        "name": project.get("name"),
                        "url": project.get("url"),
                        "homepage": project.get("homepage"),
                    },
                },
            )
            # Its comments: the first by someone other than the author is its review.
            path = f"{base}/merge_requests/{mr['iid']}/notes"
            yield from _gitlab_notes(api, path, project, "MergeRequest", "merge_request", attributes)


def _gitlab_issues(api: ApiSession, base: str, project: dict[str, Any], window: Window) -> Iterator[BackfillItem]:
    params = {**_updated_range(window), "scope": "all", "order_by": "updated_at", "sort": "asc"}
    for page in api.link_pages(f"{base}/issues", params):
        for issue in page:
            state = issue.get("state") or "opened"
            attributes = {
                "id": issue["id"],
                "iid": issue["iid"],
                "title": issue.get("title"),
                "description": issue.get("description"),
                "state": state,
                "action": "close" if state == "closed" else "open",
                "created_at": issue.get("created_at"),
                "updated_at": issue.get("updated_at"),
                "closed_at": issue.get("closed_at"),
                "author_id": (issue.get("author") or {}).get("id"),
                # REST says ISSUE / INCIDENT / TEST_CASE; the hook says Issue / Incident / Test Case.
                "type": str(issue.get("type") or "ISSUE").replace("_", " ").title(),
                "url": issue.get("web_url"),
                "labels": _gitlab_labels(issue.get("labels")),
                "weight": issue.get("weight"),
            }
            yield BackfillItem(
                kind="issue",
                delivery_id=f"backfill:gitlab:issue:{issue['id']}:{issue.get('updated_at')}",
                event_type="Issue Hook",
                payload={
                    "object_kind": "issue",
                    "event_type": "issue",
                    "user": _gitlab_user(issue.get("author")),
                    "project": project,
                    "object_attributes": attributes,
                    "labels": _gitlab_labels(issue.get("labels")),
                    "changes": {},
                },
            )
            path = f"{base}/issues/{issue['iid']}/notes"
            yield from _gitlab_notes(api, path, project, "Issue", "issue", attributes)


def _gitlab_notes(
    api: ApiSession, path: str, project: dict[str, Any], noteable: str, key: str, noteable_hook: dict[str, Any]
) -> Iterator[BackfillItem]:
    """The comments of a merge request or an issue as ``Note Hook`` deliveries (oldest first; system
    notes such as "changed the description" are left out, as the parser would)."""
    for page in api.link_pages(path, {"sort": "asc", "order_by": "created_at", "per_page": PER_PAGE}):
        for note in page:
            if note.get("system") or not isinstance(note.get("author"), dict):
                continue
            yield BackfillItem(
                kind="comment",
                delivery_id=f"backfill:gitlab:note:{note['id']}",
                event_type="Note Hook",
                payload={
                    "object_kind": "note",
                    "event_type": "note",
                    "user": _gitlab_user(note["author"]),
                    "project_id": project["id"],
                    "project": project,
                    "object_attributes": {
                        "id": note["id"],
                        "note": note.get("body"),
                        "noteable_type": noteable,
                        "author_id": note["author"].get("id"),
                        "created_at": note.get("created_at"),
                        "updated_at": note.get("updated_at"),
                        "project_id": project["id"],
                        "noteable_id": note.get("noteable_id"),
                        "system": False,
                        "action": "create",
                        "url": f"{noteable_hook.get('url')}#note_{note['id']}",
                    },
                    key: noteable_hook,
                },
            )


# -- Jira ---------------------------------------------------------------------------------------------------
# Envelopes: https://developer.atlassian.com/server/jira/platform/webhooks/ (jira:issue_updated,
# sprint_closed). REST: GET /rest/api/2/search/jql (Jira Cloud, nextPageToken) or /rest/api/2/search
# (Data Center, startAt/maxResults).
def _jql_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def jira_jql(binding: SourceBinding, window: Window) -> str:
    zone = timezone.get_current_timezone()
    start = window.start.astimezone(zone)
    clauses = [f"project = {_jql_text(binding.scope)}", f'updated >= "{start:%Y-%m-%d %H:%M}"']
    if window.end < timezone.now():
        clauses.append(f'updated < "{window.end.astimezone(zone):%Y-%m-%d %H:%M}"')
    if binding.component:
        clauses.append(f"component = {_jql_text(binding.component)}")
    if binding.label:
        clauses.append(f"labels = {_jql_text(binding.label)}")
    return " AND ".join(clauses) + " ORDER BY updated ASC"


def _jira_pages(api: ApiSession, cloud: bool, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    path = "rest/api/2/search/jql" if cloud else "rest/api/2/search"
    token: str | None = None
    start = 0
    while True:
        query = dict(params)
        if cloud and token:
            query["nextPageToken"] = token
        elif not cloud:
            query["startAt"] = start
        answer = api.json(path, query)
        issues = answer.get("issues") or []
        yield issues
        if cloud:
            token = answer.get("nextPageToken")
            if not token or answer.get("isLast"):
                return
        else:
            start = int(answer.get("startAt", start)) + len(issues)
            if not issues or start >= int(answer.get("total", 0)):
                return


def _jira_sprints(fields: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The sprints an issue's fields carry (Jira Cloud's sprint field: a list of sprint objects)."""
    for name, value in fields.items():
        if name.startswith("customfield_") and isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "boardId" in item and "state" in item and "id" in item:
                    yield item


# The fields a comment or transition delivery carries of its issue: what the parser needs to know its
# scope and its reporter (the issue's own delivery carries the rest).
_JIRA_SLIM_FIELDS = ("summary", "issuetype", "project", "reporter", "created", "components", "labels", "status")


def _jira_ms(text: Any) -> int:
    moment = _moment(_jira_offset(text)) or timezone.now()
    return int(moment.timestamp() * 1000)


def _jira_issue_items(issue: dict[str, Any]) -> Iterator[BackfillItem]:
    """An issue as its ``jira:issue_updated`` (or ``_created``), then its comments as ``comment_created``
    and its status changes as ``jira:issue_updated`` with that change (an issue's first response)."""
    fields = issue.get("fields") or {}
    created, updated = fields.get("created"), fields.get("updated")
    event = "jira:issue_created" if created == updated else "jira:issue_updated"
    yield BackfillItem(
        kind="issue",
        delivery_id=f"backfill:jira:issue:{issue['id']}:{updated}",
        event_type=event,
        payload={
            "timestamp": _jira_ms(updated),
            "webhookEvent": event,
            "issue_event_type_name": "issue_created" if created == updated else "issue_generic",
            "user": fields.get("reporter"),
            "issue": {key: value for key, value in issue.items() if key != "changelog"},
        },
    )
    slim = {
        "id": issue["id"],
        "key": issue.get("key"),
        "self": issue.get("self"),
        "fields": {name: fields[name] for name in _JIRA_SLIM_FIELDS if name in fields},
    }
    comments = (fields.get("comment") or {}).get("comments") if isinstance(fields.get("comment"), dict) else None
    for comment in comments or []:
        if not isinstance(comment, dict) or "id" not in comment:
            continue
        yield BackfillItem(
            kind="issue comment",
            delivery_id=f"backfill:jira:comment:{comment['id']}",
            event_type="comment_created",
            payload={
                "timestamp": _jira_ms(comment.get("created")),
                "webhookEvent": "comment_created",
                "comment": comment,
                "issue": slim,
            },
        )
    histories = (issue.get("changelog") or {}).get("histories") if isinstance(issue.get("changelog"), dict) else None
    for history in histories or []:
        items = history.get("items") if isinstance(history, dict) else None
        if not isinstance(items, list) or not any(isinstance(i, dict) and i.get("field") == "status" for i in items):
            continue
        yield BackfillItem(
            kind="status change",
            delivery_id=f"backfill:jira:transition:{issue['id']}:{history.get('id')}",
            event_type="jira:issue_updated",
            payload={
                "timestamp": _jira_ms(history.get("created")),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": "issue_generic",
                "user": history.get("author"),
                "issue": slim,
                "changelog": {"id": history.get("id"), "items": items},
            },
        )


def jira_items(api: ApiSession, binding: SourceBinding, window: Window) -> Iterator[BackfillItem]:
    cloud = urlsplit(api.base_url).netloc.endswith(".atlassian.net")
    params = {"jql": jira_jql(binding, window), "maxResults": PER_PAGE, "fields": "*all", "expand": "changelog"}
    sprints: dict[Any, dict[str, Any]] = {}
    for page in _jira_pages(api, cloud, params):
        for issue in page:
            yield from _jira_issue_items(issue)
            for sprint in _jira_sprints(issue.get("fields") or {}):
                sprints[sprint["id"]] = sprint
    # Sprints come with the issues (no request of their own), after them: a sprint's points are summed
    # from its stored issues. A closed one as its ``sprint_closed``, the active one as ``sprint_started``.
    for sprint in sprints.values():
        state = str(sprint.get("state", "")).lower()
        if state not in ("closed", "active"):
            continue
        event = "sprint_closed" if state == "closed" else "sprint_started"
        at = sprint.get("completeDate") or sprint.get("endDate") if state == "closed" else sprint.get("startDate")
        yield BackfillItem(
            kind="sprint",
            delivery_id=f"backfill:jira:{event}:{sprint['id']}",
            event_type=event,
            payload={
                "timestamp": _jira_ms(at),
                "webhookEvent": event,
                "sprint": {
                    "id": sprint["id"],
                    "self": sprint.get("self") or f"{api.base_url}/rest/agile/1.0/sprint/{sprint['id']}",
                    "state": state,
                    "name": sprint.get("name"),
                    "startDate": sprint.get("startDate"),
                    "endDate": sprint.get("endDate"),
                    "completeDate": sprint.get("completeDate"),
                    "originBoardId": sprint.get("boardId"),
                    "goal": sprint.get("goal", ""),
                },
            },
        )


def _jira_offset(text: Any) -> Any:
    """Jira writes offsets without a colon (``2026-10-05T09:00:00.000+0200``)."""
    if isinstance(text, str) and len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        return text[:-2] + ":" + text[-2:]
    return text


# -- PagerDuty ----------------------------------------------------------------------------------------------
# Envelope: https://developer.pagerduty.com/docs/webhooks-v3-overview (incident.triggered / acknowledged /
# resolved). REST: GET /incidents (https://developer.pagerduty.com/api-reference/9d0b4b12e36f9-list-incidents),
# classic pagination (offset, limit, more).
def _pagerduty_data(incident: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "id": incident["id"],
        "type": "incident",
        "self": incident.get("self"),
        "html_url": incident.get("html_url"),
        "number": incident.get("incident_number"),
        "status": status,
        "incident_key": incident.get("incident_key"),
        "created_at": incident.get("created_at"),
        "title": incident.get("title") or incident.get("summary"),
        "service": incident.get("service"),
        "assignees": [a.get("assignee") for a in incident.get("assignments") or [] if a.get("assignee")],
        "escalation_policy": incident.get("escalation_policy"),
        "teams": incident.get("teams") or [],
        "priority": incident.get("priority"),
        "urgency": incident.get("urgency"),
        "conference_bridge": incident.get("conference_bridge"),
        "resolve_reason": incident.get("resolve_reason"),
    }


def pagerduty_items(api: ApiSession, binding: SourceBinding, window: Window) -> Iterator[BackfillItem]:
    start = window.start
    while start < window.end:
        end = min(start + PAGERDUTY_MAX_RANGE, window.end)
        offset = 0
        while True:
            params = {
                "since": _iso(start),
                "until": _iso(end),
                "service_ids[]": binding.scope,
                "limit": PER_PAGE,
                "offset": offset,
                "time_zone": "UTC",
            }
            answer = api.json("incidents", params)
            incidents = answer.get("incidents") or []
            for incident in incidents:
                yield from _pagerduty_events(incident)
            offset += len(incidents)
            if not answer.get("more") or not incidents:
                break
        start = end


def _pagerduty_events(incident: dict[str, Any]) -> Iterator[BackfillItem]:
    """An incident's states as v3 webhook events, each at the time it happened."""
    states: list[tuple[str, Any]] = [("triggered", incident.get("created_at"))]
    acknowledged = [a.get("at") for a in incident.get("acknowledgements") or [] if a.get("at")]
    if acknowledged:
        states.append(("acknowledged", min(acknowledged)))
    if incident.get("status") == "resolved":
        states.append(("resolved", incident.get("resolved_at") or incident.get("last_status_change_at")))
    for status, at in states:
        if not at:
            continue
        event_type = f"incident.{status}"
        yield BackfillItem(
            kind="incident",
            delivery_id=f"backfill:pagerduty:{event_type}:{incident['id']}",
            event_type=event_type,
            payload={
                "event": {
                    "id": f"backfill-{event_type}-{incident['id']}",
                    "event_type": event_type,
                    "resource_type": "incident",
                    "occurred_at": at,
                    "agent": incident.get("last_status_change_by") if status != "triggered" else None,
                    "client": None,
                    "data": _pagerduty_data(incident, status),
                }
            },
        )


# -- the sources --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceApi:
    label: str
    default_base: str
    token_setting: str
    items: Callable[[ApiSession, SourceBinding, Window], Iterator[BackfillItem]]
    token_required: bool


SOURCE_APIS: dict[str, SourceApi] = {
    TelemetrySource.GITHUB: SourceApi(
        "GitHub", "https://api.github.com", "TELEMETRY_GITHUB_TOKEN", github_items, False
    ),
    TelemetrySource.GITLAB: SourceApi("GitLab", "https://gitlab.com", "TELEMETRY_GITLAB_TOKEN", gitlab_items, False),
    TelemetrySource.JIRA: SourceApi("Jira", "", "TELEMETRY_JIRA_TOKEN", jira_items, True),
    TelemetrySource.PAGERDUTY: SourceApi(
        "PagerDuty", "https://api.pagerduty.com", "TELEMETRY_PAGERDUTY_TOKEN", pagerduty_items, True
    ),
}


def _session(
    binding: SourceBinding, spec: SourceApi, *, sleeper: Sleeper, clock: Clock, transport: httpx.BaseTransport | None
) -> ApiSession:
    own = secrets.unseal(binding.api_token_sealed)
    token = own or str(getattr(settings, spec.token_setting, "") or "")
    hint = (
        "replace the binding's API token"
        if own
        else f"set {spec.token_setting}"
        + (" and TELEMETRY_JIRA_EMAIL" if binding.source == "jira" else "")
        + " or give the binding an API token"
    )
    if spec.token_required and not token:
        raise BackfillError(f"No {spec.label} API token: {hint}.")
    base = binding.api_base_url or spec.default_base
    if not base:
        raise BackfillError(f"Give the binding the address of its {spec.label} site (its API address) to backfill it.")
    headers: dict[str, str] = {}
    if binding.source == TelemetrySource.GITHUB:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
    elif binding.source == TelemetrySource.GITLAB:
        base = base.rstrip("/")
        base = base if base.endswith("/api/v4") else f"{base}/api/v4"
        if token:
            headers["PRIVATE-TOKEN"] = token
    elif binding.source == TelemetrySource.JIRA:
        headers = {"Accept": "application/json"}
        # Jira Cloud: an e-mail and an API token (Basic); Data Center: a personal access token (Bearer).
        # A binding's own token may be "e-mail:token".
        user = settings.TELEMETRY_JIRA_EMAIL if not own else ""
        if own and ":" in own and "@" in own.split(":", 1)[0]:
            user, token = own.split(":", 1)
        if user:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        else:
            headers["Authorization"] = f"Bearer {token}"
    elif binding.source == TelemetrySource.PAGERDUTY:
        headers = {"Accept": "application/json", "Authorization": f"Token token={token}"}
    return ApiSession(
        label=spec.label,
        base_url=base,
        headers=headers,
        token=token,
        token_hint=hint,
        sleeper=sleeper,
        clock=clock,
        transport=transport,
    )


# -- storing and processing ---------------------------------------------------------------------------------
_STORE_SQL = compose(
    """
    INSERT INTO {delivery} ({delivery.binding}, {delivery.delivery_id}, {delivery.event_type},
                            {delivery.status}, {delivery.payload}, {delivery.received_at},
                            {delivery.attempts}, {delivery.error}, {delivery.event_count})
    VALUES (%(binding)s, %(delivery_id)s, %(event_type)s, %(status)s, %(payload)s, %(now)s, 0, '', 0)
    ON CONFLICT ({delivery.binding}, {delivery.delivery_id}) DO NOTHING
    RETURNING {delivery.id}
    """,
    delivery=Delivery,
)


def backfill_deliveries_store(
    *, binding: SourceBinding, items: Iterable[BackfillItem]
) -> list[tuple[BackfillItem, int | None]]:
    """Store backfilled items as deliveries (status ``received``), each once: answers each item with
    its new delivery's id, or ``None`` when a run before stored it. Nothing is enqueued: the backfill
    processes what it stored itself, in order."""
    field = Delivery._meta.get_field("payload")
    stored: list[tuple[BackfillItem, int | None]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for item in items:
            cursor.execute(
                _STORE_SQL,
                {
                    "binding": binding.pk,
                    "delivery_id": item.delivery_id[:255],
                    "event_type": item.event_type[:100],
                    "status": DeliveryStatus.RECEIVED,
                    "payload": field.get_db_prep_save(item.payload, connection),
                    "now": timezone.now(),
                },
            )
            row = cursor.fetchone()
            stored.append((item, int(row[0]) if row else None))
    return stored


def telemetry_backfill(
    *,
    binding: SourceBinding,
    since: date,
    until: date | None = None,
    sleeper: Sleeper = time.sleep,
    clock: Clock = time.time,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Fetch the binding's history from ``since`` to ``until`` (inclusive, default today), store it as
    deliveries and process the new ones. ``BackfillError`` when the source refuses or cannot be read
    (what was stored before the error stays stored and processed)."""
    spec = SOURCE_APIS.get(binding.source)
    if spec is None:
        raise BackfillError(
            f"{binding.get_source_display()} bindings have no API to backfill from: post their history to the "
            "generic event API instead."
        )
    until = until or timezone.localdate()
    if since > until:
        raise BackfillError(f"--since ({since}) is after --until ({until}).")
    result = BackfillResult(binding=binding, since=since, until=until)
    window = Window.of(since, until)
    batch: list[BackfillItem] = []

    def store_and_process() -> None:
        for item, pk in backfill_deliveries_store(binding=binding, items=batch):
            result.count(item.kind, "fetched")
            if pk is None:
                result.count(item.kind, "known")
                continue
            result.count(item.kind, "new")
            status = delivery_process(delivery_id=pk)
            result.count(item.kind, str(status or "busy"))
        batch.clear()
        if progress is not None:
            progress(f"{sum(c['fetched'] for c in result.kinds.values())} objects so far…")

    with _session(binding, spec, sleeper=sleeper, clock=clock, transport=transport) as api:
        try:
            for item in spec.items(api, binding, window):
                batch.append(item)
                if len(batch) >= PER_PAGE:
                    store_and_process()
        finally:
            # What was fetched before an error is kept: the next run skips it.
            store_and_process()
            result.requests, result.waited_seconds = api.requests, api.waited
    return result


def backfill_wait_label(seconds: float) -> str:
    return f"{math.ceil(seconds)} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"
