"""DevLake-compatible endpoints on a generic binding, so CI scripts written for Apache DevLake's webhook
plugin post here unchanged: only their DevLake address and API key change.

DevLake serves ``POST <devlake>/api/rest/plugins/webhook/connections/<id>/deployments``, ``…/issues`` and
``…/issue/<key>/close`` (also as ``…/webhook/<id>/…`` and ``…/webhook/connections/by-name/<name>/…``,
and without ``/api/rest`` on its backend port) with ``Authorization: Bearer <api key>``. Here a generic
binding's address followed by ``/devlake`` stands for ``<devlake>``: every one of those paths is served
under ``/api/v1/telemetry/generic/<binding>/devlake/``, the connection id or name is ignored (the
binding is in the address) and the Bearer key is the binding's secret.

A DevLake post has no delivery id and ``curl -d`` sends no JSON content type, and DevLake fills in the
time it received a post (an unfinished deployment's end, an issue's close). So the receiver here
stores what was posted wrapped with what the endpoint knows: ``{"body": <the JSON posted>, "devlake":
"deployment" | "issue" | "issue_close", "issue_key": …, "received_at": …, "digest": …}``; the digest
(SHA-256 of the endpoint, the issue key and the body) is the delivery id, so a replayed post is a
duplicate. The deliveries are the generic binding's, with event types ``devlake.deployment``,
``devlake.issue`` and ``devlake.issue_close``; the generic adapter's ``parse`` hands them to
``parse_devlake`` here. docs/telemetry/jira-pagerduty-generic.md says how each becomes events.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.dates import DateInputError, parse_moment
from apps.performance.choices import DeploymentStatus, IncidentStatus, TelemetrySource
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import (
    Delivery,
    Deployment,
    Incident,
    SourceBinding,
    TelemetryEvent,
    TrackerIssue,
)
from apps.performance.telemetry.receiving import RECEIPT_RESPONSE, TelemetryReceiverView, parse_json
from apps.performance.telemetry.registry import ParseContext, PayloadError, SignatureError, SourceAdapter

DEPLOYMENT = "deployment"
ISSUE = "issue"
ISSUE_CLOSE = "issue_close"
KINDS = (DEPLOYMENT, ISSUE, ISSUE_CLOSE)
EVENT_TYPES = tuple(f"devlake.{kind}" for kind in KINDS)

# DevLake's deployment results (``SUCCESS`` by default) and issue statuses.
RESULTS = {
    "SUCCESS": DeploymentStatus.SUCCESS,
    "FAILURE": DeploymentStatus.FAILURE,
    "FAILED": DeploymentStatus.FAILURE,
    "ABORT": DeploymentStatus.OTHER,
    "ABORTED": DeploymentStatus.OTHER,
    "MANUAL": DeploymentStatus.OTHER,
    "IN_PROGRESS": DeploymentStatus.IN_PROGRESS,
}
ISSUE_STATUSES = {
    "TODO": IncidentStatus.TRIGGERED,
    "IN_PROGRESS": IncidentStatus.ACKNOWLEDGED,
    "DONE": IncidentStatus.RESOLVED,
}
BUG_TYPES = frozenset({"BUG", "DEFECT"})


# -- authentication (DevLake's: a Bearer API key) --------------------------------------------------------
def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; ``None`` without one."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_bearer(request: HttpRequest, secret: str) -> bool | None:
    """Whether the request's Bearer token is the secret; ``None`` when it sends none."""
    token = bearer_token(request)
    return None if token is None else secrets.same(token, secret)


# -- reading a DevLake body ------------------------------------------------------------------------------
def _normalised(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body's keys without case or underscores: DevLake's documentation writes ``issue_key`` and
    ``commit_sha`` where some versions of its code read ``issueKey`` and ``commitSha``; both work."""
    return {key.replace("_", "").lower(): value for key, value in body.items() if isinstance(key, str)}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _moment(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name}: not an ISO 8601 time.")
    try:
        return parse_moment(value)
    except DateInputError:
        raise PayloadError(f"{name}: not an ISO 8601 time.") from None


def _first(body: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = body.get(name.replace("_", "").lower())
        if value not in (None, ""):
            return value
    return None


def _time(body: Mapping[str, Any], *names: str) -> datetime | None:
    return _moment(_first(body, *names), names[0])


def repository_name(repo_url: str) -> str:
    """``https://github.com/apache/incubator-devlake/`` → ``apache/incubator-devlake`` (so a DevLake
    deployment meets the commits a GitHub or GitLab binding stores); a name that is no URL stays."""
    text = repo_url.strip()
    if "://" in text:
        text = urlsplit(text).path
    elif text.startswith("git@") and ":" in text:
        text = text.split(":", 1)[1]
    text = text.strip("/")
    text = text.removesuffix(".git")
    return (text or repo_url.strip())[:255]


def _bounded_id(text: str) -> str:
    return text if len(text) <= 255 else "devlake:" + hashlib.sha256(text.encode()).hexdigest()


def _wrapper(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or "received_at" not in payload:
        raise PayloadError("This delivery was not stored by a DevLake-compatible endpoint.")
    return payload


def _received_at(payload: Mapping[str, Any]) -> datetime:
    moment = _moment(payload.get("received_at"), "received_at")
    if moment is None:
        raise PayloadError("received_at: missing.")
    return moment


def _body(payload: Mapping[str, Any]) -> dict[str, Any]:
    body = payload.get("body")
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object.")
    return _normalised(body)


# -- the parsers -----------------------------------------------------------------------------------------
def parse_devlake(*, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
    """The events of a delivery received on a DevLake-compatible endpoint."""
    wrapper = _wrapper(payload)
    if event_type == "devlake.deployment":
        return _deployments(context, wrapper)
    if event_type == "devlake.issue":
        return _issue_events(context, _body(wrapper), _received_at(wrapper))
    if event_type == "devlake.issue_close":
        return _close(context, wrapper)
    return []


def _deployments(context: ParseContext, wrapper: Mapping[str, Any]) -> list[TelemetryEvent]:
    """One deployment per commit the post names (``commit_sha`` + ``repo_url``, or each entry of
    ``deployment_commits``): a deployment here is one repository's commit reaching an environment, as
    DevLake's own deployment commits are. The deployment's result, times and environment apply to each."""
    body = _body(wrapper)
    received_at = _received_at(wrapper)
    started_at = _time(body, "start_time", "started_date")
    if started_at is None:
        raise PayloadError("start_time: missing (DevLake requires it).")
    result = (_text(body.get("result")) or "SUCCESS").upper()
    if result not in RESULTS:
        raise PayloadError(f"result: {result!r} is not one of SUCCESS, FAILURE, ABORT, MANUAL.")
    status = RESULTS[result]
    finished_at = _time(body, "end_time", "finished_date")
    if finished_at is None and status != DeploymentStatus.IN_PROGRESS:
        finished_at = received_at  # DevLake's own default: the time it received the post
    environment = (_text(body.get("environment")) or "PRODUCTION").lower()[:100]
    pipeline = _text(body.get("pipelineid"))
    title = _text(_first(body, "display_title", "name"))
    commits = body.get("deploymentcommits")
    if commits in (None, []):
        entries = [body]
        where = ""
    elif isinstance(commits, list):
        entries = [_normalised(entry) if isinstance(entry, dict) else {} for entry in commits]
        where = "deployment_commits[{index}]."
    else:
        raise PayloadError("deployment_commits: expected a list of commits.")
    deployments: list[TelemetryEvent] = []
    for index, entry in enumerate(entries):
        prefix = where.format(index=index)
        repo_url, sha = _text(entry.get("repourl")), _text(entry.get("commitsha"))
        if not repo_url:
            raise PayloadError(f"{prefix}repo_url: missing (DevLake requires it).")
        if not sha:
            raise PayloadError(f"{prefix}commit_sha: missing (DevLake requires it).")
        if len(sha) > 64:
            raise PayloadError(f"{prefix}commit_sha: at most 64 characters.")
        entry_title = _text(_first(entry, "display_title", "name")) or title or f"deployment for {sha}"
        ref = _text(entry.get("refname")) or _text(body.get("refname"))
        url_hash = hashlib.md5(repo_url.encode(), usedforsecurity=False).hexdigest()[:16]
        deployments.append(
            Deployment(
                source_id=_bounded_id(f"devlake:{pipeline or '-'}:{url_hash}:{sha}"),
                observed_at=finished_at or started_at,
                repository=repository_name(repo_url),
                environment=environment,
                status=status,
                sha=sha,
                title=entry_title[:255],
                started_at=started_at,
                finished_at=finished_at,
                is_rollback="rollback" in f"{title} {entry_title}".lower()
                or ref.lower().startswith(("hotfix/", "hot-fix/")),
            )
        )
    return deployments


def _decimal(value: Any, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"{name}: not a number.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{name}: not a number.") from None
    if not number.is_finite():
        raise PayloadError(f"{name}: not a number.")
    return number


def _issue_events(context: ParseContext, body: Mapping[str, Any], received_at: datetime) -> list[TelemetryEvent]:
    """An issue, or an incident when its ``type`` is ``INCIDENT`` (as DevLake decides)."""
    key = _text(body.get("issuekey"))
    if not key:
        raise PayloadError("issue_key: missing (DevLake requires it).")
    if len(key) > 100:
        raise PayloadError("issue_key: at most 100 characters.")
    title = _text(body.get("title"))
    if not title:
        raise PayloadError("title: missing (DevLake requires it).")
    status = _text(body.get("status")).upper()
    if status not in ISSUE_STATUSES:
        raise PayloadError("status: must be one of TODO, IN_PROGRESS, DONE.")
    opened_at = _time(body, "created_date")
    if opened_at is None:
        raise PayloadError("created_date: missing (DevLake requires it).")
    updated_at = _time(body, "updated_date")
    resolved_at = _time(body, "resolution_date")
    if resolved_at is None and status == "DONE":
        resolved_at = updated_at or received_at
    observed_at = updated_at or received_at
    issue_type = _text(body.get("type"))
    url = _text(body.get("url"))[:500]
    if issue_type.upper() == "INCIDENT":
        return [
            Incident(
                source_id=key,
                observed_at=observed_at,
                url=url,
                service=(_text(body.get("component")) or context.binding.scope)[:255],
                title=title[:255],
                severity=(_text(body.get("severity")) or _text(body.get("priority")))[:32],
                status=ISSUE_STATUSES[status],
                opened_at=opened_at,
                resolved_at=resolved_at,
            )
        ]
    return [
        TrackerIssue(
            source_id=key,
            observed_at=observed_at,
            url=url,
            key=key,
            title=title[:255],
            issue_type=issue_type[:50],
            is_bug=issue_type.upper() in BUG_TYPES,
            opened_at=opened_at,
            resolved_at=resolved_at,
            points=_decimal(body.get("storypoint"), "story_point"),
        )
    ]


def latest_issue_post(binding: SourceBinding, key: str) -> dict[str, Any] | None:
    """The newest ``devlake.issue`` delivery of the binding about this issue key (its stored payload),
    for a close processed before the issue's own delivery."""
    found = (
        Delivery.objects.filter(binding=binding, event_type="devlake.issue", payload__isnull=False)
        .filter(Q(payload__body__issue_key=key) | Q(payload__body__issueKey=key))
        .order_by("-received_at", "-id")
        .values_list("payload", flat=True)
        .first()
    )
    return found if isinstance(found, dict) else None


def _close(context: ParseContext, wrapper: Mapping[str, Any]) -> list[TelemetryEvent]:
    """DevLake's close sets a stored issue's (or incident's) status to done; here it is resolved at the
    time the close was received, unless it was resolved before. An issue not known is left out."""
    key = _text(wrapper.get("issue_key"))
    if not key:
        raise PayloadError("The issue key is missing from the path.")
    closed_at = _received_at(wrapper)
    binding = context.binding
    incident = Incident.objects.filter(binding=binding, source_id=key).first()
    if incident is not None:
        return [
            Incident(
                source_id=key,
                observed_at=closed_at,
                service=incident.service,
                status=IncidentStatus.RESOLVED,
                opened_at=incident.opened_at,
                resolved_at=incident.resolved_at or closed_at,
            )
        ]
    issue = TrackerIssue.objects.filter(binding=binding, source_id=key).first()
    if issue is not None:
        return [
            TrackerIssue(
                source_id=key,
                observed_at=closed_at,
                key=key,
                is_bug=issue.is_bug,
                opened_at=issue.opened_at,
                resolved_at=issue.resolved_at or closed_at,
            )
        ]
    posted = latest_issue_post(binding, key)
    if posted is None:
        return []
    events = _issue_events(context, _body(posted), _received_at(posted))
    for event in events:
        if isinstance(event, Incident):
            event.status = IncidentStatus.RESOLVED
            event.resolved_at = event.resolved_at or closed_at
        elif isinstance(event, TrackerIssue):
            event.resolved_at = event.resolved_at or closed_at
        event.observed_at = max(event.observed_at, closed_at)
    return events


# -- the receiver ----------------------------------------------------------------------------------------
class DevLakeAdapter(SourceAdapter):
    """What the DevLake-compatible endpoints need of an adapter (not registered: their deliveries are
    the generic binding's, parsed by the generic adapter)."""

    source = TelemetrySource.GENERIC

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.events = (f"devlake.{kind}",)

    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        valid = check_bearer(request, secret)
        if valid is None:
            raise SignatureError("Send the binding's secret as the API key: Authorization: Bearer <secret>.")
        if not valid:
            raise SignatureError("The Bearer API key is not this binding's secret.")

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        return f"devlake.{self.kind}"

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        """The digest ``wrap`` made; and, now that the key is checked, the body must be one JSON value
        by itself (``{…}, "x": 1`` parses inside the stored document, not on its own)."""
        digest = payload.get("digest") if isinstance(payload, dict) else None
        if not isinstance(digest, str) or not digest:
            raise PayloadError("This delivery was not stored by a DevLake-compatible endpoint.")
        parse_json(posted_body(body, payload))
        return digest

    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        return parse_devlake(context=context, event_type=event_type, payload=payload)


_PREFIX = b'{"body": '


def wrap(*, kind: str, issue_key: str, body: bytes) -> bytes:
    """The document stored for a DevLake post: the body as posted (``null`` when empty), then what the
    endpoint knows. The body is not parsed here (the key is checked first); a body that is not JSON
    makes the document invalid, refused with a 400 after the key is checked, and ``body_bytes`` lets
    ``DevLakeAdapter.delivery_id`` check that the body alone is one JSON value. The endpoint's keys
    come after the body, so nothing in the body can stand in for them."""
    posted = body.strip() or b"null"
    digest = hashlib.sha256(b"\0".join([kind.encode(), issue_key.encode(), body])).hexdigest()
    known = {
        "devlake": kind,
        "issue_key": issue_key,
        "received_at": timezone.now().isoformat(),
        "digest": f"devlake:{digest}",
        "body_bytes": len(posted),
    }
    return _PREFIX + posted + b", " + json.dumps(known)[1:].encode()


def posted_body(wrapped: bytes, payload: Mapping[str, Any]) -> bytes:
    """The body as posted, from the stored document ``wrap`` made."""
    size = payload.get("body_bytes")
    if isinstance(size, bool) or not isinstance(size, int) or not wrapped.startswith(_PREFIX):
        raise PayloadError("This delivery was not stored by a DevLake-compatible endpoint.")
    return wrapped[len(_PREFIX) : len(_PREFIX) + size]


class DevLakeReceiverView(TelemetryReceiverView):
    """A DevLake webhook endpoint under a generic binding's address (``kind``: deployment, issue or
    issue_close). ``curl -d`` sends a form content type: the body is read as JSON whatever its type."""

    source = TelemetrySource.GENERIC
    kind: str = DEPLOYMENT

    def adapter(self) -> SourceAdapter:
        return DevLakeAdapter(self.kind)

    @extend_schema(
        tags=["telemetry"],
        request={"application/json": {"type": "object"}},
        responses={
            202: OpenApiResponse(RECEIPT_RESPONSE, description="Stored; processed on the workers."),
            200: OpenApiResponse(RECEIPT_RESPONSE, description="Received before (the same post to the same endpoint)."),
        },
        auth=[],
        summary="Receive an Apache DevLake webhook post (deployments, issues, issue close) for a generic binding",
    )
    def post(self, request: Request, binding: uuid.UUID, **kwargs: Any) -> Response:
        raw: HttpRequest = request._request
        limit = settings.TELEMETRY_MAX_BODY_BYTES
        body = raw.read(limit + 1)
        if len(body) <= limit:
            body = wrap(kind=self.kind, issue_key=str(kwargs.get("issue_key", "")), body=body)
            raw.META["CONTENT_LENGTH"] = str(len(body))
        raw.META["CONTENT_TYPE"] = "application/json"
        raw.content_type = "application/json"
        raw._stream = io.BytesIO(body)  # the request's body is read from _stream: the stored document
        return super().post(request, binding)


class DevLakeAliasView(DevLakeReceiverView):
    """The same endpoints at DevLake's other spellings of their path (not repeated in the API schema)."""

    @extend_schema(exclude=True)
    def post(self, request: Request, binding: uuid.UUID, **kwargs: Any) -> Response:
        return super().post(request, binding, **kwargs)


_ACTIONS = {DEPLOYMENT: "deployments", ISSUE: "issues", ISSUE_CLOSE: "issue/<str:issue_key>/close"}
_PREFIXES = ("api/rest/", "")
_CONNECTIONS = ("connections/<str:connection>/", "connections/by-name/<str:connection>/", "<str:connection>/")
BASE = "telemetry/generic/<uuid:binding>/devlake/"

# The documented form first (DevLake's config UI shows it), then every other spelling DevLake accepts.
urlpatterns: list[Any] = [
    path(
        f"{BASE}api/rest/plugins/webhook/connections/<str:connection>/{action}",
        DevLakeReceiverView.as_view(kind=kind),
        name=f"telemetry-devlake-{kind.replace('_', '-')}",
    )
    for kind, action in _ACTIONS.items()
] + [
    path(f"{BASE}{prefix}plugins/webhook/{connection}{action}", DevLakeAliasView.as_view(kind=kind))
    for kind, action in _ACTIONS.items()
    for prefix in _PREFIXES
    for connection in _CONNECTIONS
    if (prefix, connection) != ("api/rest/", _CONNECTIONS[0])
]
