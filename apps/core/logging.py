"""Logging helpers for ``LOGGING`` (config/settings/base.py)."""

from __future__ import annotations

import logging


class NoClientErrorTracebacks(logging.Filter):
    """A 4xx answer (a 403, a 404) is the client's doing: logged as one line, without the traceback of
    the exception that produced it. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
