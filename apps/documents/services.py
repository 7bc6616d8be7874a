"""Writes of evidence files: the upload (sniffed, limited, versioned, hashed, then the subject's
``on_upload``) and the audit record of a download."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max, Model

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.services import audited, save_validated
from apps.documents.choices import EvidenceKind
from apps.documents.models import EvidenceFile
from apps.documents.registry import evidence_subject
from apps.documents.sniffing import CHUNK_BYTES, sniff


@dataclass(frozen=True)
class EvidenceUpload:
    evidence: EvidenceFile
    notice: str = ""  # what the subject did with it (``on_upload``), for the uploader


def _original_name(name: str) -> str:
    # Only the last path component, printable, at most 255 characters (the extension kept).
    base = os.path.basename(name.replace("\\", "/")).strip() or "evidence"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"\r\n')
    if len(base) > 255:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 254 - len(extension)] + dot + extension) if dot and len(extension) < 20 else base[:255]
    return base


def evidence_next_version(*, subject: Model, kind: str, title: str) -> int:
    latest = EvidenceFile.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, kind=kind
    ).filter(**{"title__iexact": title})
    return int(latest.aggregate(n=Max("version"))["n"] or 0) + 1


def evidence_upload(
    *, subject: Model, kind: str, title: str = "", upload: UploadedFile, note: str = "", actor: Any | None
) -> EvidenceUpload:
    """Keep ``upload`` as the next version of ``subject``'s document ``kind`` + ``title`` (the kind's
    label when no title is given). Refused, with nothing kept, when the actor may not upload there, the
    kind does not fit the record, or the content is over the limit or of a type not accepted."""
    registration = evidence_subject(subject)
    if actor is not None and not registration.may_upload(actor, subject):
        raise PermissionDeniedError(f"You may not add evidence to {subject}.")
    if kind not in registration.kinds:
        labels = ", ".join(str(EvidenceKind(k).label) for k in registration.kinds)
        raise ApplicationError(f"A {subject._meta.verbose_name} takes evidence of these kinds: {labels}.", field="kind")
    title = " ".join(title.split()) or str(EvidenceKind(kind).label)
    original_name = _original_name(upload.name or "")
    size = int(upload.size or 0)
    upload.seek(0)
    sniffed = sniff(upload.chunks(CHUNK_BYTES), name=original_name, size=size)
    upload.seek(0)

    evidence = EvidenceFile(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        title=title,
        original_name=original_name,
        media_type=sniffed.type.media_type,
        size=sniffed.size,
        sha256=sniffed.sha256,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        note=note.strip(),
    )
    try:
        with audited(actor=actor, action="evidence_upload"):
            # One upload at a time per record: the version number is read and used under the lock.
            list(type(subject)._default_manager.select_for_update().filter(pk=subject.pk).values_list("pk"))
            evidence.version = evidence_next_version(subject=subject, kind=kind, title=title)
            evidence.file.save(f"evidence.{sniffed.type.extension}", upload, save=False)
            save_validated(evidence)
            notice = registration.on_upload(evidence, actor) if registration.on_upload else None
    except BaseException:
        # The row rolled back: the stored bytes must not outlive it.
        if evidence.file.name:
            evidence.file.delete(save=False)
        raise
    return EvidenceUpload(evidence=evidence, notice=notice or "")


def evidence_download_record(*, evidence: EvidenceFile, actor: Any | None) -> None:
    """Record in the audit trail that ``actor`` downloaded ``evidence`` (a ``download`` event of the
    file, with who in its context; when: the event's time)."""
    with audited(actor=actor, action="evidence_download"):
        pghistory.create_event(evidence, label="download")
