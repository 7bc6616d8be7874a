"""The operator's fallback for invoices. Saves go through ``ServiceModelAdmin`` (full_clean, one
transaction, audit context); the status is read-only here (it moves through ``invoice_transition``)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.costs import models


class InvoiceHoursInline(TabularInline):
    model = models.InvoiceHours
    extra = 0


@admin.register(models.Invoice)
class InvoiceAdmin(ServiceModelAdmin):
    list_display = ("number", "contract", "period_start", "period_end", "amount", "currency", "status")
    list_filter = ("status",)
    search_fields = ("number", "contract__title", "contract__reference", "contract__vendor__name")
    list_select_related = ("contract",)
    raw_id_fields = ("contract",)
    readonly_fields = ("status",)
    date_hierarchy = "period_end"
    inlines = (InvoiceHoursInline,)
