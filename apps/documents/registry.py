"""Which records carry evidence files, registered by the apps that own them (documents sits below them
and never imports them)::

    register_evidence_subject(
        Certification,
        kinds=[EvidenceKind.SOC2_REPORT, EvidenceKind.ISO_CERTIFICATE, EvidenceKind.OTHER],
        may_view=lambda user, obj: ...,
        may_upload=lambda user, obj: user.has_perm("vendors.change_certification"),
        on_upload=None,  # or callable(evidence, actor) -> a notice for the uploader, or None
    )

``on_upload`` runs inside the upload's transaction: raising refuses the whole upload (nothing is kept),
returning a sentence tells the uploader what followed (the contract's text filled from the file).

A registered record with evidence cannot be deleted (as ``PROTECT``): the evidence would lose its subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, ProtectedError
from django.db.models.signals import pre_delete
from django.http import Http404

if TYPE_CHECKING:
    from apps.documents.models import EvidenceFile

Check = Callable[[Any, Any], bool]
OnUpload = Callable[["EvidenceFile", Any], "str | None"]


@dataclass(frozen=True)
class EvidenceSubject:
    model: type[Model]
    kinds: tuple[str, ...]
    may_view: Check
    may_upload: Check
    on_upload: OnUpload | None = None

    @property
    def key(self) -> str:
        """``"vendors.certification"``: how URLs name the subject's model."""
        return self.model._meta.label_lower


_SUBJECTS: dict[str, EvidenceSubject] = {}


def _refuse_delete_with_evidence(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from apps.documents.models import EvidenceFile

    files = EvidenceFile.objects.filter(content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk)
    if files.exists():
        raise ProtectedError(f"{instance} has evidence files; they keep it (delete is refused).", set(files[:10]))


def register_evidence_subject(
    model: type[Model],
    *,
    kinds: Iterable[str],
    may_view: Check,
    may_upload: Check,
    on_upload: OnUpload | None = None,
) -> EvidenceSubject:
    """Let ``model``'s records carry evidence files of ``kinds``. Registering again replaces it."""
    subject = EvidenceSubject(
        model=model, kinds=tuple(kinds), may_view=may_view, may_upload=may_upload, on_upload=on_upload
    )
    _SUBJECTS[subject.key] = subject
    pre_delete.connect(_refuse_delete_with_evidence, sender=model, dispatch_uid=f"documents.protect.{subject.key}")
    return subject


def evidence_subjects() -> tuple[EvidenceSubject, ...]:
    return tuple(_SUBJECTS.values())


def evidence_subject(model_or_key: type[Model] | Model | str) -> EvidenceSubject:
    """The registration of a model (a model, one of its records, or its ``app_label.model``); an
    unregistered one is a 404 (it comes from a URL)."""
    key = model_or_key if isinstance(model_or_key, str) else model_or_key._meta.label_lower
    try:
        return _SUBJECTS[key]
    except KeyError:
        raise Http404("No evidence is kept for this kind of record.") from None
