"""The OpenAPI document's ``webhooks`` section: one entry per event type, the POST a receiver gets, with
its payload's schema (``apps.notifications.webhooks.schemas``) and the Standard Webhooks headers.
``SPECTACULAR_SETTINGS["WEBHOOKS"]`` names ``WEBHOOKS`` below."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema

from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks.events import PAYLOAD_VERSION
from apps.notifications.webhooks.schemas import PAYLOAD_SCHEMAS, event_description

# The webhooks section has no place for request headers: they are described in words.
SIGNATURE_HEADERS = (
    "Headers: `webhook-id` (the message id, `msg_…`, the same on every retry and replay: deduplicate on it), "
    "`webhook-timestamp` (seconds since the epoch when this attempt was signed: refuse one more than 5 minutes "
    "off) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` "
    "under the endpoint's secret, the base64 after `whsec_`)."
)

RECEIVED = OpenApiResponse(
    description=(
        "Any 2xx answer: delivered. Any other answer, a redirect, or none within the timeouts is retried "
        "on the schedule, then the delivery is failed."
    )
)


def _webhook(event_type: str) -> OpenApiWebhook:
    label = WebhookEventType(event_type).label
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=f"{label} (payload version {PAYLOAD_VERSION})",
            description=(
                f"{event_description(event_type)} Sent to the endpoints subscribed to `{event_type}`, signed "
                "per Standard Webhooks (docs/integrations/webhooks.md). Endpoints of kind `slack` or `teams` "
                f"get a chat message rendered from this payload instead. {SIGNATURE_HEADERS}"
            ),
            tags=["webhooks"],
            request={"application/json": PAYLOAD_SCHEMAS[event_type]},
            responses={200: RECEIVED},
        ),
    )


WEBHOOKS: list[OpenApiWebhook] = [_webhook(event_type) for event_type in WebhookEventType.values]
