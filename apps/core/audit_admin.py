"""The audit trail in the admin: pghistory's Events page, plus who did it and through which action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from pghistory.admin.core import EventsAdmin


class AuditEventsAdmin(EventsAdmin):
    def get_list_display(self, request: HttpRequest) -> Any:
        return [*super().get_list_display(request), "actor", "action"]

    @admin.display(description="Who")
    def actor(self, event: Any) -> str:
        user_id = (event.pgh_context or {}).get("user")
        if user_id is None:
            return "system"
        user = get_user_model().objects.filter(pk=user_id).first()
        return str(user) if user else f"user #{user_id} (deleted)"

    @admin.display(description="Action")
    def action(self, event: Any) -> str:
        return str((event.pgh_context or {}).get("action") or "")
