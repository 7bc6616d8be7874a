"""The operator's fallback for vendor governance. Saves go through ``ServiceModelAdmin`` (full_clean,
one transaction, audit context); status changes go through ``vendor_transition`` as admin actions.
Records with an owner (``apps.vendors.ownership``) use ``OwnedModelAdmin``: their saves and deletes go
through their services, and an engineering manager changes only those of the vendors they own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from apps.core.admin import ServiceModelAdmin, TabularInline, transition_actions
from apps.core.errors import ApplicationError
from apps.vendors import models, ownership, services
from apps.vendors.choices import VendorStatus
from apps.vendors.selectors import (
    access_grant_finding_names,
    access_grant_findings,
    access_grant_list,
    engineer_list,
)
from apps.vendors.services import OWNER_FIELDS, vendor_require_owners, vendor_transition


# -- records with an owner ----------------------------------------------------------------------------
class OwnedModelAdmin(ServiceModelAdmin):
    """The admin of a record with an owner (``apps.vendors.ownership``). An owner-scoped user (an
    engineering manager) sees the records of other vendors read-only and cannot delete them (403); every
    save and delete goes through the app's services (``create_service``, ``update_service`` with the
    stored record, ``delete_service``), which check ownership again. A refusal is a message, never a 500."""

    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    delete_service: ClassVar[Callable[..., Any] | None] = None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or ownership.may_write(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or ownership.may_write(request.user, obj))

    def service_data(self, form: ModelForm[Any]) -> dict[str, Any]:
        """What the form edits, for the service (its read-only fields are not in it)."""
        return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        create, update = type(self).create_service, type(self).update_service
        if (update if change else create) is None:
            super().save_model(request, obj, form, change)
            return
        data = self.service_data(form)
        if change:
            # The stored record: the form has already written its values onto ``obj``, and ownership is
            # judged on the record as it is as well as on what the change makes of it.
            stored = type(obj)._default_manager.get(pk=obj.pk)
            update(instance=stored, actor=request.user, data=data)  # type: ignore[misc]  # not None: checked above
        else:
            obj.pk = create(actor=request.user, data=data).pk  # type: ignore[misc]  # not None: checked above
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        delete = type(self).delete_service
        if delete is None:
            super().delete_model(request, obj)
            return
        delete(instance=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            try:
                self.delete_model(request, obj)
            except ApplicationError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)


class OwnedInline(TabularInline):
    """An inline of a parent with an owner (a review's action items, a vendor's reviews): editable only
    by those who may write the parent."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and (obj is None or ownership.may_write(request.user, obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or ownership.may_write(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or ownership.may_write(request.user, obj))


# -- inlines --------------------------------------------------------------------------------------


class CertificationInline(TabularInline):
    model = models.Certification
    extra = 0
    fields = ("kind", "name", "issued_on", "expires_on", "evidence_url")


class VendorRiskInline(TabularInline):
    model = models.VendorRisk
    extra = 0
    fields = ("category", "title", "likelihood", "impact", "status", "owner")
    raw_id_fields = ("owner",)


class AccessGrantInline(TabularInline):
    model = models.AccessGrant
    extra = 0
    fields = ("person", "system", "privilege", "named_account", "mfa_enabled", "granted_on", "expires_on", "revoked_on")
    show_change_link = True


class ServiceReviewInline(OwnedInline):
    model = models.ServiceReview
    extra = 0
    fields = ("scheduled_for", "held_on", "status", "delivery_quality")
    show_change_link = True


class ActionItemInline(OwnedInline):
    model = models.ActionItem
    extra = 0
    fields = ("description", "owner", "due_on", "done_on")
    raw_id_fields = ("owner",)


# -- vendors ----------------------------------------------------------------------------------------


class VendorAdminForm(forms.ModelForm):
    """Applies the service's rule that a vendor in pilot or active has its three named owners, which
    ``full_clean`` alone does not know. (The admin builds the form's Meta from the ModelAdmin.)"""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        status = cleaned.get("status") or self.instance.status or VendorStatus.PROSPECT
        owners = {name: cleaned[name] if name in self.fields else getattr(self.instance, name) for name in OWNER_FIELDS}
        try:
            vendor_require_owners(status=status, owners=owners)
        except ApplicationError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)
        return cleaned


@admin.register(models.Vendor)
class VendorAdmin(ServiceModelAdmin):
    form = VendorAdminForm
    list_display = ("name", "country", "geography", "status", "tier", "rate_min", "rate_max", "currency")
    list_filter = ("status", "geography", "tier", "country")
    search_fields = ("name", "description")
    raw_id_fields = OWNER_FIELDS
    transition_fields = ("status",)
    inlines = [CertificationInline, VendorRiskInline, AccessGrantInline, ServiceReviewInline]
    actions = transition_actions(
        VendorStatus, lambda vendor, status, actor: vendor_transition(vendor=vendor, to_status=status, actor=actor)
    )


@admin.register(models.VettingAssessment)
class VettingAssessmentAdmin(ServiceModelAdmin):
    list_display = ("vendor", "assessed_on", "verdict", "pilot_outcome", "score")
    list_filter = ("verdict", "pilot_outcome")
    search_fields = ("vendor__name", "notes")
    raw_id_fields = ("vendor", "assessor")
    date_hierarchy = "assessed_on"


@admin.register(models.Certification)
class CertificationAdmin(ServiceModelAdmin):
    list_display = ("vendor", "kind", "name", "issued_on", "expires_on")
    list_filter = ("kind",)
    search_fields = ("vendor__name", "name")
    raw_id_fields = ("vendor",)
    date_hierarchy = "expires_on"


@admin.register(models.VendorRisk)
class VendorRiskAdmin(ServiceModelAdmin):
    list_display = ("title", "vendor", "category", "likelihood", "impact", "score", "status")
    list_filter = ("category", "status")
    search_fields = ("title", "vendor__name")
    raw_id_fields = ("vendor", "owner")


# -- the team roster ---------------------------------------------------------------------------------
@admin.register(models.Engineer)
class EngineerAdmin(ServiceModelAdmin):
    """Saves go through ``engineer_create`` / ``engineer_update`` (the roster manager's rule, an
    anonymised engineer is not edited); engineers are never deleted, only anonymised (the action)."""

    list_display = ("name", "vendor", "role", "seniority", "email", "git_handle", "anonymised_on")
    list_filter = ("seniority", ("anonymised_on", admin.EmptyFieldListFilter))
    search_fields = ("name", "email", "git_handle", "tracker_handle", "vendor__name")
    raw_id_fields = ("vendor",)
    readonly_fields = ("anonymised_on",)
    actions = ["anonymise"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Engineer]:
        return engineer_list(user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        if change:
            stored = models.Engineer.objects.get(pk=obj.pk)
            services.engineer_update(instance=stored, actor=request.user, data=data)
        else:
            obj.pk = services.engineer_create(actor=request.user, data=data).pk
        obj.refresh_from_db()

    @admin.action(description="Anonymise the selected engineers")
    def anonymise(self, request: HttpRequest, queryset: QuerySet[models.Engineer]) -> None:
        done = 0
        for engineer in queryset:
            try:
                services.engineer_anonymise(engineer=engineer, actor=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{engineer}: {exc.message}", messages.ERROR)
        self.message_user(request, f"Anonymised {done} engineer{'s' if done != 1 else ''}.")


# -- access grants ----------------------------------------------------------------------------------


class FindingsFilter(admin.SimpleListFilter):
    """Grants that need attention today (the same selector the reminders use)."""

    title = "findings"
    parameter_name = "findings"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Has findings")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "yes":
            return queryset.filter(pk__in=access_grant_findings(as_of=timezone.localdate()).values("pk"))
        return queryset


@admin.register(models.AccessGrant)
class AccessGrantAdmin(ServiceModelAdmin):
    list_display = (
        "person",
        "vendor",
        "system",
        "privilege",
        "named_account",
        "mfa_enabled",
        "expires_on",
        "revoked_on",
        "findings",
    )
    list_filter = (FindingsFilter, "privilege", "named_account", "mfa_enabled")
    search_fields = ("person", "system", "account_name", "vendor__name")
    raw_id_fields = ("vendor", "engineer", "granted_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.AccessGrant]:
        return access_grant_list(user=request.user)

    @admin.display(description="Findings")
    def findings(self, obj: models.AccessGrant) -> str:
        return ", ".join(name.replace("_", " ") for name in access_grant_finding_names(obj)) or "—"


# -- service reviews --------------------------------------------------------------------------------


@admin.register(models.ServiceReview)
class ServiceReviewAdmin(OwnedModelAdmin):
    create_service = services.service_review_create
    update_service = services.service_review_update
    delete_service = services.service_review_delete
    list_display = ("vendor", "scheduled_for", "held_on", "status", "delivery_quality")
    list_filter = ("status",)
    search_fields = ("vendor__name", "decisions")
    raw_id_fields = ("vendor",)
    filter_horizontal = ("attendees",)
    date_hierarchy = "scheduled_for"
    inlines = [ActionItemInline]


@admin.register(models.ActionItem)
class ActionItemAdmin(OwnedModelAdmin):
    create_service = services.action_item_create
    update_service = services.action_item_update
    delete_service = services.action_item_delete
    list_display = ("description", "review", "owner", "due_on", "done_on")
    list_filter = ("done_on",)
    search_fields = ("description", "review__vendor__name")
    raw_id_fields = ("review", "owner")
