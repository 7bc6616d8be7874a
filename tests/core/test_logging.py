"""A 403 is logged as one line, without a traceback; a 500's traceback stays."""

from __future__ import annotations

import logging

from apps.core.logging import NoClientErrorTracebacks


def record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("nope")
    except PermissionError as exc:
        entry = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", (), (type(exc), exc, None)
        )
    entry.status_code = status
    return entry


def test_client_errors_lose_their_traceback_server_errors_keep_it() -> None:
    keep = NoClientErrorTracebacks()
    forbidden, broken = record(403), record(500)
    assert keep.filter(forbidden) and forbidden.exc_info is None
    assert keep.filter(broken) and broken.exc_info is not None
    assert "Traceback" not in logging.Formatter().format(forbidden)
