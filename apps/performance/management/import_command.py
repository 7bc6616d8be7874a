"""The two steps of ``manage.py import`` (and ``import_measurements``, its former name for the
measurements): preview, then write in process — see ``commands/import.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.core.importing import import_register, import_registers
from apps.performance import imports
from apps.performance.choices import ImportStatus
from apps.performance.models import ImportJob

SHOWN_ERRORS = 50


def run_import_command(command: BaseCommand, *, register: str, path: Path, dry_run: bool, username: str | None) -> None:
    """The command's two steps (shared with ``import_measurements``)."""
    if register != imports.WORKBOOK and import_register(register) is None:
        known = ", ".join([*(found.key for found in import_registers()), imports.WORKBOOK])
        raise CommandError(f"No register “{register}”: one of {known}.")
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    actor = _actor(register, username)
    try:
        content = path.read_bytes()
        if dry_run:
            _rows, preview = imports.import_preview(register, content, actor=actor)
            _print_preview(
                command, preview.sheets, preview.total_rows, preview.valid_rows, preview.errors, len(preview.errors)
            )
            command.stdout.write("Dry run: nothing was written.")
            return
        job = imports.import_job_create(actor=actor, file_name=path.name, content=content, register=register)
    except ApplicationError as exc:
        raise CommandError(exc.message) from exc
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    _print_preview(command, job.sheets, job.total_rows, job.valid_rows, job.errors, job.error_count)
    if not job.valid_rows:
        raise CommandError("No row can be imported: nothing was written.")
    try:
        imports.import_job_start(instance=job, actor=actor, enqueue=False)
    except ApplicationError as exc:
        raise CommandError(exc.message) from exc
    status = imports.import_job_run(import_id=job.pk)
    job = ImportJob.objects.defer("rows").get(pk=job.pk)
    if status != ImportStatus.DONE:
        raise CommandError(f"The import ended {status}: {job.failure or 'see the import page'}.")
    for sheet in job.sheets:
        command.stdout.write(
            f"  {sheet['label']}: {sheet.get('created', 0):,} created, {sheet.get('updated', 0):,} updated, "
            f"{sheet.get('unchanged', 0):,} unchanged, {sheet.get('errors', 0):,} skipped."
        )
    command.stdout.write(
        command.style.SUCCESS(
            f"Imported {path.name} (import {job.pk}): {job.created_count:,} created, {job.updated_count:,} updated, "
            f"{job.unchanged_count:,} unchanged, {job.error_count:,} skipped with errors."
        )
    )


def _actor(register: str, username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user “{username}”.")
    found = import_register(register)
    if found is not None and not found.may_import(user):
        raise CommandError(f"“{username}” may not import {found.label.lower()}.")
    return user


def _print_preview(
    command: BaseCommand,
    sheets: list[dict[str, Any]],
    total: int,
    valid: int,
    errors: list[dict[str, Any]],
    error_count: int,
) -> None:
    command.stdout.write(f"{total:,} rows read: {valid:,} can be imported, {error_count:,} with errors.")
    if len(sheets) > 1:
        for sheet in sheets:
            refused = int(sheet["rows"]) - int(sheet["valid"])
            command.stdout.write(
                f"  {sheet['label']} (sheet “{sheet['sheet']}”): {sheet['rows']:,} rows, {sheet['valid']:,} valid, "
                f"{refused:,} refused."
            )
    for entry in errors[:SHOWN_ERRORS]:
        problems = "; ".join(
            f"{'row' if column in (imports.NON_FIELD_KEY, 'detail') else column}: {' '.join(messages)}"
            for column, messages in entry["errors"].items()
        )
        where = f"{entry['sheet']} " if entry.get("sheet") else ""
        command.stdout.write(f"  {where}row {entry['row']}: {problems}")
    if error_count > SHOWN_ERRORS:
        command.stdout.write(f"  … and {error_count - SHOWN_ERRORS:,} more rows with errors.")
