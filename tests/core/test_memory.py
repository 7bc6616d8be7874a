"""``gc_paused``: the collector paused for a block or a function and resumed after, even on an error, and
only by the outermost of nested pauses; the overview runs with it paused."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from apps.core.memory import gc_paused
from apps.dashboards import selectors
from apps.dashboards.scope import Scope
from apps.performance.scorecards import MONTH, Period


def test_the_collector_is_paused_then_resumed_by_the_outermost_pause_even_on_an_error() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not resume it
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.django_db
def test_the_overview_is_worked_out_with_the_collector_paused(monkeypatch: Any) -> None:
    seen: list[bool] = []
    original = selectors.engaged_vendor_counts

    def spy(**kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(**kwargs)

    monkeypatch.setattr(selectors, "engaged_vendor_counts", spy)
    selectors.portfolio_overview(scope=Scope(), period=Period.last_closed(MONTH))
    assert seen == [False] and gc.isenabled()
