"""The generic event API: the project's own JSON, for any tool without an adapter of its own.

Authentication, either: ``Authorization: Bearer <binding secret>``, or ``X-Signature-256:
sha256=<hex HMAC-SHA256 of the body made with the secret>``. The body is
``{"id": "<delivery id, unique per binding>", "events": [{"type": …, …}, …]}`` with 1 to 1,000
events of the six kinds (deployment, change, pull_request, incident, issue, sprint), each with the
fields of its normalised model (``FIELDS`` below; docs/telemetry/jira-pagerduty-generic.md documents
them one by one). A malformed event is refused with its index and field: ``events[3].finished_at: not
an ISO 8601 time``; nothing of the delivery is stored. The generic binding's scope is only a name:
every event of a well-signed delivery is the binding's.

The same binding serves the DevLake-compatible endpoints (``sources.devlake``): their deliveries
(``devlake.*`` event types) are parsed here, by handing them to ``devlake.parse_devlake``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from apps.core.dates import DateInputError, parse_moment
from apps.performance.choices import DeploymentStatus, IncidentStatus, PullRequestState
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import (
    Change,
    Deployment,
    Incident,
    PullRequest,
    SourceBinding,
    Sprint,
    TelemetryEvent,
    TrackerIssue,
)
from apps.performance.telemetry.registry import (
    ParseContext,
    PayloadError,
    SignatureError,
    SourceAdapter,
    register_adapter,
)
from apps.performance.telemetry.sources import devlake

SIGNATURE_HEADER = "X-Signature-256"
EVENT_TYPE = "events"
MAX_EVENTS = 1_000
BUG_TYPES = frozenset({"bug", "defect"})


@dataclass(frozen=True)
class Field:
    """One JSON field of an event: its kind (``text``, ``id``, ``time``, ``bool``, ``int``, ``number``,
    ``choice``), the model attribute it fills, whether it is required, and a choice's values."""

    kind: str
    attr: str
    required: bool = False
    choices: tuple[str, ...] = ()


def _f(kind: str, attr: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> Field:
    return Field(kind=kind, attr=attr, required=required, choices=choices)


_COMMON = {"url": _f("text", "url"), "observed_at": _f("time", "observed_at")}

# The fields of each event type, by JSON name (docs/telemetry/jira-pagerduty-generic.md).
FIELDS: dict[str, dict[str, Field]] = {
    "deployment": {
        "id": _f("id", "source_id", required=True),
        "repository": _f("text", "repository", required=True),
        "environment": _f("text", "environment", required=True),
        "status": _f("choice", "status", required=True, choices=tuple(DeploymentStatus.values)),
        "sha": _f("text", "sha"),
        "title": _f("text", "title"),
        "started_at": _f("time", "started_at"),
        "finished_at": _f("time", "finished_at"),
        "rollback": _f("bool", "is_rollback"),
        **_COMMON,
    },
    "change": {
        "sha": _f("text", "sha", required=True),
        "repository": _f("text", "repository", required=True),
        "parent_sha": _f("text", "parent_sha"),
        "authored_at": _f("time", "authored_at", required=True),
        "author_email": _f("text", "author_email"),
        "author_login": _f("text", "author_login"),
        "message": _f("text", "message"),
        "revert": _f("bool", "is_revert"),
        "hotfix": _f("bool", "is_hotfix"),
        **_COMMON,
    },
    "pull_request": {
        "number": _f("int", "number", required=True),
        "repository": _f("text", "repository", required=True),
        "title": _f("text", "title"),
        "author_login": _f("text", "author_login"),
        "state": _f("choice", "state", required=True, choices=tuple(PullRequestState.values)),
        "opened_at": _f("time", "opened_at", required=True),
        "first_commit_at": _f("time", "first_commit_at"),
        "first_review_at": _f("time", "first_review_at"),
        "merged_at": _f("time", "merged_at"),
        "merge_sha": _f("text", "merge_sha"),
        "revert": _f("bool", "is_revert"),
        "hotfix": _f("bool", "is_hotfix"),
        **_COMMON,
    },
    "incident": {
        "id": _f("id", "source_id", required=True),
        "service": _f("text", "service"),
        "title": _f("text", "title"),
        "severity": _f("text", "severity"),
        "status": _f("choice", "status", required=True, choices=tuple(IncidentStatus.values)),
        "opened_at": _f("time", "opened_at", required=True),
        "acknowledged_at": _f("time", "acknowledged_at"),
        "resolved_at": _f("time", "resolved_at"),
        "caused_by_sha": _f("text", "caused_by_sha"),
        "caused_by_deployment": _f("text", "caused_by_deployment"),
        **_COMMON,
    },
    "issue": {
        "key": _f("id", "key", required=True),
        "project": _f("text", "project"),
        "title": _f("text", "title"),
        "issue_type": _f("text", "issue_type"),
        "bug": _f("bool", "is_bug"),
        "opened_at": _f("time", "opened_at", required=True),
        "first_response_at": _f("time", "first_response_at"),
        "resolved_at": _f("time", "resolved_at"),
        "sprint": _f("id", "sprint"),
        "points": _f("number", "points"),
        **_COMMON,
    },
    "sprint": {
        "id": _f("id", "source_id", required=True),
        "name": _f("text", "name"),
        "started_at": _f("time", "started_at"),
        "closed_at": _f("time", "closed_at"),
        "committed_points": _f("number", "committed_points"),
        "completed_points": _f("number", "completed_points"),
        **_COMMON,
    },
}
MODELS: dict[str, type[TelemetryEvent]] = {
    "deployment": Deployment,
    "change": Change,
    "pull_request": PullRequest,
    "incident": Incident,
    "issue": TrackerIssue,
    "sprint": Sprint,
}


# -- reading one value -----------------------------------------------------------------------------------
def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _value(field: Field, value: Any, where: str) -> Any:
    """The JSON value as the model attribute wants it; ``PayloadError`` naming ``where`` otherwise."""
    if field.kind in ("text", "choice"):
        if not isinstance(value, str):
            raise PayloadError(f"{where}: expected a string.")
        text = value.strip()
        if field.kind == "choice" and text not in field.choices:
            raise PayloadError(f"{where}: {text!r} is not one of {', '.join(field.choices)}.")
        return text
    if field.kind == "id":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise PayloadError(f"{where}: expected a string or an integer.")
        return str(value).strip()
    if field.kind == "time":
        if not isinstance(value, str):
            raise PayloadError(f"{where}: not an ISO 8601 time.")
        try:
            return parse_moment(value)
        except DateInputError:
            raise PayloadError(f"{where}: not an ISO 8601 time.") from None
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise PayloadError(f"{where}: expected true or false.")
        return value
    if field.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PayloadError(f"{where}: expected a positive integer.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"{where}: expected a number.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{where}: expected a number.") from None
    if not number.is_finite():
        raise PayloadError(f"{where}: expected a number.")
    return number


# -- what each kind adds to its fields -------------------------------------------------------------------
def _revert(text: str) -> bool:
    return text.startswith('Revert "')


def _hotfix(text: str) -> bool:
    lowered = text.lower()
    return "hotfix" in lowered or "hot-fix" in lowered


def _complete_deployment(values: dict[str, Any], context: ParseContext) -> None:
    values.setdefault("is_rollback", False)


def _complete_change(values: dict[str, Any], context: ParseContext) -> None:
    message = values.get("message", "").splitlines()[0] if values.get("message") else ""
    values["message"] = message
    values["source_id"] = f"{values['repository']}@{values['sha']}"
    values.setdefault("is_revert", _revert(message))
    values.setdefault("is_hotfix", _hotfix(message))
    values["by_vendor"] = context.rules.matches(
        email=values.get("author_email") or None, login=values.get("author_login") or None
    )


def _complete_pull_request(values: dict[str, Any], context: ParseContext) -> None:
    values["source_id"] = f"{values['repository']}#{values['number']}"
    values.setdefault("is_revert", _revert(values.get("title", "")))
    values.setdefault("is_hotfix", False)
    values["by_vendor"] = context.rules.matches(login=values.get("author_login") or None)


def _complete_incident(values: dict[str, Any], context: ParseContext) -> None:
    values["service"] = values.get("service") or context.binding.scope


def _complete_issue(values: dict[str, Any], context: ParseContext) -> None:
    values["source_id"] = values["key"]
    values.setdefault("is_bug", values.get("issue_type", "").lower() in BUG_TYPES)


def _complete_sprint(values: dict[str, Any], context: ParseContext) -> None:
    return None


COMPLETE: dict[str, Callable[[dict[str, Any], ParseContext], None]] = {
    "deployment": _complete_deployment,
    "change": _complete_change,
    "pull_request": _complete_pull_request,
    "incident": _complete_incident,
    "issue": _complete_issue,
    "sprint": _complete_sprint,
}


def _event(index: int, item: Any, context: ParseContext) -> TelemetryEvent:
    at = f"events[{index}]"
    if not isinstance(item, dict):
        raise PayloadError(f"{at}: expected a JSON object.")
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise PayloadError(f"{at}.type: must be one of {', '.join(FIELDS)}.")
    fields = FIELDS[kind]
    values: dict[str, Any] = {}
    for name, value in item.items():
        if name == "type":
            continue
        field = fields.get(name)
        if field is None:
            raise PayloadError(f"{at}.{name}: not a field of {_a(kind)} event.")
        if value is None:
            continue
        values[field.attr] = _value(field, value, f"{at}.{name}")
    for name, field in fields.items():
        if field.required and values.get(field.attr) in (None, ""):
            raise PayloadError(f"{at}.{name}: required for {_a(kind)} event.")
    COMPLETE[kind](values, context)
    if "observed_at" not in values:
        moments = [value for value in values.values() if isinstance(value, datetime)]
        if not moments:
            raise PayloadError(f"{at}.observed_at: give observed_at or one of the event's times.")
        values["observed_at"] = max(moments)
    event = MODELS[kind](**values)
    json_name = {field.attr: name for name, field in fields.items()}
    try:
        event.full_clean(exclude=["binding", "contract"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems = [
            f"{at}.{json_name.get(attr, 'id' if attr == 'source_id' else attr)}: {message}"
            for attr, messages in exc.message_dict.items()
            for message in messages
        ]
        raise PayloadError("; ".join(problems)) from None
    return event


def parse_events(*, context: ParseContext, payload: Any) -> list[TelemetryEvent]:
    """The events of a generic API delivery, checked one by one (the first problem is the answer)."""
    if not isinstance(payload, dict):
        raise PayloadError('The body must be a JSON object: {"id": …, "events": […]}.')
    unknown = sorted(set(payload) - {"id", "events"})
    if unknown:
        raise PayloadError(f"{unknown[0]}: not a field of the body (it has id and events).")
    items = payload.get("events")
    if not isinstance(items, list):
        raise PayloadError("events: required, a list of 1 to 1,000 events.")
    if not 1 <= len(items) <= MAX_EVENTS:
        raise PayloadError(f"events: send 1 to 1,000 events in one delivery (this one has {len(items):,}).")
    return [_event(index, item, context) for index, item in enumerate(items)]


# -- the adapter -----------------------------------------------------------------------------------------
class GenericAdapter(SourceAdapter):
    source = "generic"
    events = (EVENT_TYPE, *devlake.EVENT_TYPES)
    # The DevLake-compatible endpoints live under the generic binding's address.
    urlpatterns = devlake.urlpatterns

    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        bearer = devlake.check_bearer(request, secret)
        if bearer:
            return
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if signature:
            method, _, digest = signature.partition("=")
            if method.strip().lower() == "sha256" and secrets.same(
                digest.strip().lower(), secrets.hmac_sha256_hex(secret, body)
            ):
                return
            raise SignatureError(f"The {SIGNATURE_HEADER} signature was not made with this binding's secret.")
        if bearer is False:
            raise SignatureError("The Bearer token is not this binding's secret.")
        raise SignatureError(
            f"Send the binding's secret as Authorization: Bearer <secret>, or sign the body: "
            f"{SIGNATURE_HEADER}: sha256=<HMAC-SHA256 hex of the body>."
        )

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        return EVENT_TYPE

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        identifier = payload.get("id") if isinstance(payload, Mapping) else None
        if isinstance(identifier, bool) or not isinstance(identifier, str | int) or not str(identifier).strip():
            raise PayloadError("id: required, the delivery's id (a string unique for this binding).")
        text = str(identifier).strip()
        if len(text) > 255:
            raise PayloadError("id: at most 255 characters.")
        return text

    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        if event_type in devlake.EVENT_TYPES:
            return devlake.parse_devlake(context=context, event_type=event_type, payload=payload)
        if event_type == EVENT_TYPE:
            return parse_events(context=context, payload=payload)
        return []


register_adapter(GenericAdapter())
