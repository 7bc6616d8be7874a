"""``manage.py import_measurements FILE [--dry-run] [--as USERNAME]``: import KPI measurements from a
CSV file (the columns of the import page's template), with the same preview and rules as the page.

``--dry-run`` prints the preview (rows, valid rows, every row error with its row number in the file)
and writes nothing. Without it the valid rows are written here, in this process, chunk by chunk, as
the page's Celery task writes them; the import is kept (it shows in the list of imports) and the
measurements are recorded as ``--as``'s (who must be allowed to add measurements)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import ApplicationError
from apps.performance import imports, selectors
from apps.performance.choices import ImportStatus
from apps.performance.models import MeasurementImport

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import KPI measurements from a CSV file (preview with --dry-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (header: contract, kpi, period_start, period_end, value, …).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and print the preview; write nothing."
        )
        parser.add_argument("--as", dest="username", help="Record the measurements as this user (default: no one).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(options.get("username"))
        try:
            content = path.read_bytes()
            if options["dry_run"]:
                _rows, preview = imports.measurement_import_preview(content, actor=actor)
                self._print_preview(preview.total_rows, preview.valid_rows, preview.errors, len(preview.errors))
                self.stdout.write("Dry run: nothing was written.")
                return
            job = imports.measurement_import_create(actor=actor, file_name=path.name, content=content)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        self._print_preview(job.total_rows, job.valid_rows, job.errors, job.error_count)
        if not job.valid_rows:
            raise CommandError("No row can be imported: nothing was written.")
        try:
            imports.measurement_import_start(instance=job, actor=actor, enqueue=False)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        status = imports.measurement_import_run(import_id=job.pk)
        job = MeasurementImport.objects.defer("rows").get(pk=job.pk)
        if status != ImportStatus.DONE:
            raise CommandError(f"The import ended {status}: {job.failure or 'see the import page'}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name} (import {job.pk}): {job.created_count:,} created, {job.updated_count:,} updated, "
                f"{job.unchanged_count:,} unchanged, {job.error_count:,} skipped with errors."
            )
        )

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        if not user.has_perm(selectors.LOG_MEASUREMENTS_PERMISSION):
            raise CommandError(f"“{username}” may not add measurements.")
        return user

    def _print_preview(self, total: int, valid: int, errors: list[dict[str, Any]], error_count: int) -> None:
        self.stdout.write(f"{total:,} rows read: {valid:,} can be imported, {error_count:,} with errors.")
        for entry in errors[:SHOWN_ERRORS]:
            problems = "; ".join(
                f"{'row' if column == 'non_field_errors' else column}: {' '.join(messages)}"
                for column, messages in entry["errors"].items()
            )
            self.stdout.write(f"  row {entry['row']}: {problems}")
        if error_count > SHOWN_ERRORS:
            self.stdout.write(f"  … and {error_count - SHOWN_ERRORS:,} more rows with errors.")
