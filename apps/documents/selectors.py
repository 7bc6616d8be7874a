"""Reads of evidence files. Everyone signed in reads the records they are about (``may_view`` of the
subject's registration decides for one file)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower

from apps.documents.models import EvidenceFile


def evidence_list(*, user: Any = None) -> QuerySet[EvidenceFile]:
    return EvidenceFile.objects.select_related("uploaded_by", "content_type")


@dataclass
class EvidenceSeries:
    """Every version of one document (same kind and title) of a record, the newest first."""

    kind: str
    kind_label: str
    title: str
    versions: list[EvidenceFile] = field(default_factory=list)

    @property
    def latest(self) -> EvidenceFile:
        return self.versions[0]

    @property
    def older(self) -> list[EvidenceFile]:
        return self.versions[1:]


def evidence_series_for(subjects: Iterable[Model], *, user: Any = None) -> dict[tuple[int, int], list[EvidenceSeries]]:
    """The evidence of each record, keyed ``(content type id, pk)``, as series of versions; one query
    however many records and files."""
    subjects = list(subjects)
    if not subjects:
        return {}
    condition = Q()
    by_model: dict[int, list[Any]] = defaultdict(list)
    for subject in subjects:
        by_model[ContentType.objects.get_for_model(subject).pk].append(subject.pk)
    for content_type_id, ids in by_model.items():
        condition |= Q(content_type_id=content_type_id, object_id__in=ids)
    found: dict[tuple[int, int], dict[tuple[str, str], EvidenceSeries]] = defaultdict(dict)
    files = evidence_list(user=user).filter(condition).order_by("kind", Lower("title"), "-version", "-pk")
    for evidence in files:
        series = found[(evidence.content_type_id, evidence.object_id)]
        key = (evidence.kind, evidence.title.casefold())
        if key not in series:
            series[key] = EvidenceSeries(
                kind=evidence.kind, kind_label=evidence.get_kind_display(), title=evidence.title
            )
        series[key].versions.append(evidence)
    return {subject_key: list(series.values()) for subject_key, series in found.items()}
