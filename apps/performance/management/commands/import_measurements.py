"""``manage.py import_measurements FILE [--dry-run] [--as USERNAME]``: ``manage.py import measurements
FILE`` under its former name (scripts call it): KPI measurements from a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.performance.management.import_command import run_import_command


class Command(BaseCommand):
    help = "Import KPI measurements from a CSV or XLSX file (preview with --dry-run); see `manage.py import`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file (header: contract, kpi, period_start, period_end, value, …).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and print the preview; write nothing."
        )
        parser.add_argument("--as", dest="username", help="Record the measurements as this user (default: no one).")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import_command(
            self,
            register="measurements",
            path=Path(options["file"]),
            dry_run=options["dry_run"],
            username=options.get("username"),
        )
