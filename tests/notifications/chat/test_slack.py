"""Slack messages (Block Kit) for every documented event type: shape, limits and escaping."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from apps.notifications.webhooks import chat
from apps.notifications.webhooks.chat import render_slack
from tests.notifications.chat.conftest import PAYLOADS
from tests.notifications.chat.test_facts import EXPECTED_FACTS

DATE_TOKEN = re.compile(r"<!date\^\d+\^\{date_short_pretty\} at \{time\}\|\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC>")
ENTITY = re.compile(r"&(amp|lt|gt);")


def escaped(text: str) -> str:
    """Slack's escaping, written out here rather than taken from the code under test."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def blocks_of(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [block for block in message["blocks"] if block["type"] == kind]


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict) and item.get("type") == "mrkdwn":
                texts.append(item["text"])
    return texts


def assert_within_block_kit_limits(message: dict[str, Any], validator: Draft202012Validator) -> None:
    """The documented limits, counted as UTF-16 units too (JSON Schema counts code points)."""
    validator.validate(message)
    json.dumps(message)  # only JSON types
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "header":
            assert utf16(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert utf16(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(utf16(field["text"]) <= 2000 for field in block.get("fields", []))
        if block["type"] == "actions":
            for button in block["elements"]:
                assert utf16(button["text"]["text"]) <= 75
                assert utf16(button["url"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
    for text in mrkdwn_texts(message):
        # Escaped: the only markup left is our date token; every & starts one of the three entities.
        bare = DATE_TOKEN.sub("", text)
        assert "<" not in bare and ">" not in bare, text
        assert all(ENTITY.match(bare, match.start()) for match in re.finditer("&", bare)), text


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_every_event_type_renders_a_valid_block_kit_message(
    event_type: str, slack_message_schema: Draft202012Validator
) -> None:
    payload = PAYLOADS[event_type]
    data = payload["data"]
    message = render_slack(payload)

    assert_within_block_kit_limits(message, slack_message_schema)
    assert [block["type"] for block in message["blocks"]] == ["header", "section", "section", "actions", "context"]
    header, summary, facts, actions, context = message["blocks"]
    assert header["text"] == {"type": "plain_text", "text": data["title"], "emoji": False}
    assert summary["text"]["text"] == escaped(data["summary"])
    assert facts["fields"] == [
        {"type": "mrkdwn", "text": f"*{label}*\n{escaped(value)}", "verbatim": True}
        for label, value in EXPECTED_FACTS[event_type]
    ]
    (button,) = actions["elements"]
    assert button["url"] == data["url"]
    assert button["text"]["text"] == "Open in Vendor Governance"
    (when,) = context["elements"]
    assert when["text"].startswith(escaped(str(dict(chat.WebhookEventType.choices)[event_type])) + " · ")
    assert DATE_TOKEN.search(when["text"])
    assert message["text"] == escaped(f"{data['title']}: {data['summary']}")


def test_the_time_is_a_slack_date_token_with_a_utc_fallback() -> None:
    message = render_slack(PAYLOADS["breach.opened"])  # 2025-03-04T09:30:12Z
    context = message["blocks"][-1]["elements"][0]["text"]
    assert context == "Breach opened · <!date^1741080612^{date_short_pretty} at {time}|4 Mar 2025 09:30 UTC>"


def test_text_from_the_workspace_is_escaped_and_cannot_mention_or_link() -> None:
    payload = copy.deepcopy(PAYLOADS["breach.waived"])
    payload["data"]["summary"] = "Ping <!channel> & see <https://evil.example|your invoice> > now"
    message = render_slack(payload)

    summary = message["blocks"][1]["text"]["text"]
    assert summary == "Ping &lt;!channel&gt; &amp; see &lt;https://evil.example|your invoice&gt; &gt; now"
    assert "*Vendor*\nAcme &amp; Sons &lt;Digital&gt;" in [field["text"] for field in message["blocks"][2]["fields"]]
    # A header is plain text: shown as written, nothing to escape.
    assert message["blocks"][0]["text"]["text"] == "SLA breach waived: Story points delivered — Acme & Sons <Digital>"


def test_long_texts_are_cut_to_block_kit_limits(slack_message_schema: Draft202012Validator) -> None:
    payload = copy.deepcopy(PAYLOADS["breach.opened"])
    payload["data"]["title"] = "Breach " + "😀" * 400
    payload["data"]["summary"] = "& " * 5000
    payload["data"]["vendor"]["name"] = "<" * 3000
    payload["data"]["breach"]["reason"] = "x" * 10_000
    message = render_slack(payload)

    assert_within_block_kit_limits(message, slack_message_schema)
    header, summary, facts = message["blocks"][:3]
    assert header["text"]["text"].endswith("…") and utf16(header["text"]["text"]) <= 150
    assert summary["text"]["text"].endswith("…") and utf16(summary["text"]["text"]) > 2900
    vendor = facts["fields"][0]["text"]
    assert vendor.startswith("*Vendor*\n&lt;") and vendor.endswith("&lt;…")
    assert utf16(message["text"]) <= chat.SLACK_FALLBACK_MAX


def test_an_unknown_event_type_renders_title_summary_and_link_only(
    slack_message_schema: Draft202012Validator,
) -> None:
    payload = copy.deepcopy(PAYLOADS["breach.opened"])
    payload["type"] = "vendor.renamed"
    message = render_slack(payload)

    assert_within_block_kit_limits(message, slack_message_schema)
    assert [block["type"] for block in message["blocks"]] == ["header", "section", "actions", "context"]
    assert message["blocks"][-1]["elements"][0]["text"].startswith("vendor.renamed · ")


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "/relative/path/", "https://x/" + "a" * 3000])
def test_no_button_without_a_usable_link(url: str | None, slack_message_schema: Draft202012Validator) -> None:
    payload = copy.deepcopy(PAYLOADS["review.overdue"])
    payload["data"]["url"] = url
    message = render_slack(payload)

    assert_within_block_kit_limits(message, slack_message_schema)
    assert blocks_of(message, "actions") == []


def test_a_payload_without_data_still_renders(slack_message_schema: Draft202012Validator) -> None:
    message = render_slack({"type": "certification.expired", "timestamp": "not a time"})

    assert_within_block_kit_limits(message, slack_message_schema)
    assert message["blocks"] == [
        {"type": "header", "text": {"type": "plain_text", "text": "Certification expired", "emoji": False}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Certification expired"}]},
    ]
    assert message["text"] == "Certification expired"


def test_the_schema_refuses_what_block_kit_refuses(slack_message_schema: Draft202012Validator) -> None:
    """The limits schema is live: a message past a documented limit fails it."""
    message = render_slack(PAYLOADS["breach.resolved"])
    too_long = copy.deepcopy(message)
    too_long["blocks"][0]["text"]["text"] = "x" * 151
    too_many = copy.deepcopy(message)
    too_many["blocks"][2]["fields"] = too_many["blocks"][2]["fields"] * 2
    markdown_header = copy.deepcopy(message)
    markdown_header["blocks"][0]["text"]["type"] = "mrkdwn"
    for broken in (too_long, too_many, markdown_header):
        assert not slack_message_schema.is_valid(broken)
