"""Python's cyclic garbage collector and the pages and jobs that build tens of thousands of rows.

The collector runs whenever enough new objects have been made since it last ran, and each run of the older
generations scans every object still alive. A step that builds a portfolio's rows — result tuples, named
tuples and small frozen records of numbers, dates and text, with no reference cycles among them — makes
it run again and again over the growing rows, for nothing: at 20,000 vendors that was a fifth of the
portfolio overview's time. ``gc_paused`` pauses the collector for such a step and resumes it after (the
objects are freed by reference counting as usual; any cycle made meanwhile waits for the next run)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (or the decorated function), then resume it if it
    was running: nested pauses resume only at the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
