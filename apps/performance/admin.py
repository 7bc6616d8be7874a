"""The operator's fallback for SLA terms, their evaluations and breaches, and measurements. Saves go
through ``ServiceModelAdmin`` (full_clean, one transaction, audit context) or the services; breach
acknowledgement is an admin action. Evaluations and breaches are written by the SLA engine, so they are
never added here. Measurements and breaches have an owner (``apps.vendors.ownership``): an engineering
manager changes, deletes and acknowledges only those of the engagements they own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from apps.contracts.admin import ContractAdmin
from apps.core.admin import ServiceModelAdmin, TabularInline
from apps.core.errors import ApplicationError
from apps.performance import services
from apps.performance.choices import MeasurementSource
from apps.performance.models import Breach, Delivery, Measurement, SlaEvaluation, SlaTerm
from apps.vendors.admin import OwnedModelAdmin


def _add_errors(form: forms.ModelForm[Any], exc: ValidationError) -> None:
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


# -- SLA terms, evaluations, breaches ------------------------------------------------------------------


class SlaTermInline(TabularInline):
    model = SlaTerm
    extra = 0
    show_change_link = True
    raw_id_fields = ("kpi",)
    fields = (
        "area",
        "kpi",
        "comparator",
        "target",
        "warning_target",
        "window",
        "window_days",
        "severity",
        "credit_percent",
    )


@admin.register(SlaTerm)
class SlaTermAdmin(ServiceModelAdmin):
    list_display = ("contract", "area", "kpi", "comparator", "target", "window", "severity", "credit_percent")
    list_filter = ("area", "window", "severity", "comparator")
    list_select_related = ("contract", "kpi")
    search_fields = ("contract__title", "kpi__name", "kpi__code")
    raw_id_fields = ("contract", "kpi")


class EngineWrittenAdmin(ServiceModelAdmin):
    """Evaluations and breaches are written by the SLA engine: never added or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SlaEvaluation)
class SlaEvaluationAdmin(EngineWrittenAdmin):
    list_display = ("term", "window_start", "window_end", "value", "samples", "status", "is_closed", "evaluated_at")
    list_filter = ("status", "is_closed")
    list_select_related = ("term__kpi",)
    search_fields = ("term__contract__title", "term__kpi__code")
    date_hierarchy = "window_start"
    readonly_fields = ("term", "window_start", "window_end", "value", "samples", "status", "is_closed", "evaluated_at")


# Every field the engine or a person sets, in declaration order (the same list the API shows).
BREACH_FIELDS = tuple(f.name for f in Breach._meta.concrete_fields if f.editable and not f.primary_key)


@admin.register(Breach)
class BreachAdmin(EngineWrittenAdmin, OwnedModelAdmin):
    """Read-only: a breach changes only through its services (acknowledge here, for the breaches one
    may act on; resolve and waive, with their note and reason, over the API)."""

    list_display = ("term", "window_start", "window_end", "severity", "status", "credit_amount", "currency")
    list_filter = ("status", "severity", "term__area")
    list_select_related = ("term__kpi",)
    search_fields = ("term__contract__title", "term__contract__vendor__name", "term__kpi__code")
    date_hierarchy = "window_start"
    fields = BREACH_FIELDS
    readonly_fields = tuple(name for name in BREACH_FIELDS if name != "status")
    transition_fields = ("status",)
    actions = ["acknowledge"]

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("performance.acknowledge_breach"))

    @admin.action(description="Acknowledge the selected breaches", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Breach]) -> None:
        for breach in queryset:
            try:
                services.breach_acknowledge(breach=breach, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{breach}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{breach} is now acknowledged.")


# -- measurements ----------------------------------------------------------------------------------------


class MeasurementAdminForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["contract", "kpi", "period_start", "period_end", "value", "numerator", "denominator", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                services.measurement_check(cleaned)
            except ValidationError as exc:
                _add_errors(self, exc)
        return cleaned


@admin.register(Measurement)
class MeasurementAdmin(OwnedModelAdmin):
    """Writes go through the measurement services, so the admin applies the KPI's rules (ratio parts,
    bounds, period) and ownership like the API and the forms do."""

    form = MeasurementAdminForm
    list_display = ("contract", "kpi", "period_start", "period_end", "value", "source", "recorded_by")
    list_filter = ("source", "kpi")
    search_fields = ("contract__title", "kpi__code", "note")
    raw_id_fields = ("contract",)
    readonly_fields = ("source", "recorded_by", "created_at", "updated_at")
    list_select_related = ("contract", "kpi", "recorded_by")
    date_hierarchy = "period_end"
    delete_service = services.measurement_delete

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        assert isinstance(obj, Measurement)
        data = self.service_data(form)
        if change:
            # The stored measurement, not ``obj`` (the form has written its new contract onto it already).
            stored = Measurement.objects.get(pk=obj.pk)
            services.measurement_update(instance=stored, actor=request.user, data=data, source=MeasurementSource.FORM)
            obj.refresh_from_db()
            return
        saved, _result = services.measurement_record(actor=request.user, data=data, source=MeasurementSource.FORM)
        obj.pk = saved.pk
        obj.refresh_from_db()


# -- telemetry deliveries ---------------------------------------------------------------------------------
@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What the sources sent, for the operator who follows a failed or stuck delivery from the status
    page. Read-only: deliveries are written by the receivers and processed by the workers
    (``manage.py telemetry_reprocess`` processes them again)."""

    list_display = ("received_at", "binding", "event_type", "status", "event_count", "attempts", "delivery_id")
    list_filter = ("status", "binding__source", "event_type")
    search_fields = ("delivery_id", "event_type", "binding__scope", "error")
    list_select_related = ("binding",)
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# The contract's admin page lists its SLA terms inline. The contracts admin does not know SLA terms (a
# floor below this one): the inline is added to it from here, where SLA terms live.
ContractAdmin.inlines = [*ContractAdmin.inlines, SlaTermInline]
