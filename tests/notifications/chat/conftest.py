"""Fixtures of the chat message tests: the documented payloads and the message schemas (fixtures/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator, Draft202012Validator

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


PAYLOADS: dict[str, dict[str, Any]] = load("payloads.json")


@pytest.fixture(scope="session")
def adaptive_card_schema() -> Draft6Validator:
    """Microsoft's Adaptive Card schema, as vendored (draft-06)."""
    schema = load("adaptive-card.schema.json")
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


@pytest.fixture(scope="session")
def teams_message_schema() -> Draft202012Validator:
    schema = load("teams-message.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="session")
def slack_message_schema() -> Draft202012Validator:
    schema = load("slack-message.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
