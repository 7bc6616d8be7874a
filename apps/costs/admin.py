"""The operator's fallback for invoices. Saves go through ``ServiceModelAdmin`` (full_clean, one
transaction, audit context); the status is read-only here (it moves through ``invoice_transition``)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

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


@admin.register(models.CostSettings)
class CostSettingsAdmin(ServiceModelAdmin):
    """The one row of cost settings (created by migration): edited, never added or deleted."""

    fieldsets = (
        (
            "Internal hourly cost, by role (reporting currency)",
            {
                "fields": (
                    "hourly_cost_executive",
                    "hourly_cost_procurement",
                    "hourly_cost_engineering_manager",
                    "hourly_cost_security",
                    "hourly_cost_admin",
                    "hourly_cost_engineering",
                )
            },
        ),
        (
            "Management load and rework",
            {
                "fields": (
                    "overhead_hours_staff_augmentation",
                    "overhead_hours_managed_services",
                    "overhead_hours_project_based",
                    "fix_hours_per_defect",
                )
            },
        ),
        (
            "The in-house estimate",
            {
                "fields": (
                    "salary_junior",
                    "salary_mid",
                    "salary_senior",
                    "salary_principal",
                    "overhead_percent",
                    "working_hours_per_year",
                    "in_house_flag_percent",
                )
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.CostSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(models.OwnerHours)
class OwnerHoursAdmin(ServiceModelAdmin):
    list_display = ("contract", "person", "week_of", "hours")
    search_fields = ("contract__title", "contract__reference", "person__username", "note")
    list_select_related = ("contract", "person")
    raw_id_fields = ("contract", "person")
    date_hierarchy = "week_of"
