"""Jira Cloud webhooks: issues (created, updated, commented) and sprints (started, closed).

Signature: an admin webhook registered with a secret signs the raw body with HMAC-SHA256 and sends
``X-Hub-Signature: sha256=<hex>`` (the WebSub form); each delivery is named by
``X-Atlassian-Webhook-Identifier``, unchanged across Jira's retries. The event is the payload's
``webhookEvent``. How payloads become events, and the choices below, are in
docs/telemetry/jira-pagerduty-generic.md.

Scope: the binding's ``scope`` is the project key; ``component`` and ``label`` narrow it to issues with
that component or label. A comment event whose issue does not carry its components or labels is in
scope when the issue is stored for the binding already; a sprint event (which names no project) is in
scope when the binding has issues in that sprint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from apps.core.dates import DateInputError, parse_moment
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import SourceBinding, Sprint, TelemetryEvent, TrackerIssue
from apps.performance.telemetry.registry import (
    ParseContext,
    PayloadError,
    SignatureError,
    SourceAdapter,
    register_adapter,
)

SIGNATURE_HEADER = "X-Hub-Signature"
DELIVERY_HEADER = "X-Atlassian-Webhook-Identifier"

ISSUE_CREATED = "jira:issue_created"
ISSUE_UPDATED = "jira:issue_updated"
COMMENT_CREATED = "comment_created"
SPRINT_STARTED = "sprint_started"
SPRINT_CLOSED = "sprint_closed"

# Jira has no standard story-points field: each site has its own custom field. Team-managed projects
# and most cloud sites use customfield_10016 ("Story point estimate"); a site whose points live in
# another field names it (or several, the first with a number wins) in TELEMETRY_JIRA_POINTS_FIELDS.
DEFAULT_POINTS_FIELDS = ("customfield_10016",)
BUG_TYPES = frozenset({"bug", "defect"})
# Jira Server and Data Center write a sprint as text: "com.atlassian.greenhopper.service.sprint.Sprint@…[id=7,…]".
_SERVER_SPRINT = re.compile(r"\[id=(?P<id>\d+),.*?state=(?P<state>[A-Z_]+)")


# -- reading the payload ---------------------------------------------------------------------------------
def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected a JSON object.")
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _moment(value: Any, where: str) -> datetime | None:
    """A Jira time (``2026-10-05T09:00:00.000+0000``) as an aware datetime; ``None`` when absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: not an ISO 8601 time.")
    try:
        return parse_moment(value)
    except DateInputError:
        raise PayloadError(f"{where}: not an ISO 8601 time.") from None


def _epoch_ms(value: Any) -> datetime | None:
    """The payload's ``timestamp`` (milliseconds since the epoch)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _site(link: Any) -> str:
    """The site's address from a REST link (``https://acme.atlassian.net/rest/api/2/issue/10002``)."""
    text = _text(link)
    return text.split("/rest/", 1)[0] if "/rest/" in text else ""


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def points_fields() -> tuple[str, ...]:
    configured = getattr(settings, "TELEMETRY_JIRA_POINTS_FIELDS", None)
    return tuple(configured) if configured else DEFAULT_POINTS_FIELDS


def _points(fields: Mapping[str, Any]) -> Decimal | None:
    for name in points_fields():
        number = _number(fields.get(name))
        if number is not None:
            return number
    return None


def _sprint_entries(fields: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(id, state, end) of each sprint an issue is or was in, from whichever custom field holds them:
    Jira Cloud writes a list of objects with ``id``, ``state`` and ``boardId``; Server writes text."""
    entries: list[tuple[str, str, str]] = []
    for name, value in fields.items():
        if not name.startswith("customfield_") or not isinstance(value, list) or not value:
            continue
        for item in value:
            if isinstance(item, dict) and "id" in item and "state" in item and ("boardId" in item or "name" in item):
                end = _text(item.get("completeDate")) or _text(item.get("endDate"))
                entries.append((str(item["id"]), _text(item["state"]).lower(), end))
            elif isinstance(item, str) and (match := _SERVER_SPRINT.search(item)):
                entries.append((match["id"], match["state"].lower(), ""))
    return entries


def _sprint_of(fields: Mapping[str, Any]) -> str:
    """The sprint an issue counts in: its active sprint, else its next (future) one, else the last
    closed one (where a resolved issue was completed)."""
    entries = _sprint_entries(fields)
    for state in ("active", "future"):
        for sprint_id, sprint_state, _end in entries:
            if sprint_state == state:
                return sprint_id
    closed = [entry for entry in entries if entry[1] == "closed"]
    if closed:
        return max(closed, key=lambda entry: entry[2])[0]
    return entries[-1][0] if entries else ""


def _project(key: str, fields: Mapping[str, Any]) -> str:
    """The issue's project key: its ``project`` field, else its key's prefix (``API-7`` → ``API``)."""
    return _text(_object(fields.get("project") or {}, "issue.fields.project").get("key")) or key.rsplit("-", 1)[0]


def _person(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value else None


def _same_person(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    for key in ("accountId", "key", "name", "emailAddress"):
        mine, theirs = _text(one.get(key)), _text(other.get(key))
        if mine and theirs:
            return mine.lower() == theirs.lower()
    return False


def _is_vendors(person: Mapping[str, Any], context: ParseContext) -> bool | None:
    """Whether the person is the vendor's: by e-mail (Jira sends it only when the person's profile
    shows it), else by login rules matched against the account id, the Server user name and the
    display name. ``None`` when the vendor has no rules."""
    rules = context.rules
    email = _text(person.get("emailAddress"))
    logins = [_text(person.get(key)) for key in ("accountId", "name", "key", "displayName")]
    verdicts = [rules.matches(email=email or None)] + [rules.matches(login=login) for login in logins if login]
    if any(verdict is True for verdict in verdicts):
        return True
    return None if rules.empty else False


def _responds(actor: Any, reporter: Any, context: ParseContext) -> bool:
    """Whether an action by ``actor`` is a response to the reporter: someone other than the reporter,
    and the vendor's where the vendor has identity rules. Without rules, an issue whose reporter the
    payload does not name has no known response."""
    person = _person(actor)
    if person is None:
        return False
    known_reporter = _person(reporter)
    if known_reporter is not None and _same_person(person, known_reporter):
        return False
    vendors = _is_vendors(person, context)
    if vendors is None:
        return known_reporter is not None
    return vendors


# -- reading what is stored (scope of comments and sprints, sprint points) -------------------------------
def stored_issue(binding: SourceBinding, key: str) -> TrackerIssue | None:
    return TrackerIssue.objects.filter(binding=binding, source_id=key).first()


def sprint_points(binding: SourceBinding, sprint_id: str, *, resolved_by: datetime | None = None) -> Decimal | None:
    """The points of the binding's stored issues in the sprint (those resolved by ``resolved_by`` when
    given); ``None`` when none of them has points."""
    issues = TrackerIssue.objects.filter(binding=binding, sprint=sprint_id)
    if resolved_by is not None:
        issues = issues.filter(resolved_at__isnull=False, resolved_at__lte=resolved_by)
    total: Decimal | None = issues.aggregate(total=Sum("points"))["total"]
    return total


def sprint_in_scope(binding: SourceBinding, sprint_id: str) -> bool:
    return TrackerIssue.objects.filter(binding=binding, sprint=sprint_id).exists()


def stored_committed_points(binding: SourceBinding, sprint_id: str) -> Decimal | None:
    return (
        Sprint.objects.filter(binding=binding, source_id=sprint_id).values_list("committed_points", flat=True).first()
    )


# -- the adapter -----------------------------------------------------------------------------------------
class JiraAdapter(SourceAdapter):
    source = "jira"
    events = (ISSUE_CREATED, ISSUE_UPDATED, COMMENT_CREATED, SPRINT_STARTED, SPRINT_CLOSED)

    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not given:
            raise SignatureError(
                f"The {SIGNATURE_HEADER} header is missing: register the webhook in Jira with this binding's secret."
            )
        method, _, digest = given.partition("=")
        if method.strip().lower() != "sha256" or not secrets.same(
            digest.strip().lower(), secrets.hmac_sha256_hex(secret, body)
        ):
            raise SignatureError(f"The {SIGNATURE_HEADER} signature was not made with this binding's secret.")

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        event = payload.get("webhookEvent") if isinstance(payload, dict) else None
        if not isinstance(event, str) or not event.strip():
            raise PayloadError("webhookEvent: missing; this is not a Jira webhook payload.")
        return event.strip()

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        identifier = request.headers.get(DELIVERY_HEADER, "").strip()
        if not identifier:
            raise PayloadError(f"The {DELIVERY_HEADER} header is missing: Jira names every delivery with it.")
        return identifier

    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        payload = _object(payload, "payload")
        if event_type in (ISSUE_CREATED, ISSUE_UPDATED):
            return self._issue(context, payload)
        if event_type == COMMENT_CREATED:
            return self._comment(context, payload)
        if event_type in (SPRINT_STARTED, SPRINT_CLOSED):
            return self._sprint(context, payload, closed=event_type == SPRINT_CLOSED)
        return []

    # -- issues --------------------------------------------------------------------------------------------
    def _in_scope(self, context: ParseContext, key: str, fields: Mapping[str, Any]) -> bool:
        binding = context.binding
        if _project(key, fields).lower() != binding.scope.strip().lower():
            return False
        narrowed: list[bool | None] = []  # per narrowing: kept, left out, or not said by the payload
        if binding.component:
            if "components" in fields:
                names = [_text(c.get("name")).lower() for c in fields.get("components") or [] if isinstance(c, dict)]
                narrowed.append(binding.component.strip().lower() in names)
            else:
                narrowed.append(None)
        if binding.label:
            if "labels" in fields:
                labels = [_text(label).lower() for label in fields.get("labels") or []]
                narrowed.append(binding.label.strip().lower() in labels)
            else:
                narrowed.append(None)
        if False in narrowed:
            return False
        if None in narrowed:  # the payload does not say: in scope if the binding has the issue
            return stored_issue(binding, key) is not None
        return True

    def _issue_head(self, payload: Mapping[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
        issue = _object(payload.get("issue"), "issue")
        key = _text(issue.get("key"))
        if not key:
            raise PayloadError("issue.key: missing.")
        fields = _object(issue.get("fields") or {}, "issue.fields")
        return issue, key, fields

    def _issue(self, context: ParseContext, payload: Mapping[str, Any]) -> list[TelemetryEvent]:
        issue, key, fields = self._issue_head(payload)
        if not self._in_scope(context, key, fields):
            return []
        opened_at = _moment(fields.get("created"), "issue.fields.created")
        if opened_at is None:
            raise PayloadError("issue.fields.created: missing.")
        observed_at = (
            _epoch_ms(payload.get("timestamp")) or _moment(fields.get("updated"), "issue.fields.updated") or opened_at
        )
        issue_type = _text(_object(fields.get("issuetype") or {}, "issue.fields.issuetype").get("name"))
        status = _object(fields.get("status") or {}, "issue.fields.status")
        category = _text(_object(status.get("statusCategory") or {}, "issue.fields.status").get("key"))
        resolved_at = _moment(fields.get("resolutiondate"), "issue.fields.resolutiondate")
        if resolved_at is None and category == "done":
            resolved_at = _moment(fields.get("statuscategorychangedate"), "issue.fields.statuscategorychangedate")
        reporter = fields.get("reporter")
        responses: list[datetime] = []
        comment = payload.get("comment")
        if isinstance(comment, dict) and _responds(comment.get("author"), reporter, context):
            responded = _moment(comment.get("created"), "comment.created")
            if responded is not None:
                responses.append(responded)
        changelog = payload.get("changelog")
        items = changelog.get("items") if isinstance(changelog, dict) else None
        moved = isinstance(items, list) and any(isinstance(i, dict) and i.get("field") == "status" for i in items)
        if moved and _responds(payload.get("user"), reporter, context):
            responses.append(observed_at)
        return [
            TrackerIssue(
                source_id=key,
                observed_at=observed_at,
                url=f"{_site(issue.get('self'))}/browse/{key}" if _site(issue.get("self")) else "",
                project=_project(key, fields)[:100],
                key=key,
                title=_text(fields.get("summary"))[:255],
                issue_type=issue_type[:50],
                is_bug=issue_type.lower() in BUG_TYPES,
                opened_at=opened_at,
                first_response_at=min(responses) if responses else None,
                resolved_at=resolved_at,
                sprint=_sprint_of(fields),
                points=_points(fields),
            )
        ]

    def _comment(self, context: ParseContext, payload: Mapping[str, Any]) -> list[TelemetryEvent]:
        """A comment gives only the issue's first response. Its issue is sent with a few fields, so the
        stored issue fills in the rest (and the event is not newer than it: it overwrites nothing)."""
        issue, key, fields = self._issue_head(payload)
        comment = _object(payload.get("comment"), "comment")
        responded = _moment(comment.get("created"), "comment.created")
        if not self._in_scope(context, key, fields):
            return []
        if responded is None or not _responds(comment.get("author"), fields.get("reporter"), context):
            return []
        stored = stored_issue(context.binding, key)
        issue_type = _text(_object(fields.get("issuetype") or {}, "issue.fields.issuetype").get("name"))
        if stored is not None:
            opened_at, observed_at, is_bug = stored.opened_at, stored.observed_at, stored.is_bug
        else:
            created = _moment(fields.get("created"), "issue.fields.created")
            if created is None:
                return []  # nothing to attach it to yet; the issue's own "updated" delivery carries it too
            opened_at, is_bug = created, issue_type.lower() in BUG_TYPES
            observed_at = _epoch_ms(payload.get("timestamp")) or responded
        return [
            TrackerIssue(
                source_id=key,
                observed_at=observed_at,
                url=f"{_site(issue.get('self'))}/browse/{key}" if _site(issue.get("self")) else "",
                project=_project(key, fields)[:100],
                key=key,
                opened_at=opened_at,
                is_bug=is_bug,
                first_response_at=responded,
            )
        ]

    # -- sprints -------------------------------------------------------------------------------------------
    def _sprint(self, context: ParseContext, payload: Mapping[str, Any], *, closed: bool) -> list[TelemetryEvent]:
        """A sprint's points are not in its webhook: they are summed from the binding's stored issues of
        the sprint. Committed: the points of its issues when it starts (at its close, when its start
        was not seen). Completed: the points of its issues resolved by its close."""
        sprint = _object(payload.get("sprint"), "sprint")
        sprint_id = sprint.get("id")
        if isinstance(sprint_id, bool) or not isinstance(sprint_id, int | str) or not str(sprint_id).strip():
            raise PayloadError("sprint.id: missing.")
        sprint_id = str(sprint_id).strip()
        started_at = _moment(sprint.get("startDate"), "sprint.startDate")
        closed_at = _moment(sprint.get("completeDate"), "sprint.completeDate") if closed else None
        if closed and closed_at is None:
            closed_at = _epoch_ms(payload.get("timestamp")) or _moment(sprint.get("endDate"), "sprint.endDate")
            if closed_at is None:
                raise PayloadError("sprint.completeDate: missing.")
        binding = context.binding
        if not sprint_in_scope(binding, sprint_id):
            return []
        observed_at = _epoch_ms(payload.get("timestamp")) or closed_at or started_at
        if observed_at is None:
            raise PayloadError("sprint.startDate: missing.")
        committed: Decimal | None = None
        completed: Decimal | None = None
        if not closed:
            committed = sprint_points(binding, sprint_id)
        else:
            if stored_committed_points(binding, sprint_id) is None:
                committed = sprint_points(binding, sprint_id)
            # None when its issues carry no points at all (the team does not estimate), else a sum.
            if sprint_points(binding, sprint_id) is not None:
                completed = sprint_points(binding, sprint_id, resolved_by=closed_at) or Decimal(0)
        site, board = _site(sprint.get("self")), sprint.get("originBoardId")
        url = (
            f"{site}/secure/RapidBoard.jspa?rapidView={board}&view=reporting&chart=sprintRetrospective&sprint={sprint_id}"
            if site and isinstance(board, int)
            else ""
        )
        return [
            Sprint(
                source_id=sprint_id,
                observed_at=observed_at,
                url=url,
                name=_text(sprint.get("name"))[:255],
                started_at=started_at,
                closed_at=closed_at,
                committed_points=committed,
                completed_points=completed,
            )
        ]


register_adapter(JiraAdapter())
