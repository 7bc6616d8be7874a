"""manage.py send_reminders [--as-of YYYY-MM-DD]: send the governance reminders due on a day.

The same service the daily ``notifications.send_reminders`` task calls: every rule the apps registered
(``apps.notifications.reminders``), each reminder sent once however often this runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.notifications.choices import NotificationKind
from apps.notifications.reminders import reminders_send


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD (e.g. 2026-11-23), not “{value}”.") from None


class Command(BaseCommand):
    help = "Send the reminders due today (or --as-of a day), by every rule the apps registered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", default=None, metavar="YYYY-MM-DD", help="the day to remind as of (default today)"
        )

    def handle(self, *args: Any, as_of: str | None, **options: Any) -> None:
        day = parse_day(as_of) if as_of else timezone.localdate()
        sent = reminders_send(as_of=day)
        total = sum(sent.values())
        width = max(len(str(NotificationKind(kind).label)) for kind in sent)
        self.stdout.write(f"Reminders as of {day.isoformat()}:")
        for kind, count in sent.items():
            self.stdout.write(f"  {NotificationKind(kind).label!s:<{width}}  {count}")
        if total:
            self.stdout.write(self.style.SUCCESS(f"Sent {total} reminder{'s' if total != 1 else ''}."))
        else:
            self.stdout.write("Nothing new to send: every reminder due was already sent.")
