"""Fixtures of the notification tests.

E-mail tasks run in-process: ``send_notification_email.apply_async`` is replaced by a synchronous run of
the task (what a worker would do), so an ``on_commit`` callback that enqueues an e-mail puts it in
``mail.outbox`` at once, and ``enqueued`` lists the notification ids that were enqueued. Tests marked
``celery`` keep the real ``apply_async`` (they run a real worker).
"""

from __future__ import annotations

from typing import Any

import pytest

from apps.notifications.tasks import send_notification_email


@pytest.fixture(autouse=True)
def enqueued(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    if request.node.get_closest_marker("celery"):
        return calls

    def run_inline(args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
        calls.append(args[0])
        return send_notification_email.apply(args=args, kwargs=kwargs or {}, throw=True)

    monkeypatch.setattr(send_notification_email, "apply_async", run_inline)
    return calls
