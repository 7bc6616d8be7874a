"""``manage.py telemetry_backfill BINDING --since YYYY-MM-DD [--until YYYY-MM-DD]``: a binding's history
read from its source's REST API, stored as deliveries and processed like webhooks
(``apps.performance.telemetry.backfill``; docs/telemetry/operations.md). Running it again over the same
period changes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.dates import DateInputError, parse_day
from apps.performance.telemetry.backfill import BackfillError, backfill_wait_label, telemetry_backfill
from apps.performance.telemetry.models import SourceBinding


def day_option(name: str, text: str) -> date:
    try:
        return parse_day(text)
    except DateInputError as exc:
        raise CommandError(f"{name} wants a date as YYYY-MM-DD, not “{text}”: {exc.message}") from None


def binding_named(text: str) -> SourceBinding:
    """A binding by its id or its public id (the UUID of its webhook address)."""
    found: SourceBinding | None = None
    if text.isdigit():
        found = SourceBinding.objects.select_related("contract").filter(pk=int(text)).first()
    else:
        try:
            public_id = uuid.UUID(text)
        except ValueError:
            raise CommandError(
                f"“{text}” is neither a binding's id nor its public id (the UUID in its webhook address)."
            ) from None
        found = SourceBinding.objects.select_related("contract").filter(public_id=public_id).first()
    if found is None:
        raise CommandError(f"No source binding has the id “{text}”.")
    return found


class Command(BaseCommand):
    help = (
        "Backfill a source binding's history from its source's API (GitHub, GitLab, Jira, PagerDuty): "
        "stored as deliveries and processed like webhooks. Re-running changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("binding", help="the binding's id or public id")
        parser.add_argument("--since", required=True, help="the first day to read (YYYY-MM-DD)")
        parser.add_argument("--until", default=None, help="the last day to read (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, binding: str, since: str, until: str | None, **options: Any) -> None:
        first = day_option("--since", since)
        last = day_option("--until", until) if until else None
        found = binding_named(binding)
        if not found.active:
            raise CommandError(f"The binding “{found}” is switched off: switch it on to backfill it.")
        self.stdout.write(f"Backfilling {found} (contract “{found.contract}”) from {first}…")
        try:
            result = telemetry_backfill(
                binding=found,
                since=first,
                until=last,
                progress=lambda text: self.stdout.write(f"  {text}") if options.get("verbosity", 1) > 1 else None,
            )
        except (BackfillError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{found}: {result.since} to {result.until}, {result.requests} API requests")
        for line in result.lines():
            self.stdout.write(f"  {line}")
        if result.waited_seconds:
            self.stdout.write(f"  waited {backfill_wait_label(result.waited_seconds)} for the rate limit")
        self.stdout.write(self.style.SUCCESS("Done: the metrics of its contract are computed by the workers."))
