"""Uploading evidence: versions, hash, permissions, kinds, refusals that keep nothing, the audit trail,
and records with evidence that cannot be deleted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pghistory.models import Events

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.documents.models import EvidenceFile
from apps.documents.services import evidence_download_record, evidence_upload
from apps.vendors.services import certification_delete
from tests.documents.files import pdf_bytes, upload, zip_bytes
from tests.factories import CertificationFactory, ServiceReviewFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def soc2(certification, actor, *, title: str = "", data: bytes | None = None, name: str = "soc2.pdf"):
    return evidence_upload(
        subject=certification,
        kind="soc2_report",
        title=title,
        upload=upload(name, data or pdf_bytes("SOC 2 Type II report")),
        actor=actor,
    ).evidence


def test_an_upload_is_kept_with_its_facts(evidence_root: Path) -> None:
    security = UserFactory(role="security")
    certification = CertificationFactory()
    data = pdf_bytes("SOC 2 Type II report")
    evidence = soc2(certification, security, data=data, name="C:\\reports\\SOC2 2026.pdf")
    evidence.refresh_from_db()
    assert evidence.subject == certification
    assert (evidence.kind, evidence.title, evidence.version) == ("soc2_report", "SOC 2 report", 1)
    assert evidence.original_name == "SOC2 2026.pdf"
    assert evidence.media_type == "application/pdf"
    assert evidence.size == len(data)
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.uploaded_by == security
    # Stored under the record, by a random name with the sniffed type's extension.
    assert evidence.file.name.startswith(f"vendors.certification/{certification.pk}/")
    assert evidence.file.name.endswith(".pdf")
    assert (evidence_root / evidence.file.name).read_bytes() == data
    event = Events.objects.tracks(evidence).get(pgh_label="insert")
    assert event.pgh_context["user"] == security.pk
    assert event.pgh_context["action"] == "evidence_upload"


def test_the_same_kind_and_title_is_the_next_version() -> None:
    security = UserFactory(role="security")
    certification = CertificationFactory()
    first = soc2(certification, security, title="SOC 2 Type II")
    second = soc2(certification, security, title="soc 2  type ii")  # any case, any spacing
    other = soc2(certification, security, title="Bridge letter")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    # Another record starts again at 1.
    assert soc2(CertificationFactory(), security, title="SOC 2 Type II").version == 1
    assert EvidenceFile.objects.count() == 4  # older versions are kept


def test_a_refused_file_keeps_nothing(evidence_root: Path) -> None:
    certification = CertificationFactory()
    with pytest.raises(ApplicationError, match="ZIP archive") as caught:
        soc2(certification, UserFactory(role="security"), data=zip_bytes())
    assert caught.value.field == "file"
    assert not EvidenceFile.objects.exists()
    assert not evidence_root.exists() or not any(p.is_file() for p in evidence_root.rglob("*"))


def test_a_failure_after_storing_removes_the_stored_bytes(evidence_root: Path, monkeypatch) -> None:
    from apps.documents import registry

    certification = CertificationFactory()
    registration = registry.evidence_subject(certification)

    def boom(evidence, actor):
        raise ApplicationError("The record refused it.")

    monkeypatch.setitem(
        registry._SUBJECTS, registration.key, registration.__class__(**{**registration.__dict__, "on_upload": boom})
    )
    with pytest.raises(ApplicationError, match="refused it"):
        soc2(certification, UserFactory(role="security"))
    assert not EvidenceFile.objects.exists()
    assert not any(p.is_file() for p in evidence_root.rglob("*"))


def test_only_kinds_of_the_record() -> None:
    with pytest.raises(ApplicationError) as caught:
        evidence_upload(
            subject=CertificationFactory(),
            kind="signed_contract",
            upload=upload("c.pdf", pdf_bytes("x")),
            actor=UserFactory(role="security"),
        )
    assert caught.value.field == "kind"
    assert "SOC 2 report, ISO certificate, Other" in caught.value.message


@pytest.mark.parametrize(("role", "allowed"), [("security", True), ("procurement", True), ("executive", False)])
def test_who_may_upload_to_a_certification(role: str, allowed: bool) -> None:
    certification = CertificationFactory()
    if allowed:
        assert soc2(certification, UserFactory(role=role)).pk
    else:
        with pytest.raises(PermissionDeniedError):
            soc2(certification, UserFactory(role=role))


def test_review_minutes_only_by_the_vendors_owning_manager() -> None:
    owner = UserFactory(role="engineering_manager")
    review = ServiceReviewFactory(vendor=VendorFactory(engineering_owner=owner))

    def minutes(actor):
        return evidence_upload(
            subject=review, kind="review_minutes", upload=upload("m.txt", b"Minutes: all good.\n"), actor=actor
        )

    assert minutes(owner).evidence.media_type == "text/plain"
    with pytest.raises(PermissionDeniedError):
        minutes(UserFactory(role="engineering_manager"))


def test_a_record_with_evidence_cannot_be_deleted() -> None:
    security = UserFactory(role="security")
    certification = CertificationFactory()
    soc2(certification, security)
    with pytest.raises(ConflictError, match="evidence files"):
        certification_delete(instance=certification, actor=security)
    assert EvidenceFile.objects.count() == 1


def test_a_download_is_an_audit_event_with_who() -> None:
    security = UserFactory(role="security")
    reader = UserFactory(role="executive")
    evidence = soc2(CertificationFactory(), security)
    evidence_download_record(evidence=evidence, actor=reader)
    event = Events.objects.tracks(evidence).get(pgh_label="download")
    assert event.pgh_context["user"] == reader.pk
    assert event.pgh_context["action"] == "evidence_download"
