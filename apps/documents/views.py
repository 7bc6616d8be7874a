"""Uploading an evidence file to a record, and downloading one: only signed in, only through the app
(never a storage URL), each download in the audit trail."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.core.ui import add_service_errors, is_htmx, safe_next_url
from apps.documents.forms import EvidenceUploadForm
from apps.documents.panels import evidence_blocks, form_prefix
from apps.documents.registry import evidence_subject
from apps.documents.selectors import evidence_list
from apps.documents.services import evidence_download_record, evidence_upload

logger = logging.getLogger(__name__)


@login_required
@require_POST
def evidence_upload_view(request: HttpRequest, subject: str, pk: int) -> HttpResponse:
    """The upload form's POST. Valid: back to the record's page (htmx: ``HX-Redirect``), with what was
    kept and what followed. Refused: the form with its errors in place — the record's block (htmx),
    or a page of its own (400)."""
    registration = evidence_subject(subject)
    record = get_object_or_404(registration.model._default_manager.all(), pk=pk)
    if not registration.may_view(request.user, record):
        raise Http404("No such record.")
    if not registration.may_upload(request.user, record):
        raise PermissionDenied(f"You may not add evidence to {record}.")
    fallback = record.get_absolute_url() if hasattr(record, "get_absolute_url") else "/"
    next_url = safe_next_url(request, fallback)
    form = EvidenceUploadForm(request.POST, request.FILES, kinds=registration.kinds, prefix=form_prefix(record))
    if form.is_valid():
        try:
            result = evidence_upload(
                subject=record,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            evidence = result.evidence
            messages.success(
                request,
                f"Kept “{evidence.title}” (version {evidence.version}) from {evidence.original_name}."
                + (f" {result.notice}" if result.notice else ""),
            )
            if is_htmx(request):
                response = HttpResponse()
                response["HX-Redirect"] = next_url
                return response
            return redirect(next_url)
    content_type = ContentType.objects.get_for_model(record)
    show_subject = request.POST.get("show_subject") == "1"
    block = evidence_blocks(
        request, [record], next_url=next_url, show_subject=show_subject, forms={(content_type.pk, record.pk): form}
    )[0]
    if is_htmx(request):
        # 200: htmx swaps only successful responses; the block carries the errors.
        return render(request, "documents/includes/evidence_block.html", {"evidence_block": block})
    return render(
        request,
        "documents/upload_page.html",
        {"evidence_block": block, "title": f"Add evidence to {record}"},
        status=400,
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file as an attachment, under its original name and sniffed type, never rendered inline."""
    evidence = get_object_or_404(evidence_list(user=request.user), pk=pk)
    model = evidence.content_type.model_class()
    subject = evidence.subject
    if model is None or subject is None or not evidence_subject(model).may_view(request.user, subject):
        raise Http404("No such file.")
    try:
        handle = evidence.file.open("rb")
    except OSError as exc:
        logger.error("evidence %s: its file %s is missing from the store (%s)", evidence.pk, evidence.file.name, exc)
        raise Http404("The file is missing from the store; an administrator has been told.") from exc
    evidence_download_record(evidence=evidence, actor=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.media_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
