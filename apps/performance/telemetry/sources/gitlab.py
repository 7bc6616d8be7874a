"""GitLab webhooks (project or group webhooks), read into deployments, commits, merge requests and
issues. The rules are described in docs/telemetry/github-gitlab.md.

GitLab does not sign a delivery: it sends the webhook's secret token as it is in ``X-Gitlab-Token``,
which is compared with the binding's secret in constant time. The event is named in ``X-Gitlab-Event``
(``Push Hook``, ``Merge Request Hook`` …). A delivery is identified by ``Idempotency-Key`` (GitLab 17.4
and later: the same on a retry or a resend) or else by ``X-Gitlab-Event-UUID`` together with a digest of
the body: GitLab gives every event one webhook fires while handling one request the same event UUID
(``Gitlab::WebHooks::RecursionDetection::UUID``), so the UUID alone would take a merge request's
"merge" and the issue it closes for one delivery. A binding's scope is ``group/project`` or a group
(``group`` or ``group/subgroup``: every project under it).
"""

from __future__ import annotations

import hashlib
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

TOKEN_HEADER = "X-Gitlab-Token"
EVENT_HEADER = "X-Gitlab-Event"
EVENT_UUID_HEADER = "X-Gitlab-Event-UUID"
IDEMPOTENCY_HEADER = "Idempotency-Key"

DEPLOYMENT_STATES = {
    "success": DeploymentStatus.SUCCESS,
    "failed": DeploymentStatus.FAILURE,
    "running": DeploymentStatus.IN_PROGRESS,
    "created": DeploymentStatus.IN_PROGRESS,
    "blocked": DeploymentStatus.IN_PROGRESS,
    "canceled": DeploymentStatus.OTHER,
    "skipped": DeploymentStatus.OTHER,
}
TERMINAL = frozenset({DeploymentStatus.SUCCESS, DeploymentStatus.FAILURE, DeploymentStatus.OTHER})
# Acknowledged with a reason and not stored.
NOT_USED = {
    "System Hook": "System hooks are not used: add a project or group webhook to this binding instead.",
    "Pipeline Hook": "Pipeline events are not used: deployments are read from Deployment events "
    "(tick “Deployment events” instead).",
}


def in_scope(scope: str, path: str) -> bool:
    """``group/project`` is that project; ``group`` (or ``group/subgroup``) every project under it."""
    wanted = scope.strip().strip("/").lower()
    name = path.strip().lower()
    return bool(wanted) and (name == wanted or name.startswith(wanted + "/"))


def _web_url(project: Mapping[str, Any]) -> str:
    return git.opt_text(project, "web_url", where="project").rstrip("/")


def _user(data: Mapping[str, Any], *, where: str) -> tuple[int | None, str, str]:
    """The acting user's id, username and e-mail (``[REDACTED]`` when they hide it: then "")."""
    user = git.opt_obj(data, "user", where=where)
    email = git.opt_text(user, "email", where=f"{where}.user")
    return (
        git.opt_integer(user, "id", where=f"{where}.user"),
        git.opt_text(user, "username", where=f"{where}.user"),
        email if "@" in email else "",
    )


def _labels(*sources: Mapping[str, Any], where: str) -> list[str]:
    """Label titles, from the first place that lists them (the event's top level or its object)."""
    for source in sources:
        if source.get("labels") is not None:
            return git.label_names(source.get("labels"), key="title", where=f"{where}.labels")
    return []


class GitLabAdapter(SourceAdapter):
    source = TelemetrySource.GITLAB
    events = (
        "Push Hook",
        "Merge Request Hook",
        "Deployment Hook",
        "Issue Hook",
        "Confidential Issue Hook",
        "Note Hook",
        "Confidential Note Hook",
    )

    # -- the request ------------------------------------------------------------------------------------------
    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        given = request.headers.get(TOKEN_HEADER, "")
        if not given:
            raise SignatureError(
                f"The {TOKEN_HEADER} header is missing: set the webhook's secret token in GitLab "
                "(Settings → Webhooks → Secret token) to this binding's secret."
            )
        if not secret or not secrets.same(given, secret):
            raise SignatureError(
                f"The {TOKEN_HEADER} is not this binding's secret: copy the binding's current secret into "
                "the webhook's secret token in GitLab."
            )

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        event = request.headers.get(EVENT_HEADER, "").strip()
        if not event:
            raise PayloadError(f"The {EVENT_HEADER} header is missing: this is not a GitLab webhook delivery.")
        return event

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if key:
            return key
        event_uuid = request.headers.get(EVENT_UUID_HEADER, "").strip()
        if not event_uuid:
            raise PayloadError(f"The {EVENT_UUID_HEADER} header is missing: this is not a GitLab webhook delivery.")
        return f"{event_uuid}:{hashlib.sha256(body).hexdigest()[:32]}"

    def ignore(self, *, event_type: str, payload: Any) -> str | None:
        if event_type in NOT_USED:
            return NOT_USED[event_type]
        return super().ignore(event_type=event_type, payload=payload)

    # -- the payload ------------------------------------------------------------------------------------------
    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        parser = _PARSERS.get(event_type)
        if parser is None:
            return []
        data = git.as_object(payload, what=event_type)
        project = git.obj(data, "project", where=event_type)
        path = git.text(project, "path_with_namespace", where=f"{event_type}.project")
        if not in_scope(context.binding.scope, path):
            return []
        return parser(context, data, path, project)


def _push(
    context: ParseContext, data: Mapping[str, Any], path: str, project: Mapping[str, Any]
) -> list[TelemetryEvent]:
    ref = git.text(data, "ref", where="push")
    after = git.opt_text(data, "after", where="push")
    if not ref.startswith("refs/heads/") or (after and git.is_zero_sha(after)):
        return []  # a tag, or a branch deleted
    commits = git.array(data, "commits", where="push")
    before = git.opt_text(data, "before", where="push")
    total = git.opt_integer(data, "total_commits_count", where="push")
    # GitLab lists the newest 20 commits of a larger push: then the first listed does not follow ``before``.
    complete = total is None or total <= len(commits)
    first_parent = before.lower() if complete and before and not git.is_zero_sha(before) else ""
    return list(
        git.push_changes(
            context=context,
            repository=path,
            branch=ref.removeprefix("refs/heads/"),
            commits=commits,
            first_parent=first_parent,
            pushed_at=None,
            where="push",
        )
    )


def _merge_request_row(
    context: ParseContext,
    mr: Mapping[str, Any],
    path: str,
    project: Mapping[str, Any],
    *,
    where: str,
    labels: list[str],
    author_login: str = "",
    merged_at: datetime | None = None,
    first_review_at: datetime | None = None,
) -> PullRequest:
    iid = git.integer(mr, "iid", where=where)
    title = git.opt_text(mr, "title", where=where)
    state_text = git.opt_text(mr, "state", where=where)
    merged = state_text == "merged"
    state = (
        PullRequestState.MERGED
        if merged
        else (PullRequestState.CLOSED if state_text == "closed" else PullRequestState.OPEN)
    )
    opened = git.moment(mr, "created_at", where=where)
    branch = git.opt_text(mr, "source_branch", where=where)
    return PullRequest(
        source_id=f"{path}!{iid}",
        repository=path,
        number=iid,
        title=git.clip(title, 255),
        author_login=git.clip(author_login, 100),
        by_vendor=context.rules.matches(login=author_login) if author_login else None,
        state=state,
        opened_at=opened,
        first_review_at=first_review_at,
        merged_at=(merged_at or git.opt_moment(mr, "merged_at", where=where)) if merged else None,
        merge_sha=git.opt_text(mr, "merge_commit_sha", where=where).lower() if merged else "",
        is_revert=git.is_revert_title(title),
        is_hotfix=git.is_hotfix_branch(branch) or git.has_hotfix_label(labels),
        url=git.safe_url(git.opt_text(mr, "url", where=where), f"{_web_url(project)}/-/merge_requests/{iid}"),
        observed_at=git.opt_moment(mr, "updated_at", where=where) or opened,
    )


def _merge_request(
    context: ParseContext, data: Mapping[str, Any], path: str, project: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """A merge request as its event says. The payload has no merge time: an event whose action is
    ``merge`` was sent when it merged (its ``updated_at``). An approval by someone other than the
    author is its review."""
    where = "merge_request.object_attributes"
    attrs = git.obj(data, "object_attributes", where="merge_request")
    action = git.opt_text(attrs, "action", where=where)
    updated = git.opt_moment(attrs, "updated_at", where=where)
    author_id = git.opt_integer(attrs, "author_id", where=where)
    user_id, username, _ = _user(data, where="merge_request")
    by_other = user_id is not None and author_id is not None and user_id != author_id
    return [
        _merge_request_row(
            context,
            attrs,
            path,
            project,
            where=where,
            labels=_labels(data, attrs, where="merge_request"),
            author_login=username if user_id is not None and user_id == author_id else "",
            merged_at=updated if action == "merge" else None,
            first_review_at=updated if action in ("approved", "approval") and by_other else None,
        )
    ]


def _deployment(
    context: ParseContext, data: Mapping[str, Any], path: str, project: Mapping[str, Any]
) -> list[TelemetryEvent]:
    where = "deployment"
    status = DEPLOYMENT_STATES.get(git.text(data, "status", where=where).lower(), DeploymentStatus.OTHER)
    changed = git.moment(data, "status_changed_at", where=where)
    terminal = status in TERMINAL
    # The payload names the commit by its URL (and a short sha); a full sha links it to its commits.
    commit_sha = (
        git.opt_text(data, "sha", where=where)
        or git.opt_text(data, "commit_url", where=where).rstrip("/").rsplit("/", 1)[-1]
    )
    if not git.SHA.match(commit_sha):
        commit_sha = git.opt_text(data, "short_sha", where=where)
    if not git.SHA.match(commit_sha):
        raise PayloadError(f"{where}.commit_url does not name the deployed commit.")
    title = git.opt_text(data, "commit_title", where=where)
    ref = git.opt_text(data, "ref", where=where)
    return [
        Deployment(
            source_id=str(git.integer(data, "deployment_id", where=where)),
            repository=path,
            environment=git.clip(git.text(data, "environment", where=where), 100),
            status=status,
            sha=commit_sha.lower(),
            title=git.clip(title, 255),
            started_at=changed if status == DeploymentStatus.IN_PROGRESS else None,
            finished_at=changed if terminal else None,
            is_rollback=git.is_rollback(ref=ref, description=title),
            url=git.safe_url(git.opt_text(data, "deployable_url", where=where), f"{_web_url(project)}/-/environments"),
            observed_at=git.settled(changed, terminal=terminal),
        )
    ]


def _issue_row(
    context: ParseContext,
    issue: Mapping[str, Any],
    path: str,
    project: Mapping[str, Any],
    *,
    where: str,
    labels: list[str],
    closing: bool = False,
    first_response_at: datetime | None = None,
) -> TrackerIssue:
    iid = git.integer(issue, "iid", where=where)
    opened = git.moment(issue, "created_at", where=where)
    updated = git.opt_moment(issue, "updated_at", where=where)
    closed = git.opt_text(issue, "state", where=where) == "closed"
    resolved = git.opt_moment(issue, "closed_at", where=where) or (updated if closing else None)
    is_bug = any(label.strip().lower() == "bug" for label in labels)
    key = f"{path}#{iid}"
    return TrackerIssue(
        source_id=key,
        project=git.clip(path, 100),
        key=key if len(key) <= 100 else f"#{iid}",
        title=git.clip(git.opt_text(issue, "title", where=where), 255),
        issue_type=git.clip(git.opt_text(issue, "type", where=where) or "Issue", 50),
        is_bug=is_bug,
        opened_at=opened,
        first_response_at=first_response_at,
        resolved_at=resolved if closed else None,
        url=git.safe_url(git.opt_text(issue, "url", where=where), f"{_web_url(project)}/-/issues/{iid}"),
        observed_at=updated or opened,
    )


def _issue(
    context: ParseContext, data: Mapping[str, Any], path: str, project: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """Issues only: other work items (tasks, epics, objectives …) come with ``object_kind`` ``work_item``."""
    if data.get("object_kind") not in (None, "issue"):
        return []
    where = "issue.object_attributes"
    attrs = git.obj(data, "object_attributes", where="issue")
    return [
        _issue_row(
            context,
            attrs,
            path,
            project,
            where=where,
            labels=_labels(data, attrs, where="issue"),
            closing=git.opt_text(attrs, "action", where=where) == "close",
        )
    ]


def _note(
    context: ParseContext, data: Mapping[str, Any], path: str, project: Mapping[str, Any]
) -> list[TelemetryEvent]:
    """A new comment by someone other than the author: on a merge request it is a review, on an issue
    a response (when the vendor has identity rules, only one by the vendor's people counts). System
    notes ("changed the description") are nobody's comment."""
    where = "note.object_attributes"
    attrs = git.obj(data, "object_attributes", where="note")
    if attrs.get("system") is True or git.opt_text(attrs, "action", where=where) not in ("", "create"):
        return []
    noteable = git.opt_text(attrs, "noteable_type", where=where)
    commented = git.moment(attrs, "created_at", where=where)
    user_id, username, email = _user(data, where="note")
    if noteable == "MergeRequest":
        mr = git.obj(data, "merge_request", where="note")
        if user_id is None or user_id == git.opt_integer(mr, "author_id", where="note.merge_request"):
            return []
        return [
            _merge_request_row(
                context,
                mr,
                path,
                project,
                where="note.merge_request",
                labels=_labels(mr, where="note.merge_request"),
                first_review_at=commented,
            )
        ]
    if noteable == "Issue":
        issue = git.obj(data, "issue", where="note")
        if user_id is None or user_id == git.opt_integer(issue, "author_id", where="note.issue"):
            return []
        if context.rules.matches(email=email or None, login=username or None) is False:
            return []
        return [
            _issue_row(
                context,
                issue,
                path,
                project,
                where="note.issue",
                labels=_labels(issue, where="note.issue"),
                first_response_at=commented,
            )
        ]
    return []


_Parser = Callable[[ParseContext, Mapping[str, Any], str, Mapping[str, Any]], list[TelemetryEvent]]
_PARSERS: dict[str, _Parser] = {
    "Push Hook": _push,
    "Merge Request Hook": _merge_request,
    "Deployment Hook": _deployment,
    "Issue Hook": _issue,
    "Confidential Issue Hook": _issue,
    "Note Hook": _note,
    "Confidential Note Hook": _note,
}

register_adapter(GitLabAdapter())
