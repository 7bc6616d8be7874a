"""The payload of each webhook event type, version 1, as JSON Schema (draft 2020-12, as OpenAPI 3.1 uses).

These schemas are the contract receivers rely on: the OpenAPI document's ``webhooks`` section shows
them (``apps.notifications.webhooks.openapi``), docs/integrations/webhooks.md explains them, and the
tests validate every payload the product publishes against them. Fields may be added within a version
(receivers ignore what they do not know: ``additionalProperties`` is open); renaming, removing or
changing the meaning of a field needs a new ``version``.

Decimal numbers travel as strings (``"97.5000"``), as everywhere in the API; dates as ``YYYY-MM-DD``;
times as ISO 8601 in UTC.
"""

from __future__ import annotations

from typing import Any

from apps.notifications.choices import WebhookEventType as T
from apps.notifications.webhooks.events import PAYLOAD_VERSION

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
DECIMAL: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "A decimal number, as a string."}
DATE: Schema = {"type": "string", "format": "date"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict[str, Schema], *, description: str = "", required: list[str] | None = None) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if description:
        schema["description"] = description
    return schema


VENDOR = nullable(obj({"id": INTEGER, "name": STRING}, description="The vendor the event is about, or null."))
CONTRACT = nullable(
    obj(
        {"id": INTEGER, "title": STRING, "reference": {**STRING, "description": "Our contract number (may be empty)."}},
        description="The contract the event is about, or null.",
    )
)
KPI = obj({"code": STRING, "name": STRING, "unit": STRING}, description="The KPI measured.")
SUBJECT = obj(
    {
        "type": {**STRING, "description": "What the event is about: breach, sla_term, contract, certification, …"},
        "id": INTEGER,
    },
    description="The record the event is about.",
)

COMMON: dict[str, Schema] = {
    "version": {"type": "integer", "const": PAYLOAD_VERSION, "description": "The payload's version."},
    "title": {**STRING, "description": "One line, for a notification or a chat message."},
    "summary": {**STRING, "description": "One to three sentences of plain text."},
    "url": {**STRING, "format": "uri", "description": "The record in Vendor Governance."},
    "subject": SUBJECT,
    "vendor": VENDOR,
    "contract": CONTRACT,
}

BREACH = obj(
    {
        "id": INTEGER,
        "status": {**STRING, "enum": ["open", "acknowledged", "resolved", "waived", "retracted"]},
        "severity": {**STRING, "enum": ["minor", "major", "critical"]},
        "kpi": KPI,
        "value": DECIMAL,
        "target": DECIMAL,
        "comparator": {**STRING, "enum": ["gte", "lte"]},
        "window_start": DATE,
        "window_end": DATE,
        "credit_amount": DECIMAL,
        "currency": {**STRING, "description": "ISO 4217."},
    },
    description="The breach as it stands after the event.",
)
REASON = {**STRING, "description": "Why, as the person recorded it."}
DAYS_LEFT = {**INTEGER, "description": "Days from the event's day to the date (negative: days since)."}

EXTRA: dict[str, tuple[dict[str, Schema], str]] = {
    T.BREACH_OPENED: ({"breach": BREACH}, "An SLA window closed breached: a breach is open."),
    T.BREACH_REOPENED: ({"breach": BREACH}, "Later data made a retracted breach hold again."),
    T.BREACH_RETRACTED: ({"breach": BREACH}, "Late data made the window met: the breach is retracted."),
    T.BREACH_RESOLVED: ({"breach": BREACH, "reason": REASON}, "Someone resolved the breach (how, in `reason`)."),
    T.BREACH_WAIVED: ({"breach": BREACH, "reason": REASON}, "Someone waived the breach's credit (why, in `reason`)."),
    T.SLA_AT_RISK: (
        {
            "sla_term": obj(
                {
                    "id": INTEGER,
                    "kpi": KPI,
                    "target": DECIMAL,
                    "warning_target": nullable(DECIMAL),
                    "comparator": {**STRING, "enum": ["gte", "lte"]},
                }
            ),
            "value": {**nullable(DECIMAL), "description": "The value so far (null: no value yet)."},
            "window_start": DATE,
            "window_end": DATE,
        },
        "The open window of an SLA term is at risk: an early warning, not a breach.",
    ),
    T.CONTRACT_CANCEL_BY_APPROACHING: (
        {
            "cancel_by": DATE,
            "days_left": DAYS_LEFT,
            "end_date": nullable(DATE),
            "renewal": {**STRING, "enum": ["none", "automatic", "explicit"]},
        },
        "A contract's cancel-by date is 90, 60 or 30 days away (or closer).",
    ),
    T.CONTRACT_STATUS_CHANGED: (
        {
            "from_status": {**STRING, "enum": ["draft", "active", "expired", "terminated"]},
            "to_status": {**STRING, "enum": ["draft", "active", "expired", "terminated"]},
            "reason": REASON,
            "actor": {**nullable(STRING), "description": "The username of who moved it (null: by date)."},
        },
        "A contract moved in its lifecycle (by a person, or expired by date).",
    ),
    T.CERTIFICATION_EXPIRING: (
        {"certification": obj({"id": INTEGER, "name": STRING, "expires_on": DATE}), "days_left": DAYS_LEFT},
        "A vendor's certification expires within 60, 30 or 7 days.",
    ),
    T.CERTIFICATION_EXPIRED: (
        {"certification": obj({"id": INTEGER, "name": STRING, "expires_on": DATE}), "days_left": DAYS_LEFT},
        "A vendor's certification has expired (`days_left` is negative).",
    ),
    T.ACCESS_FINDING: (
        {
            "access_grant": obj({"id": INTEGER, "account": STRING, "system": STRING}),
            "finding": obj(
                {"code": STRING, "severity": {**STRING, "enum": ["high", "medium"]}, "message": STRING},
                description="The most severe finding.",
            ),
        },
        "An access grant of vendor staff breaks an access rule.",
    ),
    T.REVIEW_OVERDUE: (
        {"review": obj({"id": INTEGER, "scheduled_for": DATE, "title": STRING})},
        "A scheduled service review's date has passed without it being held.",
    ),
    T.IMPORT_FINISHED: (
        {
            "import": obj(
                {
                    "id": INTEGER,
                    "status": {**STRING, "enum": ["done", "failed"]},
                    "rows_total": INTEGER,
                    "rows_written": {**INTEGER, "description": "Rows that created or changed a measurement."},
                    "rows_refused": INTEGER,
                    "file_name": STRING,
                }
            ),
            "actor": {**nullable(STRING), "description": "The username of who uploaded the file."},
        },
        "A CSV import of measurements finished (done, or failed with the reason in `summary`).",
    ),
    T.TELEMETRY_SOURCE_SILENT: (
        {
            "binding": obj({"id": INTEGER, "source": STRING, "scope": STRING}),
            "silent_since": DATE_TIME,
        },
        "A delivery-telemetry source bound to a contract has sent no event for `TELEMETRY_SILENT_DAYS`.",
    ),
    T.WEBHOOK_TEST: (
        {"endpoint": obj({"id": INTEGER, "name": STRING})},
        "Sent on request from the endpoint's page or the API, to check the receiver.",
    ),
}


def data_schema(event_type: str) -> Schema:
    extra, _ = EXTRA[event_type]
    return {
        "type": "object",
        "properties": {**COMMON, **extra},
        "required": [*COMMON, *extra],
        "additionalProperties": True,
    }


def payload_schema(event_type: str) -> Schema:
    """The JSON Schema of the whole body of ``event_type``'s events."""
    return {
        "type": "object",
        "title": f"{event_type} (version {PAYLOAD_VERSION})",
        "properties": {
            "type": {"type": "string", "const": str(event_type)},
            "timestamp": {**DATE_TIME, "description": "When it happened (UTC)."},
            "data": data_schema(event_type),
        },
        "required": ["type", "timestamp", "data"],
    }


def event_description(event_type: str) -> str:
    return EXTRA[event_type][1]


PAYLOAD_SCHEMAS: dict[str, Schema] = {str(event_type): payload_schema(event_type) for event_type in T.values}
