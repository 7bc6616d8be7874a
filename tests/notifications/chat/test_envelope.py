"""The messages rendered from payloads built the way deliveries store them (webhooks.events.event_payload)."""

from __future__ import annotations

from datetime import datetime

import pytest
from jsonschema import Draft6Validator, Draft202012Validator

from apps.notifications.webhooks.chat import event_facts, render_slack, render_teams
from apps.notifications.webhooks.events import WebhookEvent, event_payload
from tests.notifications.chat.conftest import PAYLOADS
from tests.notifications.chat.test_facts import EXPECTED_FACTS


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_stored_payloads_render_valid_messages_with_their_facts(
    event_type: str,
    slack_message_schema: Draft202012Validator,
    adaptive_card_schema: Draft6Validator,
    teams_message_schema: Draft202012Validator,
) -> None:
    documented = PAYLOADS[event_type]
    event = WebhookEvent(
        event_type=event_type,
        data=documented["data"],
        dedupe_key=f"test:{event_type}",
        occurred_at=datetime.fromisoformat(documented["timestamp"].replace("Z", "+00:00")),
    )
    payload = event_payload(event)

    assert event_facts(payload) == EXPECTED_FACTS[event_type]
    slack_message_schema.validate(render_slack(payload))
    teams = render_teams(payload)
    teams_message_schema.validate(teams)
    adaptive_card_schema.validate(teams["attachments"][0]["content"])
