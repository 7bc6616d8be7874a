"""The operator's view of notifications, e-mail preferences and the reminder ledger.

Notifications and sent reminders are records of what happened: read-only here. Deleting a sent
reminder is the operator's way to have it sent again on the next run.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ServiceModelAdmin
from apps.notifications import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "body", "dedupe_key", "recipient__username", "recipient__email")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(models.EmailPreference)
class EmailPreferenceAdmin(ServiceModelAdmin):
    list_display = ("user", "kind", "email_enabled", "updated_at")
    list_filter = ("kind", "email_enabled")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(models.SentReminder)
class SentReminderAdmin(ReadOnlyAdmin):
    list_display = ("kind", "item_key", "occasion", "sent_at")
    list_filter = ("kind",)
    search_fields = ("item_key", "occasion")
    date_hierarchy = "sent_at"
    list_per_page = 100
