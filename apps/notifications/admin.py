"""The operator's view of notifications, e-mail preferences and the reminder ledger.

Notifications and sent reminders are records of what happened: read-only here. Deleting a sent
reminder is the operator's way to have it sent again on the next run.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.admin import HTTPS_URL_FIELDS, ServiceModelAdmin
from apps.core.errors import ApplicationError
from apps.notifications import models
from apps.notifications.webhooks import services as webhook_services


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


# -- outbound webhooks: managed on their own pages (/notifications/webhooks/); here for the operator ------
def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any, act: Any, done: str) -> None:
    for obj in queryset:
        try:
            act(obj, request.user)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done}")


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Created (with its secret shown once) and edited on the webhook pages; enabled or disabled here too."""

    list_display = ("name", "kind", "url", "is_active", "consecutive_failures", "last_delivery_at", "owner")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "url")
    list_select_related = ("owner",)
    exclude = ("secret_sealed",)
    formfield_overrides = HTTPS_URL_FIELDS
    actions = ("enable", "disable")

    @admin.action(description="Enable the selected endpoints")
    def enable(self, request: HttpRequest, queryset: Any) -> None:
        _report(
            self,
            request,
            queryset,
            lambda e, u: webhook_services.webhook_endpoint_enable(endpoint=e, actor=u),
            "enabled.",
        )

    @admin.action(description="Disable the selected endpoints")
    def disable(self, request: HttpRequest, queryset: Any) -> None:
        _report(
            self,
            request,
            queryset,
            lambda e, u: webhook_services.webhook_endpoint_disable(endpoint=e, actor=u),
            "disabled.",
        )


class WebhookAttemptInline(admin.TabularInline):
    model = models.WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "response_excerpt", "duration_ms", "manual")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("message_id", "endpoint__name")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    inlines = (WebhookAttemptInline,)
    actions = ("replay",)

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request: HttpRequest, queryset: Any) -> None:
        _report(
            self,
            request,
            queryset,
            lambda d, u: webhook_services.webhook_delivery_replay(delivery=d, actor=u),
            "replaying.",
        )
