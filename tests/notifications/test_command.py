"""manage.py send_reminders [--as-of YYYY-MM-DD]."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.notifications.management.commands.send_reminders import Command
from tests.factories import ServiceReviewFactory

pytestmark = pytest.mark.django_db


def send(*args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_sends_as_of_the_given_day_then_nothing_again() -> None:
    ServiceReviewFactory(scheduled_for="2026-11-25")
    first = send("--as-of", "2026-11-23")
    assert "Reminders as of 2026-11-23:" in first
    # … and its review pack (apps/dashboards/review_pack.py) to the vendor's owners.
    assert "Service review due" in first and "Review pack before a service review" in first
    assert "Sent 2 reminders." in first
    again = send("--as-of", "2026-11-23")
    assert "Nothing new to send" in again


def test_a_bad_date_is_a_readable_error() -> None:
    with pytest.raises(
        CommandError, match=r"--as-of must be a date as YYYY-MM-DD \(e.g. 2026-11-23\), not “23/11/2026”"
    ):
        send("--as-of", "23/11/2026")


def test_a_bad_date_on_the_command_line_has_no_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_from_argv closes every connection when it ends: keep the test's own open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "send_reminders", "--as-of", "2026-02-30"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: --as-of must be a date as YYYY-MM-DD" in err
    assert "Traceback" not in err
