"""The import pages (``/imports/``), for every register of ``apps.core.importing``: the list of
imports, the upload form (a register, or a workbook with a sheet per register; CSV or XLSX), the
preview / progress / summary page of one import (the progress card is polled with htmx while the worker
writes), the start and retry buttons, and the templates (a register's CSV or XLSX, and the workbook).

Who sees an import: its uploader, whoever may see its register (``ImportRegister.may_view``; by default
who may import it — the measurements' imports are read by everyone signed in), an admin. Uploading and
starting need the register's permission (``ImportRegister.may_import``); a workbook needs every sheet's.
An import that failed, or that no worker has started for a while, offers its uploader (and admins) a
Retry button."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from apps.core.importing import ImportRegister, import_register
from apps.core.ui import FilteredListView, SelectorDetailView, ServiceActionView, ServiceFormView, is_htmx
from apps.performance import imports, selectors
from apps.performance.choices import ImportStatus, MeasurementSource
from apps.performance.filters import ImportJobFilterSet
from apps.performance.models import ImportJob
from apps.performance.tables import ImportJobTable

STATUS_TONES = {
    ImportStatus.PENDING: "warn",
    ImportStatus.QUEUED: "info",
    ImportStatus.RUNNING: "info",
    ImportStatus.DONE: "good",
    ImportStatus.FAILED: "bad",
}
XLSX_MIME = imports.XLSX_MIME


def may_start(user: Any, job: ImportJob) -> bool:
    """Whoever may import its registers starts (and retries) their own uploads; an admin anyone's."""
    return imports.import_job_owned_by(user, job)


def _job_registers(job: ImportJob) -> list[ImportRegister]:
    return [register for key in imports.job_register_keys(job) if (register := import_register(key))]


class ImportForm(forms.Form):
    register = forms.ChoiceField(
        label="Import into",
        help_text="A register, or a workbook with one sheet per register (named after it).",
    )
    file = forms.FileField(
        label="File",
        help_text="CSV (UTF-8, comma- or semicolon-separated) or XLSX, with the template's header row.",
        widget=forms.ClearableFileInput(
            attrs={"accept": f".csv,.xlsx,text/csv,{XLSX_MIME}"},
        ),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registers = imports.importable_registers(user)
        self.fields["register"].choices = [  # type: ignore[attr-defined]  # a ChoiceField's choices
            *((register.key, register.label) for register in registers),
            (imports.WORKBOOK, imports.WORKBOOK_LABEL),
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:  # refused before it is read
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
                "Split it into smaller files."
            )
        return upload


class ImportListView(FilteredListView):
    title = "Imports"
    template_name = "performance/import_list.html"
    selector = selectors.import_job_list
    filterset_class = ImportJobFilterSet
    filter_fields = ("status", "register")
    sort_fields = {
        "uploaded": "created_at",
        "file": ("file_name", "created_at"),
        "rows": "total_rows",
        "register": ("register", "created_at"),
    }
    default_sort = "-uploaded"
    create_url_name = "imports:create"
    table_class = ImportJobTable
    csv_filename = "imports"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for job in context["object_list"]:
            job.tone = STATUS_TONES.get(job.status, "quiet")
        # The one "Import a file" button, for people who may import into some register.
        if not imports.importable_registers(self.request.user):
            context["create_url_name"] = None
        return context


class ImportCreateView(ServiceFormView):
    """Upload a file: it is read and every row checked (nothing written), then its preview opens."""

    form_class = ImportForm
    template_name = "performance/import_form.html"
    title = "Import from a file"
    submit_label = "Upload and preview"
    success_message = ""

    def check_object_permission(self) -> None:
        if not imports.importable_registers(self.request.user):
            raise PermissionDenied("You may not import into any register.")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"register": self.request.GET.get("register", "")}

    def perform(self, form: forms.BaseForm) -> ImportJob:
        upload = form.cleaned_data["file"]
        return imports.import_job_create(
            actor=self.request.user,
            file_name=upload.name,
            content=upload.read(),
            register=form.cleaned_data["register"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        registers = imports.importable_registers(self.request.user)
        context.update(
            registers=[
                {"register": register, "semantics": imports.semantics_sentence(register)} for register in registers
            ],
            workbook_registers=registers,
            max_megabytes=settings.IMPORT_MAX_BYTES // 1_048_576,
            max_rows=settings.IMPORT_MAX_ROWS,
        )
        return context


class ImportDetailView(SelectorDetailView):
    """One import: its preview (pending), its progress (queued, running; htmx polls the progress card
    every second and stops when the card it gets back has no trigger) or its summary (done, failed)."""

    selector = selectors.import_job_detail
    template_name = "performance/import_detail.html"
    progress_template = "performance/includes/import_progress.html"
    context_object_name = "job"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        if is_htmx(request):
            return render(request, self.progress_template, context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job: ImportJob = self.object
        registers = _job_registers(job)
        sheets = [
            sheet | {"refused": int(sheet.get("rows", 0)) - int(sheet.get("valid", 0))} for sheet in job.sheets or ()
        ]
        context.update(
            title=f"Import of {job.file_name}",
            register_label=imports.register_label(job.register),
            is_workbook=job.register == imports.WORKBOOK,
            sheets=sheets,
            semantics=imports.semantics_sentence(registers),
            tone=STATUS_TONES.get(ImportStatus(job.status), "quiet"),
            can_start=job.status == ImportStatus.PENDING and job.valid_rows > 0 and may_start(self.request.user, job),
            can_retry=imports.import_job_retryable(job) and may_start(self.request.user, job),
            can_upload=bool(imports.importable_registers(self.request.user)),
            stale=imports.import_job_is_stale(job),
            max_attempts=settings.IMPORT_MAX_ATTEMPTS,
            more_errors=max(0, job.error_count - len(job.errors)),
            written_url=_written_url(job),
            upload_url=f"{reverse('imports:create')}?{urlencode({'register': job.register})}",
        )
        return context


def _written_url(job: ImportJob) -> str | None:
    """The measurements list of exactly the rows a measurements import created or updated (its source,
    its uploader, written while it ran); None before it has finished, and for other registers."""
    if job.register != "measurements" or job.started_at is None or job.finished_at is None:
        return None
    query = {
        "source": MeasurementSource.IMPORT,
        "written_after": job.started_at.isoformat(),
        "written_before": job.finished_at.isoformat(),
    }
    if job.created_by_id is not None:
        query["recorded_by"] = str(job.created_by_id)
    return f"{reverse('performance:measurement-list')}?{urlencode(query)}"


class ImportStartView(ServiceActionView):
    """ "Import N valid rows": the import is queued and a worker writes it (enqueued after the commit)."""

    selector = selectors.import_job_detail

    def check_object_permission(self) -> None:
        if not may_start(self.request.user, self.object):
            raise PermissionDenied("Only the person who uploaded this file (or an admin) can import it.")

    def perform(self) -> str:
        imports.import_job_start(instance=self.object, actor=self.request.user)
        return f"Importing {self.object.valid_rows:,} rows of {self.object.file_name}: the progress shows below."


class ImportRetryView(ServiceActionView):
    """ "Retry": a failed import (or one no worker has started) is sent to the workers again; it goes
    on after the rows already written."""

    selector = selectors.import_job_detail

    def check_object_permission(self) -> None:
        if not may_start(self.request.user, self.object):
            raise PermissionDenied("Only the person who uploaded this file (or an admin) can retry its import.")

    def perform(self) -> str:
        imports.import_job_retry(instance=self.object, actor=self.request.user)
        return f"Retrying the import of {self.object.file_name}: the progress shows below."


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ImportTemplateView(LoginRequiredMixin, View):
    """A register's template, CSV or XLSX: its header and example row(s) (the measurements': a
    contract the workspace has and last month, so the file imports as it is)."""

    def get(self, request: HttpRequest, register: str, fmt: str) -> HttpResponse:
        found = import_register(register)
        if found is None:
            raise Http404("No such register.")
        if fmt == "xlsx":
            return _download(
                imports.template_xlsx([found]), filename=f"{found.key}-template.xlsx", content_type=XLSX_MIME
            )
        return _download(
            imports.template_csv(found), filename=f"{found.key}-template.csv", content_type="text/csv; charset=utf-8"
        )


class WorkbookTemplateView(LoginRequiredMixin, View):
    """The workbook template: a sheet per register the user may import (in import order), and the
    ``Notes`` sheet with every column's help."""

    def get(self, request: HttpRequest) -> HttpResponse:
        registers = imports.importable_registers(request.user)
        if not registers:
            raise PermissionDenied("You may not import into any register.")
        return _download(imports.template_xlsx(registers), filename="workbook-template.xlsx", content_type=XLSX_MIME)
