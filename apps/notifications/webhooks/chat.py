"""Webhook events as chat messages: Slack (Block Kit) and Microsoft Teams (an Adaptive Card).

An endpoint of kind ``slack`` or ``teams`` is posted a message rendered from the event's Standard Webhooks
payload (``{"type", "timestamp", "data"}``, docs/integrations/webhooks.md) instead of the payload itself:
the title, the summary, the facts of the event's type (vendor, contract, KPI, value against target, window,
severity, dates…) and a button back to the record (``data.url``). A type this module does not know renders
its title, summary and link only, so a new event type never breaks a chat endpoint.

Rendering never raises on a payload that lacks a field: a missing or empty value drops its fact.
Texts are cut to the limits each service documents (Block Kit's per-field lengths; Teams' message size),
and Slack's mrkdwn texts are escaped (``&``, ``<``, ``>``), so a vendor's name cannot mention a channel
or forge a link. docs/integrations/chat.md shows the messages and how to create the addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from apps.core.formatting import format_date
from apps.notifications.choices import WebhookEventType

BUTTON_LABEL = "Open in Vendor Governance"

# Block Kit's documented limits (Slack's reference of blocks, text objects and the button element).
SLACK_HEADER_MAX = 150
SLACK_SECTION_TEXT_MAX = 3000
SLACK_FIELDS_MAX = 10
SLACK_FIELD_TEXT_MAX = 2000
SLACK_BUTTON_URL_MAX = 3000
SLACK_BLOCKS_MAX = 50
# The message ``text`` is the notification's fallback; Slack truncates it past 40,000 characters, and a
# notification needs far less.
SLACK_FALLBACK_MAX = 3000

# Teams refuses a message larger than about 28 KB; these bounds keep a card far below it whatever the data.
TEAMS_TITLE_MAX = 200
TEAMS_SUMMARY_MAX = 2000
TEAMS_FACT_VALUE_MAX = 500
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

ELLIPSIS = "…"

Fact = tuple[str, str]


# --- Texts ----------------------------------------------------------------------------------------------


def _length(text: str) -> int:
    """Length as Slack and Teams may count it (UTF-16 code units): never less than Python's ``len``."""
    return len(text.encode("utf-16-le")) // 2


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` (UTF-16 units), ending in an ellipsis when cut."""
    if _length(text) <= limit:
        return text
    budget, used, end = limit - _length(ELLIPSIS), 0, 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        end = index + 1
    return text[:end].rstrip() + ELLIPSIS


def slack_escape(text: str) -> str:
    """Slack's escaping of mrkdwn: only ``&``, ``<`` and ``>`` are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_mrkdwn(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn and cut to ``limit``, never inside an entity (``&amp;``)."""
    escaped = slack_escape(text)
    if _length(escaped) <= limit:
        return escaped
    cut = _truncate(escaped, limit)[: -len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def _one_line(value: Any) -> str:
    """A value as one line of text ("" for None)."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _paragraph(value: Any) -> str:
    """A value as text, its lines kept but trimmed ("" for None)."""
    if value is None:
        return ""
    lines = [" ".join(line.split()) for line in str(value).splitlines()]
    return "\n".join(line for line in lines if line)


def _field(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def _words(value: Any) -> str:
    """A stored choice value as words: ``"at_risk"`` → ``"At risk"``."""
    text = _one_line(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def _is_web_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value


# --- Values ---------------------------------------------------------------------------------------------

# How values print with their unit, as the workspace prints them (apps.kpis.units, which this floor may not
# import; tests/notifications/chat checks the two agree).
_UNIT_SYMBOLS = {"%": "%", "hours": "h", "days": "d", "count": ""}
_UNIT_SINGULARS = {"points": "point"}
_COMPARATOR_SYMBOLS = {"gte": "≥", "lte": "≤"}
_TELEMETRY_SOURCES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "jira": "Jira",
    "pagerduty": "PagerDuty",
    "generic": "Generic event API",
}


def _number(value: Any) -> str:
    """``"95.0000"`` → ``95``, ``2.5`` → ``2.5``, ``0.754`` → ``0.75``; a non-number as it is."""
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _one_line(value)
    if not parsed.is_finite():
        return _one_line(value)
    text = f"{parsed.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _with_unit(value: Any, unit: Any) -> str:
    """``95 %``, ``4 h``, ``2.5 deploy-days/week``, ``1 point``; "" without a value."""
    if value is None or value == "":
        return ""
    printed, unit_name = _number(value), _one_line(unit)
    symbol = _UNIT_SYMBOLS.get(unit_name, unit_name)
    if printed == "1" and unit_name in _UNIT_SINGULARS:
        symbol = _UNIT_SINGULARS[unit_name]
    return f"{printed} {symbol}" if symbol else printed


def _target(comparator: Any, value: Any, unit: Any) -> str:
    """``≥ 95 %`` (the comparator's symbol, then the value with its unit)."""
    printed = _with_unit(value, unit)
    if not printed:
        return ""
    symbol = _COMPARATOR_SYMBOLS.get(_one_line(comparator), _one_line(comparator))
    return f"{symbol} {printed}".strip()


def _money(amount: Any, currency: Any) -> str:
    """``1,250.00 EUR``; "" without an amount or for nothing owed."""
    if amount is None or amount == "":
        return ""
    try:
        parsed = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{_one_line(amount)} {_one_line(currency)}".strip()
    if not parsed.is_finite() or parsed == 0:
        return ""
    return f"{parsed:,.2f} {_one_line(currency)}".strip()


def _count(value: Any) -> str:
    """``1180`` → ``1,180``; a non-integer as it is."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return _one_line(value)


def _date(value: Any) -> str:
    """An ISO date (or the date of an ISO datetime) as the workspace prints one, ``14 Mar 2025``; anything
    else as it is."""
    text = _one_line(value)
    if not text:
        return ""
    try:
        return format_date(date.fromisoformat(text[:10]))
    except ValueError:
        return text


def _parse_datetime(value: Any) -> datetime | None:
    text = _one_line(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _datetime(value: Any) -> str:
    """An ISO datetime as ``14 Mar 2025 09:30 UTC``; anything else as it is."""
    moment = _parse_datetime(value)
    if moment is None:
        return _one_line(value)
    return _utc(moment)


def _utc(moment: datetime) -> str:
    """``14 Mar 2025 09:30 UTC``: a chat channel's readers sit in any time zone, so the zone is named."""
    utc = moment.astimezone(UTC)
    return f"{format_date(utc.date())} {utc:%H:%M} UTC"


def _days(value: Any) -> str:
    """Days from today as words: ``in 12 days``, ``tomorrow``, ``today``, ``3 days ago``."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return ""
    if days > 1:
        return f"in {days} days"
    if days == 1:
        return "tomorrow"
    if days == 0:
        return "today"
    if days == -1:
        return "yesterday"
    return f"{-days} days ago"


def _date_with_days(day: Any, days_left: Any) -> str:
    printed, when = _date(day), _days(days_left)
    if printed and when:
        return f"{printed} ({when})"
    return printed or when


def _window(start: Any, end: Any) -> str:
    first, last = _date(start), _date(end)
    if first and last:
        return f"{first} – {last}"
    return first or last


def _kpi(kpi: Any) -> str:
    name, code = _one_line(_field(kpi, "name")), _one_line(_field(kpi, "code"))
    if name and code and code != name:
        return f"{name} ({code})"
    return name or code


# --- Facts ----------------------------------------------------------------------------------------------


def _record_facts(data: Mapping[str, Any]) -> list[Fact]:
    """The vendor and the contract every event names (either may be null)."""
    facts: list[Fact] = [("Vendor", _one_line(_field(data.get("vendor"), "name")))]
    contract = data.get("contract")
    title, reference = _one_line(_field(contract, "title")), _one_line(_field(contract, "reference"))
    facts.append(("Contract", f"{title} ({reference})" if title and reference else title or reference))
    return facts


def _breach_facts(data: Mapping[str, Any]) -> list[Fact]:
    breach = data.get("breach")
    kpi = _field(breach, "kpi")
    unit = _field(kpi, "unit")
    value = _with_unit(_field(breach, "value"), unit)
    target = _target(_field(breach, "comparator"), _field(breach, "target"), unit)
    return [
        ("KPI", _kpi(kpi)),
        ("Value / target", f"{value} against {target}" if value and target else value or target),
        ("Window", _window(_field(breach, "window_start"), _field(breach, "window_end"))),
        ("Severity", _words(_field(breach, "severity"))),
        ("Status", _words(_field(breach, "status"))),
        ("Service credit", _money(_field(breach, "credit_amount"), _field(breach, "currency"))),
        ("Reason", _one_line(data.get("reason") or _field(breach, "reason"))),
    ]


def _sla_at_risk_facts(data: Mapping[str, Any]) -> list[Fact]:
    term = data.get("sla_term")
    kpi = _field(term, "kpi")
    unit = _field(kpi, "unit")
    comparator = _field(term, "comparator")
    value = _with_unit(data.get("value"), unit)
    target = _target(comparator, _field(term, "target"), unit)
    warning = _target(comparator, _field(term, "warning_target"), unit)
    against = f"{target}, warning at {warning}" if target and warning else target or warning
    return [
        ("KPI", _kpi(kpi)),
        ("Value / target", f"{value} against {against}" if value and against else value or against),
        ("Window", _window(data.get("window_start"), data.get("window_end"))),
    ]


def _cancel_by_facts(data: Mapping[str, Any]) -> list[Fact]:
    return [
        ("Cancel by", _date_with_days(data.get("cancel_by"), data.get("days_left"))),
        ("End date", _date(data.get("end_date"))),
        ("Renewal", _words(data.get("renewal"))),
    ]


def _status_changed_facts(data: Mapping[str, Any]) -> list[Fact]:
    before, after = _words(data.get("from_status")), _words(data.get("to_status"))
    return [
        ("Status", f"{before} → {after}" if before and after else after),
        ("Reason", _one_line(data.get("reason"))),
        ("Changed by", _one_line(data.get("actor")) or "Automatic"),
    ]


def _certification_facts(data: Mapping[str, Any]) -> list[Fact]:
    certification = data.get("certification")
    return [
        ("Certification", _one_line(_field(certification, "name"))),
        ("Expires on", _date_with_days(_field(certification, "expires_on"), data.get("days_left"))),
    ]


def _access_finding_facts(data: Mapping[str, Any]) -> list[Fact]:
    grant, finding = data.get("access_grant"), data.get("finding")
    return [
        ("Account", _one_line(_field(grant, "account"))),
        ("System", _one_line(_field(grant, "system"))),
        ("Finding", _one_line(_field(finding, "message")) or _words(_field(finding, "code"))),
        ("Severity", _words(_field(finding, "severity"))),
    ]


def _review_overdue_facts(data: Mapping[str, Any]) -> list[Fact]:
    review = data.get("review")
    return [
        ("Review", _one_line(_field(review, "title"))),
        ("Scheduled for", _date(_field(review, "scheduled_for"))),
    ]


def _import_finished_facts(data: Mapping[str, Any]) -> list[Fact]:
    job = data.get("import")
    total, written, refused = (_field(job, key) for key in ("rows_total", "rows_written", "rows_refused"))
    rows = ""
    if total is not None:
        rows = f"{_count(written or 0)} written, {_count(refused or 0)} refused of {_count(total)}"
    return [
        ("File", _one_line(_field(job, "file_name"))),
        ("Status", _words(_field(job, "status"))),
        ("Rows", rows),
        ("By", _one_line(data.get("actor"))),
    ]


def _source_silent_facts(data: Mapping[str, Any]) -> list[Fact]:
    binding = data.get("binding")
    source = _one_line(_field(binding, "source"))
    return [
        ("Source", _TELEMETRY_SOURCES.get(source, source)),
        ("Scope", _one_line(_field(binding, "scope"))),
        ("Silent since", _datetime(data.get("silent_since"))),
    ]


def _test_facts(data: Mapping[str, Any]) -> list[Fact]:
    return [("Endpoint", _one_line(_field(data.get("endpoint"), "name")))]


_TYPE_FACTS: dict[str, Callable[[Mapping[str, Any]], list[Fact]]] = {
    WebhookEventType.BREACH_OPENED: _breach_facts,
    WebhookEventType.BREACH_REOPENED: _breach_facts,
    WebhookEventType.BREACH_RETRACTED: _breach_facts,
    WebhookEventType.BREACH_RESOLVED: _breach_facts,
    WebhookEventType.BREACH_WAIVED: _breach_facts,
    WebhookEventType.SLA_AT_RISK: _sla_at_risk_facts,
    WebhookEventType.CONTRACT_CANCEL_BY_APPROACHING: _cancel_by_facts,
    WebhookEventType.CONTRACT_STATUS_CHANGED: _status_changed_facts,
    WebhookEventType.CERTIFICATION_EXPIRING: _certification_facts,
    WebhookEventType.CERTIFICATION_EXPIRED: _certification_facts,
    WebhookEventType.ACCESS_FINDING: _access_finding_facts,
    WebhookEventType.REVIEW_OVERDUE: _review_overdue_facts,
    WebhookEventType.IMPORT_FINISHED: _import_finished_facts,
    WebhookEventType.TELEMETRY_SOURCE_SILENT: _source_silent_facts,
    WebhookEventType.WEBHOOK_TEST: _test_facts,
}


def event_facts(payload: Mapping[str, Any]) -> list[Fact]:
    """The (label, value) facts a chat message shows for the event: the vendor and the contract, then those
    of its type; empty values are left out, at most ``SLACK_FIELDS_MAX``. An unknown type has none."""
    data = _data(payload)
    per_type = _TYPE_FACTS.get(_one_line(payload.get("type")))
    if per_type is None:
        return []
    facts = [(label, value) for label, value in _record_facts(data) + per_type(data) if value]
    return facts[:SLACK_FIELDS_MAX]


# --- The message's parts --------------------------------------------------------------------------------


def _data(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    data = payload.get("data")
    return data if isinstance(data, Mapping) else {}


def _event_label(payload: Mapping[str, Any]) -> str:
    event_type = _one_line(payload.get("type"))
    labels = dict(WebhookEventType.choices)
    return str(labels[event_type]) if event_type in labels else event_type or "Event"


def _title(payload: Mapping[str, Any]) -> str:
    return _one_line(_data(payload).get("title")) or _event_label(payload)


def _summary(payload: Mapping[str, Any]) -> str:
    return _paragraph(_data(payload).get("summary"))


def _record_url(payload: Mapping[str, Any]) -> str:
    url = _data(payload).get("url")
    return str(url) if _is_web_url(url) else ""


# --- Slack ----------------------------------------------------------------------------------------------


def _slack_time(payload: Mapping[str, Any]) -> str:
    """The event's time as Slack's date token (each reader sees it in their own time zone), with the UTC
    time as the fallback text Slack shows where it cannot format the token."""
    moment = _parse_datetime(payload.get("timestamp"))
    if moment is None:
        return ""
    fallback = _utc(moment)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def render_slack(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a Slack incoming-webhook post for ``payload``: a fallback ``text`` (the notification)
    and Block Kit ``blocks`` — header (title), section (summary), section fields (the facts), actions (a
    link button to the record) and context (event type and time)."""
    title, summary, url = _title(payload), _summary(payload), _record_url(payload)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _truncate(title, SLACK_HEADER_MAX), "emoji": False},
        }
    ]
    if summary:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _slack_mrkdwn(summary, SLACK_SECTION_TEXT_MAX),
                    "verbatim": True,
                },
            }
        )
    facts = event_facts(payload)
    if facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": _slack_fact(label, value),
                        "verbatim": True,
                    }
                    for label, value in facts[:SLACK_FIELDS_MAX]
                ],
            }
        )
    if url and _length(url) <= SLACK_BUTTON_URL_MAX:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": BUTTON_LABEL, "emoji": False},
                        "url": url,
                        "action_id": "open_record",
                    }
                ],
            }
        )
    # The label is short (the type's name) and the date token must stay whole: only the label is cut.
    context, when = _slack_mrkdwn(_event_label(payload), 200), _slack_time(payload)
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{context} · {when}" if when else context}]}
    )
    fallback = f"{title}: {summary.splitlines()[0]}" if summary else title
    return {"text": _slack_mrkdwn(fallback, SLACK_FALLBACK_MAX), "blocks": blocks[:SLACK_BLOCKS_MAX]}


def _slack_fact(label: str, value: str) -> str:
    head = f"*{slack_escape(label)}*\n"
    return head + _slack_mrkdwn(value, SLACK_FIELD_TEXT_MAX - _length(head))


# --- Teams ----------------------------------------------------------------------------------------------


def render_teams(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a Teams post for ``payload``: a message whose one attachment is an Adaptive Card
    (version 1.4) — the title (bold), the summary, a fact set, the event type and time, and an
    ``Action.OpenUrl`` to the record. Teams incoming webhooks and Power Automate's "When a Teams webhook
    request is received" workflows both accept this envelope."""
    title, summary, url = _title(payload), _summary(payload), _record_url(payload)
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _truncate(title, TEAMS_TITLE_MAX),
            # Card parsers read enumerations case-insensitively; the published JSON Schema lists them in
            # lower case, so lower case passes both.
            "weight": "bolder",
            "size": "medium",
            "wrap": True,
        }
    ]
    if summary:
        body.append({"type": "TextBlock", "text": _truncate(summary, TEAMS_SUMMARY_MAX), "wrap": True})
    facts = event_facts(payload)
    if facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": _truncate(value, TEAMS_FACT_VALUE_MAX)} for label, value in facts],
            }
        )
    moment = _parse_datetime(payload.get("timestamp"))
    context = _event_label(payload)
    if moment is not None:
        context = f"{context} · {_utc(moment)}"
    body.append({"type": "TextBlock", "text": context, "isSubtle": True, "size": "small", "wrap": True})
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": BUTTON_LABEL, "url": url}]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
