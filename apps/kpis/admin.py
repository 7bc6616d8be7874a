from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.core.services import audited
from apps.kpis import services
from apps.kpis.models import KpiDefinition, PerformanceBand


class PerformanceBandInline(TabularInline):
    model = PerformanceBand
    extra = 0
    fields = ("source", "year", "band", "rank", "lower", "upper", "label")
    ordering = ("source", "-year", "rank")


class KpiDefinitionAdminForm(forms.ModelForm):
    class Meta:
        model = KpiDefinition
        fields = [
            "code",
            "name",
            "unit",
            "direction",
            "aggregation",
            "multiplier",
            "numerator_label",
            "denominator_label",
            "min_value",
            "max_value",
            "description",
            "default_target",
            "score_tolerance_percent",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk:
            original = KpiDefinition.objects.get(pk=self.instance.pk)
            data = {name: cleaned[name] for name in self.changed_data if name in cleaned}
            for name in services.kpi_definition_locked_changes(instance=original, data=data):
                self.add_error(
                    name, "This KPI already has measurements, which are expressed in this; it cannot change."
                )
        return cleaned


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(ServiceModelAdmin):
    form = KpiDefinitionAdminForm
    list_display = ("name", "code", "unit", "direction", "aggregation", "multiplier", "min_value", "max_value")
    list_filter = ("direction", "aggregation", "unit")
    search_fields = ("name", "code", "description")
    inlines = [PerformanceBandInline]

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        assert isinstance(obj, KpiDefinition)
        if change:
            # The form has already set the new values on ``obj``: hand the service the changed ones.
            original = KpiDefinition.objects.get(pk=obj.pk)
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            for name in data:
                setattr(obj, name, getattr(original, name))
            services.kpi_definition_update(instance=obj, actor=request.user, data=data)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: BaseModelFormSet[Any, Any], change: bool
    ) -> None:
        # Inline band edits are audited as the acting user too (the forms have validated each band).
        with audited(actor=request.user, action="admin_performanceband_save"):
            super().save_formset(request, form, formset, change)


@admin.register(PerformanceBand)
class PerformanceBandAdmin(ServiceModelAdmin):
    list_display = ("kpi", "source", "year", "band", "rank", "lower", "upper", "label")
    list_filter = ("source", "year", "band", "kpi")
    search_fields = ("kpi__code", "kpi__name", "label")
    list_select_related = ("kpi",)
