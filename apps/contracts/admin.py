"""The operator's fallback for contracts. Saves go through ``ServiceModelAdmin`` (full_clean, one
transaction, audit context); a new contract gets its checklists from the service; status changes go
through ``contract_transition`` as admin actions. (SLA terms, evaluations and breaches, and the SLA
terms shown inline on a contract, are ``apps.performance.admin``'s.)"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from apps.contracts import models
from apps.contracts.choices import ContractStatus
from apps.contracts.services import (
    contract_check_hierarchy,
    contract_check_in_force,
    contract_check_status_fits_dates,
    contract_checklists_create,
    contract_transition,
)
from apps.core.admin import ServiceModelAdmin, TabularInline, transition_actions
from apps.core.errors import ApplicationError

# -- inlines --------------------------------------------------------------------------------------


class ChecklistInline(TabularInline):
    """Checklist rows come with the contract: they are edited, never added or removed."""

    extra = 0
    can_delete = False
    readonly_fields = ("kind",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContractClauseInline(ChecklistInline):
    model = models.ContractClause
    fields = ("kind", "assessment", "note")


class ExitPlanItemInline(ChecklistInline):
    model = models.ExitPlanItem
    fields = ("kind", "owner", "done_on", "note")
    raw_id_fields = ("owner",)


# -- contracts ----------------------------------------------------------------------------------------


class ContractAdminForm(forms.ModelForm):
    """Applies the service rules ``full_clean`` alone does not know: a status given at creation is true
    by date (and, active, has a vendor in force and an active master agreement around it), and a master
    agreement with statements of work stays one, with the same vendor."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}

        def value(name: str) -> Any:
            return cleaned.get(name) if name in self.fields else getattr(self.instance, name, None)

        try:
            if self.instance.pk is None:
                contract_check_status_fits_dates(
                    status=value("status") or ContractStatus.DRAFT,
                    start_date=value("start_date"),
                    end_date=value("end_date"),
                )
                if value("status") == ContractStatus.ACTIVE:
                    contract_check_in_force(
                        vendor=value("vendor"),
                        parent=value("parent"),
                        start_date=value("start_date"),
                        end_date=value("end_date"),
                    )
            vendor = value("vendor")
            contract_check_hierarchy(
                contract=self.instance, parent=value("parent"), vendor_id=vendor.pk if vendor is not None else None
            )
        except ApplicationError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        except ValidationError as exc:
            for field, field_messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, field_messages)
        return cleaned


@admin.register(models.Contract)
class ContractAdmin(ServiceModelAdmin):
    form = ContractAdminForm
    list_display = (
        "title",
        "vendor",
        "engagement_model",
        "status",
        "start_date",
        "end_date",
        "renewal",
        "cancel_by",
        "value",
        "currency",
    )
    list_filter = ("status", "engagement_model", "renewal", "currency")
    list_select_related = ("vendor",)
    search_fields = ("title", "reference", "vendor__name")
    raw_id_fields = ("vendor", "parent")
    filter_horizontal = ("functions",)
    readonly_fields = ("cancel_by", "renewal_term_days")
    transition_fields = ("status",)
    date_hierarchy = "start_date"
    inlines = [ContractClauseInline, ExitPlanItemInline]
    # Terminating and expiring by hand need a reason, which a bulk action cannot ask for: they are done
    # from the contract page's transition page.
    actions = [
        action
        for action in transition_actions(
            ContractStatus,
            lambda contract, status, actor: contract_transition(contract=contract, to_status=status, actor=actor),
        )
        if action.__name__ not in {"transition_to_terminated", "transition_to_expired"}
    ]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        # The admin's change view is one transaction, so the contract and its checklists land together.
        super().save_model(request, obj, form, change)
        if not change:
            contract_checklists_create(contract=obj)


# -- checklists (also edited inline on the contract) ---------------------------------------------


class ChecklistRowAdmin(ServiceModelAdmin):
    """Rows created with their contract: edited here, never added or deleted."""

    readonly_fields: ClassVar[tuple[str, ...]] = ("contract", "kind")
    search_fields = ("contract__title", "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.ContractClause)
class ContractClauseAdmin(ChecklistRowAdmin):
    list_display = ("contract", "kind", "assessment", "updated_at")
    list_filter = ("kind", "assessment")
    list_select_related = ("contract",)
    fields = ("contract", "kind", "assessment", "note")


@admin.register(models.ExitPlanItem)
class ExitPlanItemAdmin(ChecklistRowAdmin):
    list_display = ("contract", "kind", "owner", "done_on", "waived_on")
    list_filter = ("kind", ("done_on", admin.EmptyFieldListFilter))
    list_select_related = ("contract", "owner")
    fields = ("contract", "kind", "owner", "done_on", "note", "waived_on", "waived_by", "waiver_reason")
    readonly_fields = ("contract", "kind", "waived_on", "waived_by", "waiver_reason")
    raw_id_fields = ("owner",)
