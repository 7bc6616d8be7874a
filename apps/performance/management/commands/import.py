"""``manage.py import REGISTER FILE [--dry-run] [--as USERNAME]``: import a CSV or XLSX file into a
register (``vendors``, ``contracts``, ``measurements``, …; ``workbook`` for an XLSX with one sheet per
register), with the same preview, rules and writing as the import pages (``apps.performance.imports``).

``--dry-run`` prints the preview per register (rows, valid rows, every refused row with its row number
and reasons) and writes nothing. Without it the valid rows are written here, in this process, chunk by
chunk, as the pages' Celery task writes them; the import is kept (it shows in the list of imports) and
the records are written as ``--as``'s (who must be allowed to import every register of the file). A file
that cannot be read, or with no valid row, ends with a readable error and a non-zero exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.performance.management.import_command import run_import_command


class Command(BaseCommand):
    help = "Import a CSV or XLSX file into a register, or a workbook with a sheet per register (--dry-run: preview)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("register", help="The register's key (vendors, contracts, measurements, …) or “workbook”.")
        parser.add_argument("file", help="The CSV or XLSX file, with the template's header row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and print the preview; write nothing."
        )
        parser.add_argument("--as", dest="username", help="Write the records as this user (default: no one).")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import_command(
            self,
            register=options["register"],
            path=Path(options["file"]),
            dry_run=options["dry_run"],
            username=options.get("username"),
        )
