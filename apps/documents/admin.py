from django.contrib import admin

from apps.documents.models import EvidenceFile


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    """Read-only: evidence is added on the records' pages (sniffed, versioned, hashed) and kept."""

    list_display = ("title", "version", "kind", "content_type", "object_id", "original_name", "size", "uploaded_at")
    list_filter = ("kind", "content_type")
    search_fields = ("title", "original_name", "sha256")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
