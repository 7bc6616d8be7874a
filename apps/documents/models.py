"""Evidence files: the documents behind a governance record (a certification's SOC 2 report, a
contract's signed copy), versioned, with who uploaded them and their SHA-256."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from apps.documents.choices import EvidenceKind
from apps.documents.storage import evidence_upload_to, get_evidence_storage


# ``apps.core.models.audit_tracked`` (insert, update, delete) plus the manual event ``download``: each
# download is in the audit trail with who and when (``apps.documents.services.evidence_download_record``).
@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), pghistory.ManualEvent("download")
)
class EvidenceFile(models.Model):
    """One uploaded version of a document about a record (the *subject*: any model registered with
    ``apps.documents.registry``). A new upload of the same kind and title (any case) is the next version;
    older versions are kept. The type is sniffed from the content, never taken from the name."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    file = models.FileField(storage=get_evidence_storage, upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(max_length=255, help_text="The file's name on the uploader's machine.")
    # The media type recognised from the content ("content type" of the plan; ``content_type`` is the
    # subject's model here, as on every generic relation of the project).
    media_type = models.CharField(max_length=100, help_text="The media type recognised from the content.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_files"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, editable=False)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["kind", "title", "-version"]
        verbose_name = "evidence file"
        indexes = [models.Index(fields=["content_type", "object_id"], name="documents_evidence_subject")]
        constraints = [
            models.UniqueConstraint(
                "content_type",
                "object_id",
                "kind",
                Lower("title"),
                "version",
                name="documents_evidence_unique_version",
                violation_error_message="This version of the document already exists; upload it again.",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="documents_evidence_version_positive",
                violation_error_message="A version starts at 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def get_absolute_url(self) -> str:
        return reverse("documents:download", args=[self.pk])
