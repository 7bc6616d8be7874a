"""The operator's fallback for the roster. Saves go through ``ServiceModelAdmin`` (full_clean, one
transaction, audit context); a substitution's decision goes through its service (the engineering owner
only) and is read-only here; the findings are the roster job's and read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.roster import models


@admin.register(models.Assignment)
class AssignmentAdmin(ServiceModelAdmin):
    list_display = ("engineer", "contract", "role", "allocation_percent", "start_date", "end_date", "key_person")
    list_filter = ("key_person",)
    search_fields = ("engineer__name", "engineer__email", "contract__title", "contract__reference", "role")
    list_select_related = ("engineer", "contract")
    raw_id_fields = ("engineer", "contract")
    date_hierarchy = "start_date"


class StaffingPlanLineInline(TabularInline):
    model = models.StaffingPlanLine
    extra = 0


@admin.register(models.StaffingPlan)
class StaffingPlanAdmin(ServiceModelAdmin):
    list_display = ("contract", "updated_at")
    search_fields = ("contract__title", "contract__reference")
    list_select_related = ("contract",)
    raw_id_fields = ("contract",)
    inlines = (StaffingPlanLineInline,)


@admin.register(models.Substitution)
class SubstitutionAdmin(ServiceModelAdmin):
    list_display = ("contract", "leaver_assignment", "joiner", "joins_on", "status", "decided_by")
    list_filter = ("status",)
    search_fields = ("contract__title", "joiner__name", "leaver_assignment__engineer__name", "reason")
    list_select_related = ("contract", "leaver_assignment__engineer", "joiner", "decided_by")
    raw_id_fields = ("contract", "leaver_assignment", "joiner")
    readonly_fields = ("status", "requested_by", "decided_by", "decided_at", "joiner_assignment", "decision_note")


@admin.register(models.RosterFinding)
class RosterFindingAdmin(admin.ModelAdmin):
    """Written only by the roster job (``apps.roster.findings``): read-only here."""

    list_display = ("kind", "vendor", "contract", "message", "opened_at", "closed_at")
    list_filter = ("kind",)
    search_fields = ("message", "subject", "vendor__name", "contract__title")
    list_select_related = ("vendor", "contract")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
