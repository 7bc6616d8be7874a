"""Most KPI tests are about the measurement rules, not about who owns which engagement: in them an
engineering manager may log any contract. Tests marked ``ownership`` (``test_ownership.py``, the entry
grid's) keep the rule that a manager logs only the engagements they own (``selectors.owned_only``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def managers_log_any_engagement(request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("ownership") is None:
        monkeypatch.setattr("apps.performance.selectors.owned_only", lambda user: False)
