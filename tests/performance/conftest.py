"""Most performance tests are about the measurement and breach rules, not about who owns which
engagement: in them an engineering manager may log any contract and act on any breach. Tests marked
``ownership`` (``test_ownership.py``, the entry grid's) keep the rule that a manager writes only for the
engagements they own (``apps.vendors.ownership.owner_scoped``); ``tests/ownership`` tests it everywhere."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def managers_log_any_engagement(request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("ownership") is None:
        monkeypatch.setattr("apps.vendors.ownership.owner_scoped", lambda user: False)
