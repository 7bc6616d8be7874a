"""The admin is the operator's fallback; its writes go through the same validation and audit path
as the services (``full_clean``, one transaction, the acting user in the audit context)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet, TextChoices, URLField
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponseRedirect

from apps.core.errors import ApplicationError
from apps.core.models import FxRate
from apps.core.services import audited, model_delete, save_validated

# Django 6's default now: a URL typed without a scheme is https.
HTTPS_URL_FIELDS: dict[type[Any], dict[str, Any]] = {URLField: {"assume_scheme": "https"}}


class TabularInline(admin.TabularInline):
    """The admin's inline rows, with the same field defaults as ``ServiceModelAdmin``."""

    formfield_overrides = HTTPS_URL_FIELDS


class ServiceModelAdmin(admin.ModelAdmin):
    """Status fields named in ``transition_fields`` are read-only: they change through services only."""

    transition_fields: tuple[str, ...] = ()
    formfield_overrides = HTTPS_URL_FIELDS
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.transition_fields if obj is not None else readonly

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # A rule only the service or the database can check (a race on a unique constraint, a refused
        # transition) is a message on the page, never a 500; the transaction has written nothing.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        verb = "update" if change else "create"
        with audited(actor=request.user, action=f"admin_{obj._meta.model_name}_{verb}"):
            save_validated(obj)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        model_delete(obj, actor=request.user, action=f"admin_{obj._meta.model_name}_delete")

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def transition_actions(statuses: type[TextChoices], move: Callable[[Any, str, Any], Any]) -> list[Callable[..., None]]:
    """One admin action per status ("Move to Active"), each calling the lifecycle service
    ``move(obj, status, actor)`` and reporting refusals instead of failing the batch."""

    def make(status: str) -> Callable[..., None]:
        label = statuses(status).label

        def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
            for obj in queryset:
                try:
                    move(obj, status, request.user)
                except ApplicationError as exc:
                    modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
                else:
                    modeladmin.message_user(request, f"{obj} is now {label}.")

        action.__name__ = f"transition_to_{status}"
        return admin.action(description=f"Move to {label}")(action)

    return [make(status) for status in statuses.values]


@admin.register(FxRate)
class FxRateAdmin(ServiceModelAdmin):
    """The dated FX rates the overview converts with (``manage.py fx_rates FILE.csv`` loads many)."""

    list_display = ("currency", "valid_on", "rate")
    list_filter = ("currency",)
    search_fields = ("currency",)
    date_hierarchy = "valid_on"
    ordering = ("currency", "-valid_on")
