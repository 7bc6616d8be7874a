"""The pages that manage delivery telemetry: a contract's source bindings (made, changed, switched off
and on, their secret rotated or replaced by the tool's own) with the setup instructions of each, and a
vendor's identity rules. They show in the contract page's telemetry panel and the vendor page's
*Telemetry* tab (``apps.performance.telemetry.sections``).

A webhook secret is shown once: the answer to the POST that made the binding or rotated its secret
renders it (no redirect that would carry it, nothing in the session, ``Cache-Control: no-store``); a
later visit to any page shows the setup without it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from apps.contracts.selectors import contract_detail
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.ui import (
    SelectorObjectMixin,
    ServiceActionView,
    ServiceCreateView,
    ServiceDeleteView,
    ServiceFormView,
    ServiceUpdateView,
    add_service_errors,
)
from apps.performance.telemetry import selectors, services
from apps.performance.telemetry.forms import (
    BindingCreateForm,
    BindingSecretForm,
    BindingUpdateForm,
    IdentityRuleForm,
    RotateForm,
)
from apps.performance.telemetry.models import SourceBinding
from apps.performance.telemetry.setup import setup_for
from apps.vendors import ownership
from apps.vendors import services as vendor_services
from apps.vendors.selectors import vendor_list

ADD_BINDING = "performance.add_sourcebinding"
CHANGE_BINDING = "performance.change_sourcebinding"
ADD_IDENTITY_RULE = "vendors.add_vendoridentityrule"
DELETE_IDENTITY_RULE = "vendors.delete_vendoridentityrule"

REPROCESS_NOTE = (
    "Events received from now on are attributed with it; those stored already are attributed again when "
    "an administrator runs manage.py telemetry_reprocess."
)


def _require_owner(user: Any, record: Any) -> None:
    """An engineering manager writes only the bindings and rules of the vendors they own (403 naming
    the vendor; the services refuse them too)."""
    if not ownership.may_write(user, record):
        raise PermissionDenied(ownership.refusal(record))


def secret_page(request: HttpRequest, binding: SourceBinding, secret: str, *, rotated: bool) -> HttpResponse:
    """The one answer that shows a webhook secret: rendered in reply to the POST that made it, never
    stored (not in the session, not in a message, not in a URL) and not cached."""
    response = render(
        request,
        "performance/telemetry/secret.html",
        {
            "title": f"{'New secret' if rotated else 'Bound'}: {binding}",
            "binding": binding,
            "contract": binding.contract,
            "secret": secret,
            "rotated": rotated,
            "setup": setup_for(binding),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class ShowsSecretOnce(ServiceFormView):
    """A form whose success is the secret page rather than a redirect."""

    def make_secret(self, form: forms.BaseForm) -> tuple[SourceBinding, str]:
        raise NotImplementedError

    rotated = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if not form.is_valid():
            return self.render_form(form)
        try:
            binding, secret = self.make_secret(form)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
            return self.render_form(form)
        return secret_page(request, binding, secret, rotated=self.rotated)


# -- bindings --------------------------------------------------------------------------------------------
class BindingCreateView(ShowsSecretOnce, ServiceCreateView):
    """Bind a source to the contract; the answer shows its secret once, with its setup."""

    permission = ADD_BINDING
    form_class = BindingCreateForm
    template_name = "performance/telemetry/binding_form.html"
    submit_label = "Add the source"
    contract: Any

    def setup_objects(self) -> None:
        self.contract = get_object_or_404(
            contract_detail(user=self.request.user).select_related("vendor"), pk=self.kwargs["contract_pk"]
        )

    def check_object_permission(self) -> None:
        _require_owner(self.request.user, ownership.prospective(SourceBinding, self.contract))

    def extra_data(self) -> dict[str, Any]:
        return {"contract": self.contract}

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Add a telemetry source to {self.contract}"

    def make_secret(self, form: forms.BaseForm) -> tuple[SourceBinding, str]:
        data = {**form.cleaned_data, **self.extra_data()}
        return services.binding_create(actor=self.request.user, data=data)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.contract, **kwargs)


class BindingObjectMixin(SelectorObjectMixin):
    selector = selectors.binding_list
    object: SourceBinding

    def check_object_permission(self) -> None:
        _require_owner(self.request.user, self.object)


class BindingUpdateView(BindingObjectMixin, ServiceUpdateView):
    permission = CHANGE_BINDING
    form_class = BindingUpdateForm
    template_name = "performance/telemetry/binding_form.html"
    success_message = "Saved {object}; its KPIs are measured again from “covers from”."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit the telemetry source {self.object}"

    def perform(self, form: forms.BaseForm) -> Any:
        data = dict(form.cleaned_data)
        token = data.pop("api_token", "") or None
        instance = SourceBinding.objects.get(pk=self.object.pk)
        return services.binding_update(instance=instance, actor=self.request.user, data=data, api_token=token)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.object.contract, **kwargs)


class BindingRotateView(BindingObjectMixin, ShowsSecretOnce):
    """Rotate a binding's secret: a page that says what it does, then the new secret, once."""

    permission = CHANGE_BINDING
    form_class = RotateForm
    template_name = "performance/telemetry/rotate.html"
    submit_label = "Rotate the secret"
    rotated = True

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Rotate the secret of {self.object}"

    def make_secret(self, form: forms.BaseForm) -> tuple[SourceBinding, str]:
        secret = services.binding_rotate_secret(instance=self.object, actor=self.request.user)
        return self.object, secret

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(object=self.object, parent=self.object.contract, **kwargs)


class BindingSetSecretView(BindingObjectMixin, ServiceFormView):
    """Give the binding the signing secret its tool made (PagerDuty's webhook subscriptions)."""

    permission = CHANGE_BINDING
    form_class = BindingSecretForm
    template_name = "performance/telemetry/set_secret.html"
    submit_label = "Save the secret"
    success_message = "Saved the tool's signing secret for {object}: its deliveries are now verified with it."

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"The signing secret of {self.object}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.binding_set_secret(
            instance=self.object, actor=self.request.user, secret=form.cleaned_data["secret"]
        )

    def get_success_url_for(self, result: Any) -> str:
        return reverse("performance:binding-setup", args=[result.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            object=self.object, parent=self.object.contract, setup=setup_for(self.object), **kwargs
        )


ACTIVE_ACTIONS = {"activate": True, "deactivate": False}


class BindingActiveView(BindingObjectMixin, ServiceActionView):
    """Switch a binding off (its address answers 404 and it measures nothing new) or on again."""

    permission = CHANGE_BINDING

    def get_object(self) -> SourceBinding:
        if self.kwargs["action"] not in ACTIVE_ACTIONS:
            raise Http404("No such binding action.")
        binding: SourceBinding = super().get_object()
        return binding

    def perform(self) -> str:
        active = ACTIVE_ACTIONS[self.kwargs["action"]]
        services.binding_set_active(instance=self.object, actor=self.request.user, active=active)
        if active:
            return f"Switched {self.object} on: its address takes deliveries again."
        return (
            f"Switched {self.object} off: its address answers 404 and its KPIs may be typed again. "
            "Its deliveries and events are kept."
        )


@login_required
def binding_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """A binding's setup in its tool, without the secret (shown only once, when made or rotated)."""
    binding = get_object_or_404(selectors.binding_list(user=request.user), pk=pk)
    user = request.user
    return render(
        request,
        "performance/telemetry/setup.html",
        {
            "title": f"Set up {binding}",
            "binding": binding,
            "contract": binding.contract,
            "setup": setup_for(binding),
            "health_text": selectors.health_text(binding),
            "may_change": user.has_perm(CHANGE_BINDING) and ownership.may_write(user, binding),
        },
    )


# -- identity rules ----------------------------------------------------------------------------------------
def _vendor_tab(vendor_id: int) -> str:
    return reverse("vendors:vendor-tab", args=[vendor_id, "telemetry"])


class IdentityRuleCreateView(ServiceCreateView):
    permission = ADD_IDENTITY_RULE
    form_class = IdentityRuleForm
    template_name = "performance/telemetry/identity_rule_form.html"
    create_service = vendor_services.identity_rule_create
    submit_label = "Add the rule"
    success_message = f"Added the identity rule {{object}}. {REPROCESS_NOTE}"
    vendor: Any

    def setup_objects(self) -> None:
        self.vendor = get_object_or_404(vendor_list(user=self.request.user), pk=self.kwargs["vendor_pk"])

    def check_object_permission(self) -> None:
        _require_owner(self.request.user, self.vendor)

    def extra_data(self) -> dict[str, Any]:
        return {"vendor": self.vendor}

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Add an identity rule to {self.vendor}"

    def get_success_url_for(self, result: Any) -> str:
        return _vendor_tab(self.vendor.pk)

    def cancel_url(self, context: Any) -> str:
        return _vendor_tab(self.vendor.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(vendor=self.vendor, **kwargs)


class IdentityRuleDeleteView(ServiceDeleteView):
    permission = DELETE_IDENTITY_RULE
    selector = selectors.identity_rule_list
    delete_service = vendor_services.identity_rule_delete

    def check_object_permission(self) -> None:
        _require_owner(self.request.user, self.object)

    def perform(self) -> str:
        return f"{super().perform()} {REPROCESS_NOTE}"

    def success_url(self) -> str:
        return _vendor_tab(self.object.vendor_id)
