"""``manage.py evaluate_slas [--as-of YYYY-MM-DD]``: the SLA sweep, run synchronously (the same
service the hourly Celery task runs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.performance.sla import sla_sweep


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of wants a date as YYYY-MM-DD, not “{text}”.") from exc


class Command(BaseCommand):
    help = "Evaluate every SLA term's windows as of a day (default today), open and retract breaches, warn early."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", default=None, help="the day to evaluate as of (YYYY-MM-DD)")

    def handle(self, *args: Any, as_of: str | None, **options: Any) -> None:
        day = iso_date(as_of) if as_of else None
        result = sla_sweep(as_of=day)
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(result.statuses.items())) or "none"
        self.stdout.write(
            f"SLA sweep as of {result.as_of}: {result.terms} terms, {result.windows} windows looked at, "
            f"{result.evaluations_written} evaluations written ({statuses}); breaches opened "
            f"{result.breaches_opened}, re-opened {result.breaches_reopened}, restated {result.breaches_updated}, "
            f"retracted {result.breaches_retracted}; early warnings {result.warnings}."
        )
