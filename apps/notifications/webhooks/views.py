"""The webhook pages (administrators): the endpoints, one endpoint with its delivery log, one delivery
with its attempts, and the buttons — create (the secret shown once), edit, rotate the secret, enable,
disable, send a test event, delete, replay a delivery. Reads go through the selectors, writes through
``apps.notifications.webhooks.services``; anyone else gets the 403 page."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.ui import (
    FilteredListView,
    SelectorDetailView,
    SelectorObjectMixin,
    ServiceActionView,
    ServiceDeleteView,
    ServiceFormView,
    ServiceUpdateView,
    add_service_errors,
)
from apps.notifications.models import WebhookEndpoint
from apps.notifications.webhooks import selectors, services
from apps.notifications.webhooks.filters import WebhookDeliveryFilterSet, WebhookEndpointFilterSet
from apps.notifications.webhooks.forms import ConfirmForm, WebhookDisableForm, WebhookEndpointForm
from apps.notifications.webhooks.selectors import WEBHOOK_PERMISSION
from apps.notifications.webhooks.tables import WebhookDeliveryTable, WebhookEndpointTable, delivery_page, endpoint_page


def _list_url() -> str:
    return reverse("notifications:webhook-list")


class AdminOnly:
    """Refuse (403 page) a signed-in person who may not manage webhooks, before anything is read."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not selectors.may_manage_webhooks(request.user):
            raise PermissionDenied("Only administrators manage webhooks.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # a mixin before a View


def secret_page(request: HttpRequest, endpoint: WebhookEndpoint, secret: str, *, rotated: bool) -> HttpResponse:
    """The one answer that shows a signing secret: in reply to the POST that made it, never stored in the
    clear (not in the session, a message or a URL) and not cached."""
    response = render(
        request,
        "notifications/webhooks/secret.html",
        {
            "title": f"{'New secret' if rotated else 'Created'}: {endpoint}",
            "endpoint": endpoint,
            "secret": secret,
            "rotated": rotated,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# -- endpoints ------------------------------------------------------------------------------------------
class WebhookEndpointListView(AdminOnly, FilteredListView):
    title = "Webhooks"
    template_name = "notifications/webhooks/endpoint_list.html"
    selector = selectors.webhook_endpoint_list
    filterset_class = WebhookEndpointFilterSet
    filter_fields = ("kind", "is_active")
    sort_fields = {"name": "name", "kind": "kind", "last_delivery": "last_delivery_at"}
    default_sort = "name"
    table_class = WebhookEndpointTable
    csv_filename = "webhook-endpoints"
    create_url_name = "notifications:webhook-create"
    create_permission = WEBHOOK_PERMISSION


class WebhookEndpointCreateView(AdminOnly, ServiceFormView):
    """Register an endpoint; the answer shows its signing secret, once."""

    title = "New webhook endpoint"
    submit_label = "Create the endpoint"
    template_name = "notifications/webhooks/endpoint_form.html"
    form_class = WebhookEndpointForm
    permission = WEBHOOK_PERMISSION

    def get_initial(self) -> dict[str, Any]:
        return {"owner": self.request.user.pk}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if not form.is_valid():
            return self.render_form(form)
        try:
            endpoint = services.webhook_endpoint_create(actor=request.user, data=form.cleaned_data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
            return self.render_form(form)
        return secret_page(request, endpoint, endpoint.secret, rotated=False)  # type: ignore[attr-defined]  # set by the service

    def cancel_url(self, context: Any) -> str:
        return _list_url()


class EndpointMixin(SelectorObjectMixin):
    selector = selectors.webhook_endpoint_list
    object: WebhookEndpoint


class WebhookEndpointUpdateView(AdminOnly, ServiceUpdateView):
    template_name = "notifications/webhooks/endpoint_form.html"
    selector = selectors.webhook_endpoint_list
    form_class = WebhookEndpointForm
    permission = WEBHOOK_PERMISSION
    update_service = services.webhook_endpoint_update

    def get_success_url_for(self, result: Any) -> str:
        return endpoint_page(result)

    def cancel_url(self, context: Any) -> str:
        return endpoint_page(self.object)


class WebhookEndpointDetailView(AdminOnly, FilteredListView):
    """One endpoint: its settings, its buttons, and its delivery log (newest first, filterable)."""

    template_name = "notifications/webhooks/endpoint_detail.html"
    selector = selectors.webhook_delivery_list
    filterset_class = WebhookDeliveryFilterSet
    filter_fields = ("status", "event_type")
    sort_fields = {"created": "created_at", "status": "status"}
    default_sort = "-created"
    table_class = WebhookDeliveryTable
    csv_filename = "webhook-deliveries"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and selectors.may_manage_webhooks(request.user):
            self.endpoint = get_object_or_404(selectors.webhook_endpoint_list(user=request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self) -> QuerySet[Any]:
        return super().base_queryset().filter(endpoint=self.endpoint)

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return str(self.endpoint)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.endpoint
        return context


class WebhookEndpointRotateView(AdminOnly, EndpointMixin, ServiceFormView):
    """Rotate the signing secret: a page that says what it does, then the new secret, once."""

    template_name = "notifications/webhooks/rotate.html"
    form_class = ConfirmForm
    permission = WEBHOOK_PERMISSION
    submit_label = "Rotate the secret"

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Rotate the signing secret of {self.object}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            secret = services.webhook_endpoint_rotate_secret(endpoint=self.object, actor=request.user)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        return secret_page(request, self.object, secret, rotated=True)

    def cancel_url(self, context: Any) -> str:
        return endpoint_page(self.object)


class WebhookEndpointDisableView(AdminOnly, EndpointMixin, ServiceFormView):
    template_name = "includes/form_page.html"
    form_class = WebhookDisableForm
    permission = WEBHOOK_PERMISSION
    submit_label = "Disable"
    success_message = "Disabled {object}: no events are sent to it until it is enabled again."

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Disable {self.object}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.webhook_endpoint_disable(
            endpoint=self.object, actor=self.request.user, reason=form.cleaned_data.get("reason", "")
        )

    def get_success_url_for(self, result: Any) -> str:
        return endpoint_page(result)

    def cancel_url(self, context: Any) -> str:
        return endpoint_page(self.object)


class WebhookEndpointEnableView(AdminOnly, EndpointMixin, ServiceActionView):
    permission = WEBHOOK_PERMISSION

    def perform(self) -> str:
        services.webhook_endpoint_enable(endpoint=self.object, actor=self.request.user)
        return f"Enabled {self.object}: new events are sent to it again (replay the deliveries it missed)."

    def success_url(self) -> str:
        return endpoint_page(self.object)


class WebhookEndpointTestView(AdminOnly, EndpointMixin, ServiceActionView):
    permission = WEBHOOK_PERMISSION

    def perform(self) -> str:
        self.delivery = services.webhook_endpoint_send_test(endpoint=self.object, actor=self.request.user)
        return "Sent a test event: its attempt shows below in a moment (reload the page)."

    def success_url(self) -> str:
        delivery = getattr(self, "delivery", None)
        return delivery_page(delivery) if delivery is not None else endpoint_page(self.object)


class WebhookEndpointDeleteView(AdminOnly, EndpointMixin, ServiceDeleteView):
    permission = WEBHOOK_PERMISSION
    delete_service = services.webhook_endpoint_delete

    def success_url(self) -> str:
        return _list_url()


# -- deliveries -----------------------------------------------------------------------------------------
class WebhookDeliveryDetailView(AdminOnly, SelectorDetailView):
    """One delivery: the payload as sent, its attempts with the receiver's answers, and "Replay"."""

    selector = selectors.webhook_delivery_list
    template_name = "notifications/webhooks/delivery_detail.html"
    context_object_name = "delivery"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        delivery = self.object
        context.update(
            title=f"{delivery.event_type} → {delivery.endpoint}",
            endpoint=delivery.endpoint,
            attempts=selectors.webhook_attempt_list(delivery=delivery),
            payload_json=json.dumps(delivery.payload, indent=2, sort_keys=True, ensure_ascii=False),
        )
        return context


class WebhookDeliveryReplayView(AdminOnly, ServiceActionView):
    selector = selectors.webhook_delivery_list
    permission = WEBHOOK_PERMISSION

    def perform(self) -> str:
        services.webhook_delivery_replay(delivery=self.object, actor=self.request.user)
        return "Replaying the delivery: the same message, signed afresh (reload the page for its answer)."

    def success_url(self) -> str:
        return delivery_page(self.object)
