"""GitHub webhooks (repository or organisation webhooks, ``application/json``), read into deployments,
commits, pull requests and issues. The rules are described in docs/telemetry/github-gitlab.md.

GitHub signs each delivery with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`` under the
webhook's secret, names the event in ``X-GitHub-Event`` and the delivery in ``X-GitHub-Delivery`` (the
same id when a delivery is redelivered, so a replay is recognised). A binding's scope is ``owner/repo``
(that repository) or ``owner`` (every repository of the user or organisation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.http import HttpRequest

from apps.performance.choices import DeploymentStatus, PullRequestState, TelemetrySource
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import Deployment, PullRequest, SourceBinding, TelemetryEvent, TrackerIssue
from apps.performance.telemetry.registry import (
    ParseContext,
    PayloadError,
    SignatureError,
    SourceAdapter,
    register_adapter,
)
from apps.performance.telemetry.sources import _git as git

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"

# deployment_status.state → our status. "inactive" is absent on purpose: GitHub marks the previous
# deployment of an environment inactive when a newer one succeeds, which says nothing of how it went.
DEPLOYMENT_STATES = {
    "success": DeploymentStatus.SUCCESS,
    "failure": DeploymentStatus.FAILURE,
    "error": DeploymentStatus.FAILURE,
    "in_progress": DeploymentStatus.IN_PROGRESS,
    "queued": DeploymentStatus.IN_PROGRESS,
    "pending": DeploymentStatus.IN_PROGRESS,
    "waiting": DeploymentStatus.IN_PROGRESS,
}
TERMINAL = frozenset({DeploymentStatus.SUCCESS, DeploymentStatus.FAILURE})
# workflow_run.conclusion → our status, for a workflow counted as a production deployment. A run that
# was cancelled, skipped or is waiting for approval deployed nothing: it is not recorded.
RUN_CONCLUSIONS = {
    "success": DeploymentStatus.SUCCESS,
    "failure": DeploymentStatus.FAILURE,
    "timed_out": DeploymentStatus.FAILURE,
    "startup_failure": DeploymentStatus.FAILURE,
}


def in_scope(scope: str, full_name: str) -> bool:
    """``owner/repo`` is that repository; ``owner`` every repository of it. GitHub names are case-insensitive."""
    wanted = scope.strip().strip("/").lower()
    name = full_name.strip().lower()
    if "/" in wanted:
        return name == wanted
    return name.split("/", 1)[0] == wanted


def _login(user: Mapping[str, Any], *, where: str) -> tuple[str, bool]:
    """A user's login and whether it is a bot (a bot's review or comment is nobody's response)."""
    return git.opt_text(user, "login", where=where), git.opt_text(user, "type", where=where) == "Bot"


def _same_person(first: str, second: str) -> bool:
    return bool(first) and first.lower() == second.lower()


class GitHubAdapter(SourceAdapter):
    source = TelemetrySource.GITHUB
    events = (
        "push",
        "pull_request",
        "pull_request_review",
        "deployment_status",
        "workflow_run",
        "issues",
        "issue_comment",
    )

    # -- the request ------------------------------------------------------------------------------------------
    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not given:
            raise SignatureError(
                f"The {SIGNATURE_HEADER} header is missing: give the webhook this binding's secret in GitHub "
                "(Settings → Webhooks → Secret)."
            )
        scheme, _, digest = given.partition("=")
        if scheme != "sha256" or not digest:
            raise SignatureError(f"The {SIGNATURE_HEADER} header must read sha256=<hexadecimal digest>.")
        if not secret or not secrets.same(digest.lower(), secrets.hmac_sha256_hex(secret, body)):
            raise SignatureError(
                f"The {SIGNATURE_HEADER} signature was not made with this binding's secret: copy the "
                "binding's current secret into the webhook's settings in GitHub."
            )

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        event = request.headers.get(EVENT_HEADER, "").strip()
        if not event:
            raise PayloadError(f"The {EVENT_HEADER} header is missing: this is not a GitHub webhook delivery.")
        return event

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        delivery = request.headers.get(DELIVERY_HEADER, "").strip()
        if not delivery:
            raise PayloadError(f"The {DELIVERY_HEADER} header is missing: this is not a GitHub webhook delivery.")
        return delivery

    def ignore(self, *, event_type: str, payload: Any) -> str | None:
        if event_type == "ping":
            return "pong: the webhook reaches this binding and its secret is right (ping events are not stored)."
        return super().ignore(event_type=event_type, payload=payload)

    # -- the payload ------------------------------------------------------------------------------------------
    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        parser = _PARSERS.get(event_type)
        if parser is None:
            return []
        data = git.as_object(payload, what=event_type)
        repository = git.obj(data, "repository", where=event_type)
        full_name = git.text(repository, "full_name", where=f"{event_type}.repository")
        if not in_scope(context.binding.scope, full_name):
            return []
        return parser(context, data, full_name, repository)


def _push(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    ref = git.text(data, "ref", where="push")
    if data.get("deleted") is True or not ref.startswith("refs/heads/"):
        return []  # a branch deleted, or a tag: no commits of a branch
    before = git.opt_text(data, "before", where="push")
    # A forced push rewrote history: its first commit need not descend from ``before``.
    first_parent = "" if data.get("forced") is True or not before or git.is_zero_sha(before) else before.lower()
    pushed_at = repository.get("pushed_at")
    return list(
        git.push_changes(
            context=context,
            repository=repo,
            branch=ref.removeprefix("refs/heads/"),
            commits=git.array(data, "commits", where="push"),
            first_parent=first_parent,
            pushed_at=git.moment_of(pushed_at, field="push.repository.pushed_at") if pushed_at else None,
            where="push",
        )
    )


def _pull_request_row(
    context: ParseContext,
    pr: Mapping[str, Any],
    repo: str,
    *,
    where: str,
    first_review_at: datetime | None = None,
) -> PullRequest:
    number = git.integer(pr, "number", where=where)
    title = git.opt_text(pr, "title", where=where)
    author, _ = _login(git.opt_obj(pr, "user", where=where), where=f"{where}.user")
    opened = git.moment(pr, "created_at", where=where)
    merged_at = git.opt_moment(pr, "merged_at", where=where)
    merged = pr.get("merged") is True or merged_at is not None
    state_text = git.opt_text(pr, "state", where=where)
    state = (
        PullRequestState.MERGED
        if merged
        else (PullRequestState.CLOSED if state_text == "closed" else PullRequestState.OPEN)
    )
    head = git.opt_obj(pr, "head", where=where)
    branch = git.opt_text(head, "ref", where=f"{where}.head")
    labels = git.label_names(pr.get("labels"), key="name", where=f"{where}.labels")
    observed = git.opt_moment(pr, "updated_at", where=where) or git.opt_moment(pr, "closed_at", where=where) or opened
    return PullRequest(
        source_id=f"{repo}#{number}",
        repository=repo,
        number=number,
        title=git.clip(title, 255),
        author_login=git.clip(author, 100),
        by_vendor=context.rules.matches(login=author) if author else None,
        state=state,
        opened_at=opened,
        first_review_at=first_review_at,
        merged_at=merged_at,
        merge_sha=git.opt_text(pr, "merge_commit_sha", where=where).lower() if merged else "",
        is_revert=git.is_revert_title(title),
        is_hotfix=git.is_hotfix_branch(branch) or git.has_hotfix_label(labels),
        url=git.safe_url(git.opt_text(pr, "html_url", where=where), f"https://github.com/{repo}/pull/{number}"),
        observed_at=observed,
    )


def _pull_request(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    pr = git.obj(data, "pull_request", where="pull_request")
    return [_pull_request_row(context, pr, repo, where="pull_request.pull_request")]


def _pull_request_review(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """A submitted review by someone other than the pull request's author (and not a bot) is its
    review; the earliest one is kept (``first_review_at`` is an earliest-wins field)."""
    if data.get("action") != "submitted":
        return []
    review = git.obj(data, "review", where="pull_request_review")
    pr = git.obj(data, "pull_request", where="pull_request_review")
    # A deleted account ("ghost") has no user: nobody's review.
    reviewer, bot = _login(git.opt_obj(review, "user", where="pull_request_review.review"), where="review.user")
    author, _ = _login(git.opt_obj(pr, "user", where="pull_request_review.pull_request"), where="pull_request.user")
    if bot or not reviewer or _same_person(reviewer, author):
        return []
    submitted = git.moment(review, "submitted_at", where="pull_request_review.review")
    return [_pull_request_row(context, pr, repo, where="pull_request_review.pull_request", first_review_at=submitted)]


def _deployment_status(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    where = "deployment_status"
    status_data = git.obj(data, "deployment_status", where=where)
    deployment = git.obj(data, "deployment", where=where)
    state = git.text(status_data, "state", where=f"{where}.deployment_status").lower()
    if state == "inactive":
        return []
    status = DEPLOYMENT_STATES.get(state, DeploymentStatus.OTHER)
    deployment_id = git.integer(deployment, "id", where=f"{where}.deployment")
    environment = git.opt_text(status_data, "environment", where=f"{where}.deployment_status") or git.text(
        deployment, "environment", where=f"{where}.deployment"
    )
    changed = git.opt_moment(status_data, "updated_at", where=f"{where}.deployment_status") or git.moment(
        status_data, "created_at", where=f"{where}.deployment_status"
    )
    terminal = status in TERMINAL
    task = git.opt_text(deployment, "task", where=f"{where}.deployment")
    ref = git.opt_text(deployment, "ref", where=f"{where}.deployment")
    description = git.opt_text(deployment, "description", where=f"{where}.deployment")
    return [
        Deployment(
            source_id=str(deployment_id),
            repository=repo,
            environment=git.clip(environment, 100),
            status=status,
            sha=git.sha(deployment, "sha", where=f"{where}.deployment"),
            title=git.clip(description or f"{task or 'deploy'} {ref}".strip(), 255),
            started_at=git.opt_moment(deployment, "created_at", where=f"{where}.deployment"),
            finished_at=changed if terminal else None,
            is_rollback=git.is_rollback(task=task, ref=ref, description=description),
            url=git.safe_url(
                git.opt_text(status_data, "log_url", where=f"{where}.deployment_status"),
                git.opt_text(status_data, "target_url", where=f"{where}.deployment_status"),
                f"{git.opt_text(repository, 'html_url', where=f'{where}.repository')}/deployments",
            ),
            observed_at=git.settled(changed, terminal=terminal),
        )
    ]


def _workflow_run(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """A completed workflow run named like one of the binding's production environments is a
    production deployment: for teams that deploy from a workflow without a GitHub environment (a job
    with ``environment:`` already sends ``deployment_status``, which is what counts otherwise)."""
    if data.get("action") != "completed":
        return []
    where = "workflow_run"
    run = git.obj(data, "workflow_run", where=where)
    workflow = git.opt_obj(data, "workflow", where=where)
    environments = {name.strip().lower(): name for name in context.binding.production_environments if name.strip()}
    names = [
        git.opt_text(run, "name", where=f"{where}.workflow_run"),
        git.opt_text(workflow, "name", where=f"{where}.workflow"),
    ]
    environment = next(
        (environments[name.strip().lower()] for name in names if name.strip().lower() in environments), None
    )
    if environment is None:
        return []
    status = RUN_CONCLUSIONS.get(git.opt_text(run, "conclusion", where=f"{where}.workflow_run"))
    if status is None:
        return []
    run_id = git.integer(run, "id", where=f"{where}.workflow_run")
    finished = git.moment(run, "updated_at", where=f"{where}.workflow_run")
    branch = git.opt_text(run, "head_branch", where=f"{where}.workflow_run")
    title = git.opt_text(run, "display_title", where=f"{where}.workflow_run") or names[0] or names[1]
    return [
        Deployment(
            source_id=f"workflow_run:{run_id}",
            repository=repo,
            environment=git.clip(environment, 100),
            status=status,
            sha=git.sha(run, "head_sha", where=f"{where}.workflow_run"),
            title=git.clip(title, 255),
            started_at=git.opt_moment(run, "run_started_at", where=f"{where}.workflow_run"),
            finished_at=finished,
            is_rollback=git.is_hotfix_branch(branch),
            url=git.safe_url(git.opt_text(run, "html_url", where=f"{where}.workflow_run")),
            observed_at=git.settled(finished, terminal=True),
        )
    ]


def _issue_row(
    context: ParseContext,
    issue: Mapping[str, Any],
    repo: str,
    *,
    where: str,
    first_response_at: datetime | None = None,
) -> TrackerIssue:
    number = git.integer(issue, "number", where=where)
    labels = git.label_names(issue.get("labels"), key="name", where=f"{where}.labels")
    # GitHub's issue types (``{"name": "Bug", …}``) are newer than most payload examples.
    kind = issue.get("type")
    issue_type = kind.get("name") if isinstance(kind, Mapping) else kind
    issue_type = issue_type if isinstance(issue_type, str) else ""
    is_bug = any(label.strip().lower() == "bug" for label in labels) or issue_type.lower() == "bug"
    opened = git.moment(issue, "created_at", where=where)
    closed = git.opt_text(issue, "state", where=where) == "closed"
    key = f"{repo}#{number}"
    return TrackerIssue(
        source_id=key,
        project=git.clip(repo, 100),
        key=key if len(key) <= 100 else f"#{number}",
        title=git.clip(git.opt_text(issue, "title", where=where), 255),
        issue_type=git.clip(issue_type or ("Bug" if is_bug else "Issue"), 50),
        is_bug=is_bug,
        opened_at=opened,
        first_response_at=first_response_at,
        resolved_at=git.opt_moment(issue, "closed_at", where=where) if closed else None,
        url=git.safe_url(git.opt_text(issue, "html_url", where=where), f"https://github.com/{repo}/issues/{number}"),
        observed_at=git.opt_moment(issue, "updated_at", where=where) or opened,
    )


def _issues(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    if data.get("action") == "deleted":
        return []
    issue = git.obj(data, "issue", where="issues")
    return [_issue_row(context, issue, repo, where="issues.issue")]


def _issue_comment(
    context: ParseContext, data: Mapping[str, Any], repo: str, repository: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """A new comment on an issue by someone other than its reporter (and, when the vendor has identity
    rules, by one of the vendor's people) is a response; the earliest is kept. Comments on pull
    requests come as this event too and are not used (reviews are)."""
    if data.get("action") != "created":
        return []
    issue = git.obj(data, "issue", where="issue_comment")
    if issue.get("pull_request") is not None:
        return []
    comment = git.obj(data, "comment", where="issue_comment")
    commenter, bot = _login(git.opt_obj(comment, "user", where="issue_comment.comment"), where="comment.user")
    reporter, _ = _login(git.opt_obj(issue, "user", where="issue_comment.issue"), where="issue.user")
    if bot or not commenter or _same_person(commenter, reporter):
        return []
    if context.rules.matches(login=commenter) is False:
        return []
    answered = git.moment(comment, "created_at", where="issue_comment.comment")
    return [_issue_row(context, issue, repo, where="issue_comment.issue", first_response_at=answered)]


_Parser = Callable[[ParseContext, Mapping[str, Any], str, Mapping[str, Any]], list[TelemetryEvent]]
_PARSERS: dict[str, _Parser] = {
    "push": _push,
    "pull_request": _pull_request,
    "pull_request_review": _pull_request_review,
    "deployment_status": _deployment_status,
    "workflow_run": _workflow_run,
    "issues": _issues,
    "issue_comment": _issue_comment,
}

register_adapter(GitHubAdapter())
