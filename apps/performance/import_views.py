"""The CSV import pages: the list of imports, the upload form, the preview / progress / summary page of
one import (the progress card is polled with htmx while the worker writes), the start button and the
template file. Everyone signed in may read them; uploading and starting need the permission to add
measurements (``performance.add_measurement``), as entering them by hand does. An import that failed, or
that no worker has started for a while, offers its uploader (and admins) a Retry button."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from apps.core.ui import FilteredListView, SelectorDetailView, ServiceActionView, ServiceFormView, is_htmx
from apps.performance import imports, selectors
from apps.performance.choices import ImportStatus, MeasurementSource
from apps.performance.filters import MeasurementImportFilterSet
from apps.performance.models import MeasurementImport
from apps.performance.tables import MeasurementImportTable

IMPORT_PERMISSION = selectors.LOG_MEASUREMENTS_PERMISSION
STATUS_TONES = {
    ImportStatus.PENDING: "warn",
    ImportStatus.QUEUED: "info",
    ImportStatus.RUNNING: "info",
    ImportStatus.DONE: "good",
    ImportStatus.FAILED: "bad",
}


def may_start(user: Any, job: MeasurementImport) -> bool:
    """Whoever may add measurements starts (and retries) their own uploads; an admin anyone's."""
    return imports.measurement_import_owned_by(user, job)


class MeasurementImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, comma- or semicolon-separated, with the template's header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.MEASUREMENT_IMPORT_MAX_BYTES
        if upload.size > limit:  # refused before it is read
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
                "Split it into smaller files."
            )
        return upload


class ImportListView(FilteredListView):
    title = "Measurement imports"
    template_name = "performance/import_list.html"
    selector = selectors.measurement_import_list
    filterset_class = MeasurementImportFilterSet
    filter_fields = ("status",)
    sort_fields = {"uploaded": "created_at", "file": ("file_name", "created_at"), "rows": "total_rows"}
    default_sort = "-uploaded"
    create_url_name = "performance:import-create"
    create_permission = IMPORT_PERMISSION
    table_class = MeasurementImportTable
    csv_filename = "measurement-imports"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for job in context["object_list"]:
            job.tone = STATUS_TONES.get(job.status, "quiet")
        return context


class ImportCreateView(ServiceFormView):
    """Upload a file: it is read and every row checked (nothing written), then its preview opens."""

    permission = IMPORT_PERMISSION
    form_class = MeasurementImportForm
    template_name = "performance/import_form.html"
    title = "Import measurements from CSV"
    submit_label = "Upload and preview"
    success_message = ""

    def perform(self, form: forms.BaseForm) -> MeasurementImport:
        upload = form.cleaned_data["file"]
        return imports.measurement_import_create(actor=self.request.user, file_name=upload.name, content=upload.read())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            columns=imports.COLUMNS,
            max_megabytes=settings.MEASUREMENT_IMPORT_MAX_BYTES // 1_048_576,
            max_rows=settings.MEASUREMENT_IMPORT_MAX_ROWS,
        )
        return context


class ImportDetailView(SelectorDetailView):
    """One import: its preview (pending), its progress (queued, running; htmx polls the progress card
    every second and stops when the card it gets back has no trigger) or its summary (done, failed)."""

    selector = selectors.measurement_import_detail
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
        job: MeasurementImport = self.object
        context.update(
            title=f"Import of {job.file_name}",
            tone=STATUS_TONES.get(ImportStatus(job.status), "quiet"),
            can_start=job.status == ImportStatus.PENDING and job.valid_rows > 0 and may_start(self.request.user, job),
            can_retry=imports.measurement_import_retryable(job) and may_start(self.request.user, job),
            stale=imports.measurement_import_is_stale(job),
            max_attempts=settings.MEASUREMENT_IMPORT_MAX_ATTEMPTS,
            more_errors=max(0, job.error_count - len(job.errors)),
            written_url=_written_url(job),
        )
        return context


def _written_url(job: MeasurementImport) -> str | None:
    """The measurements list of exactly the rows this import created or updated (its source, its
    uploader, written while it ran); None before it has finished."""
    if job.started_at is None or job.finished_at is None:
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

    selector = selectors.measurement_import_detail
    permission = IMPORT_PERMISSION

    def check_object_permission(self) -> None:
        if not may_start(self.request.user, self.object):
            raise PermissionDenied("Only the person who uploaded this file (or an admin) can import it.")

    def perform(self) -> str:
        imports.measurement_import_start(instance=self.object, actor=self.request.user)
        return f"Importing {self.object.valid_rows:,} rows of {self.object.file_name}: the progress shows below."


class ImportRetryView(ServiceActionView):
    """ "Retry": a failed import (or one no worker has started) is sent to the workers again; it goes
    on after the rows already written."""

    selector = selectors.measurement_import_detail
    permission = IMPORT_PERMISSION

    def check_object_permission(self) -> None:
        if not may_start(self.request.user, self.object):
            raise PermissionDenied("Only the person who uploaded this file (or an admin) can retry its import.")

    def perform(self) -> str:
        imports.measurement_import_retry(instance=self.object, actor=self.request.user)
        return f"Retrying the import of {self.object.file_name}: the progress shows below."


class ImportTemplateView(LoginRequiredMixin, View):
    """The CSV template: the header and two example rows (a value and a ratio), for a contract the
    workspace has and last month, so the file imports as it is."""

    def get(self, request: HttpRequest) -> HttpResponse:
        contract = selectors.measurement_import_example_contract(user=request.user)
        first_of_month = timezone.localdate().replace(day=1)
        last_month_end = first_of_month - timedelta(days=1)
        example = {
            "contract": (contract.reference or str(contract.pk)) if contract else "C-2026-001",
            "period_start": last_month_end.replace(day=1).isoformat(),
            "period_end": last_month_end.isoformat(),
        }
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(imports.TEMPLATE_HEADER)
        writer.writerows(imports.measurement_import_template_rows(**example))
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="measurements-template.csv"'
        return response
