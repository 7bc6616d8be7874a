"""Teams messages (an Adaptive Card in a message envelope) for every documented event type."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft6Validator, Draft202012Validator

from apps.notifications.webhooks.chat import render_teams
from tests.notifications.chat.conftest import PAYLOADS
from tests.notifications.chat.test_facts import EXPECTED_FACTS

# Teams refuses messages larger than about 28 KB.
TEAMS_MAX_BYTES = 28 * 1024


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = message["attachments"]
    return attachment["content"]


def assert_valid(message: dict[str, Any], official: Draft6Validator, subset: Draft202012Validator) -> None:
    subset.validate(message)
    card = card_of(message)
    official.validate(card)
    # The official schema checks only the first body element (tuple items): check each one.
    for element in card["body"]:
        official.validate({"type": "AdaptiveCard", "version": card["version"], "body": [element]})
    for action in card.get("actions", []):
        official.validate({"type": "AdaptiveCard", "version": card["version"], "body": [], "actions": [action]})
    assert len(json.dumps(message).encode()) < TEAMS_MAX_BYTES


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_every_event_type_renders_a_valid_adaptive_card(
    event_type: str, adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    payload = PAYLOADS[event_type]
    data = payload["data"]
    message = render_teams(payload)

    assert_valid(message, adaptive_card_schema, teams_message_schema)
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, summary, facts, context = card["body"]
    assert title == {"type": "TextBlock", "text": data["title"], "weight": "bolder", "size": "medium", "wrap": True}
    assert summary == {"type": "TextBlock", "text": data["summary"], "wrap": True}
    assert facts == {
        "type": "FactSet",
        "facts": [{"title": label, "value": value} for label, value in EXPECTED_FACTS[event_type]],
    }
    assert context["isSubtle"] is True and context["text"].endswith(" UTC")
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Vendor Governance", "url": data["url"]}]


def test_the_context_names_the_event_and_its_time_in_utc() -> None:
    context = card_of(render_teams(PAYLOADS["telemetry.source_silent"]))["body"][-1]
    assert context["text"] == "Delivery telemetry source silent · 24 Mar 2025 06:00 UTC"


def test_an_unknown_event_type_renders_title_summary_and_link_only(
    adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    payload = copy.deepcopy(PAYLOADS["access.finding"])
    payload["type"] = "vendor.renamed"
    message = render_teams(payload)

    assert_valid(message, adaptive_card_schema, teams_message_schema)
    card = card_of(message)
    assert [element["type"] for element in card["body"]] == ["TextBlock", "TextBlock", "TextBlock"]
    assert card["body"][-1]["text"] == "vendor.renamed · 21 Mar 2025 06:00 UTC"
    assert card["actions"][0]["url"] == payload["data"]["url"]


def test_long_texts_keep_the_message_small(
    adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    payload = copy.deepcopy(PAYLOADS["breach.resolved"])
    payload["data"]["title"] = "t" * 10_000
    payload["data"]["summary"] = "s" * 100_000
    payload["data"]["reason"] = "r" * 100_000
    payload["data"]["vendor"]["name"] = "v" * 100_000
    message = render_teams(payload)

    assert_valid(message, adaptive_card_schema, teams_message_schema)
    title, summary, facts = card_of(message)["body"][:3]
    assert len(title["text"]) == 200 and title["text"].endswith("…")
    assert len(summary["text"]) == 2000
    assert all(len(fact["value"]) <= 500 for fact in facts["facts"])


@pytest.mark.parametrize("url", [None, "javascript:alert(1)", "/contracts/7/"])
def test_no_action_without_a_usable_link(
    url: str | None, adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    payload = copy.deepcopy(PAYLOADS["contract.status_changed"])
    payload["data"]["url"] = url
    message = render_teams(payload)

    assert_valid(message, adaptive_card_schema, teams_message_schema)
    assert "actions" not in card_of(message)


def test_a_payload_without_data_still_renders(
    adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    message = render_teams({"type": "webhook.test"})

    assert_valid(message, adaptive_card_schema, teams_message_schema)
    assert [element["text"] for element in card_of(message)["body"]] == ["Test event", "Test event"]


def test_the_schemas_refuse_what_teams_refuses(
    adaptive_card_schema: Draft6Validator, teams_message_schema: Draft202012Validator
) -> None:
    """Both schemas are live: a broken card fails them."""
    card = card_of(render_teams(PAYLOADS["breach.opened"]))
    no_version = {key: value for key, value in card.items() if key != "version"}
    bad_weight = copy.deepcopy(card)
    bad_weight["body"][0]["weight"] = "heavy"
    for broken in (no_version, bad_weight):
        assert not adaptive_card_schema.is_valid(broken)
    message = render_teams(PAYLOADS["breach.opened"])
    not_a_message = copy.deepcopy(message)
    not_a_message["type"] = "card"
    fact_without_value = copy.deepcopy(message)
    del card_of(fact_without_value)["body"][2]["facts"][0]["value"]
    for broken in (not_a_message, fact_without_value):
        assert not teams_message_schema.is_valid(broken)
