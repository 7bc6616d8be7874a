from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Evidence files: versioned uploads attached to governance records (docs/architecture/evidence.md)."""

    name = "apps.documents"
    label = "documents"
    verbose_name = "Evidence files"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from apps.documents.storage import reset_evidence_storage

        setting_changed.connect(reset_evidence_storage, dispatch_uid="documents.reset_evidence_storage")
