"""The evidence of records on the pages of the apps that own them: each record's block (its documents,
their versions, the upload form when the user may upload). The owning app registers a section
(``apps.core.sections``) whose context comes from ``evidence_blocks``; the block is also what the upload
view re-renders in place with the form's errors (htmx)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse

from apps.documents.forms import EvidenceUploadForm
from apps.documents.registry import EvidenceSubject, evidence_subject
from apps.documents.selectors import EvidenceSeries, evidence_series_for


@dataclass
class EvidenceBlock:
    subject: Model
    registration: EvidenceSubject
    series: list[EvidenceSeries]
    form: EvidenceUploadForm | None
    upload_url: str
    next_url: str
    show_subject: bool

    @property
    def dom_id(self) -> str:
        return f"evidence-{self.registration.key.replace('.', '-')}-{self.subject.pk}"


def form_prefix(subject: Model) -> str:
    """Unique per record, so a page with many upload forms has unique field ids."""
    return f"ev-{subject._meta.model_name}-{subject.pk}"


def evidence_blocks(
    request: HttpRequest,
    subjects: Iterable[Model],
    *,
    next_url: str,
    show_subject: bool = True,
    forms: dict[tuple[int, int], EvidenceUploadForm] | None = None,
) -> list[EvidenceBlock]:
    """A block per record of ``subjects`` (all of registered models); one query for all their files."""
    subjects = list(subjects)
    series = evidence_series_for(subjects, user=request.user)
    blocks = []
    for subject in subjects:
        registration = evidence_subject(subject)
        key = (ContentType.objects.get_for_model(subject).pk, subject.pk)
        form = (forms or {}).get(key)
        if form is None and registration.may_upload(request.user, subject):
            form = EvidenceUploadForm(kinds=registration.kinds, prefix=form_prefix(subject))
        blocks.append(
            EvidenceBlock(
                subject=subject,
                registration=registration,
                series=series.get(key, []),
                form=form,
                upload_url=reverse("documents:upload", args=[registration.key, subject.pk]),
                next_url=next_url,
                show_subject=show_subject,
            )
        )
    return blocks


def evidence_section_context(
    request: HttpRequest,
    groups: list[tuple[str, list[Model]]],
    *,
    next_url: str,
    hint: str = "",
    show_subject: bool = True,
) -> dict[str, Any]:
    """The context of ``documents/evidence_section.html``: headed groups of records' blocks."""
    blocks = evidence_blocks(
        request,
        [subject for _, subjects in groups for subject in subjects],
        next_url=next_url,
        show_subject=show_subject,
    )
    by_subject = {(type(block.subject), block.subject.pk): block for block in blocks}
    return {
        "evidence_groups": [
            (heading, [by_subject[(type(subject), subject.pk)] for subject in subjects]) for heading, subjects in groups
        ],
        "evidence_hint": hint,
    }
