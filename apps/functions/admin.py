from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.functions import services
from apps.functions.models import Function, SourcingDecision


class SourcingDecisionInline(TabularInline):
    """The function's decision history, read-only: decisions are appended, never edited."""

    model = SourcingDecision
    extra = 0
    can_delete = False
    fields = ("decided_on", "decision", "rationale", "decided_by", "created_at")
    readonly_fields = fields
    ordering = ("-decided_on", "-created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # recorded through function_decide (the API, or "Add sourcing decision" here)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Function)
class FunctionAdmin(ServiceModelAdmin):
    list_display = (
        "name",
        "category",
        "strategic",
        "sensitive",
        "repeatable",
        "scarce",
        "velocity_critical",
        "decision",
    )
    list_filter = ("category", "decision", "velocity_critical")
    search_fields = ("name", "description")
    readonly_fields = ("recommendation", "decision", "rationale")
    inlines = [SourcingDecisionInline]

    @admin.display(description="Recommendation")
    def recommendation(self, obj: Function) -> str:
        return services.recommendation_for(obj).label if obj.pk else "—"


@admin.register(SourcingDecision)
class SourcingDecisionAdmin(ServiceModelAdmin):
    """New decisions go through ``function_decide`` (history + the function's current decision in one
    transaction); existing ones are read-only and never deleted."""

    list_display = ("function", "decision", "decided_on", "decided_by")
    list_filter = ("decision",)
    search_fields = ("function__name", "rationale")
    raw_id_fields = ("function",)
    fields = ("function", "decision", "rationale", "decided_on")
    date_hierarchy = "decided_on"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        assert isinstance(obj, SourcingDecision) and not change
        record = services.function_decide(
            function=obj.function,
            decision=obj.decision,
            rationale=obj.rationale,
            actor=request.user,
            decided_on=obj.decided_on,
        )
        obj.pk, obj.decided_by, obj.created_at = record.pk, record.decided_by, record.created_at
