from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.functions import services
from apps.functions.choices import decision_against_recommendation
from apps.functions.forms import FunctionForm
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

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "velocity_critical":  # Yes / No / as the category implies, like the pages
            return copy.deepcopy(FunctionForm.base_fields["velocity_critical"])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Recommendation")
    def recommendation(self, obj: Function) -> str:
        return services.recommendation_for(obj).label if obj.pk else "—"


class SourcingDecisionAdminForm(forms.ModelForm):
    """A decision against the recommendation asks for the exception's justification and review date
    here, so the refusal is a form error rather than a failed save."""

    justification = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = SourcingDecision
        fields = ("function", "decision", "rationale", "decided_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        function, decision = data.get("function"), data.get("decision")
        if function is not None and decision and decision_against_recommendation(decision, function.recommendation):
            if not (data.get("justification") or "").strip():
                self.add_error("justification", "A decision against the recommendation needs its justification.")
            review_on = data.get("review_on")
            if review_on is None or review_on <= timezone.localdate():
                self.add_error("review_on", "A decision against the recommendation needs a future review date.")
        return data


@admin.register(SourcingDecision)
class SourcingDecisionAdmin(ServiceModelAdmin):
    """New decisions go through ``function_decide`` (history + the function's current decision in one
    transaction); existing ones are read-only and never deleted."""

    list_display = ("function", "decision", "decided_on", "decided_by")
    list_filter = ("decision",)
    search_fields = ("function__name", "rationale")
    raw_id_fields = ("function",)
    form = SourcingDecisionAdminForm
    fields = ("function", "decision", "rationale", "decided_on", "justification", "review_on")
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
            justification=form.cleaned_data.get("justification") or "",
            review_on=form.cleaned_data.get("review_on"),
        )
        obj.pk, obj.decided_by, obj.created_at = record.pk, record.decided_by, record.created_at
