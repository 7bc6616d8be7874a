"""The notification pages: the list under the bell, its read buttons, and the e-mail preferences.

Everything is the signed-in person's own: each notification is fetched through the scoped selector, so
someone else's is a 404. The buttons are plain POST forms; with htmx they update the list in place
(the row, the bell and the messages are picked out of the same page the plain form redirects to).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from apps.core.ui import FilteredListView, ServiceActionView, ServiceFormView
from apps.notifications import selectors, services
from apps.notifications.filters import NotificationFilterSet
from apps.notifications.forms import EmailPreferencesForm
from apps.notifications.models import Notification
from apps.notifications.tables import NotificationTable


def _own_notification(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(selectors.notification_list(user=request.user), pk=pk)


def _list_url() -> str:
    return reverse("notifications:notification-list")


class NotificationListView(FilteredListView):
    """The signed-in person's notifications, newest first, unread ones highlighted."""

    title = "Notifications"
    template_name = "notifications/notification_list.html"
    selector = selectors.notification_list
    filterset_class = NotificationFilterSet
    filter_fields = ("read", "kind")
    sort_fields = {"created": "created_at"}
    default_sort = "-created"
    table_class = NotificationTable
    csv_filename = "notifications"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["return_to"] = self.request.get_full_path()
        return context


class NotificationReadView(ServiceActionView):
    """Mark one notification read, and go back to the list (htmx: the row updates in place)."""

    def get_object(self) -> Notification:
        return _own_notification(self.request, self.kwargs["pk"])

    def perform(self) -> str:
        services.notification_mark_read(notification=self.object, user=self.request.user)
        return f"Marked “{self.object.title}” as read."

    def success_url(self) -> str:
        return _list_url()


class NotificationsReadAllView(ServiceActionView):
    """Mark every unread notification of the signed-in person read."""

    def get_object(self) -> None:
        return None

    def perform(self) -> str:
        count = services.notifications_mark_all_read(user=self.request.user)
        if not count:
            return "Nothing was unread."
        return f"Marked {count} notification{'s' if count != 1 else ''} as read."

    def success_url(self) -> str:
        return _list_url()


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification: mark it read and go where it leads (a POST, so a link preview or a
    prefetch never marks anything read)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = _own_notification(request, pk)
        services.notification_mark_read(notification=notification, user=request.user)
        target = notification.url
        # Only somewhere on this site (we wrote the url ourselves, but a redirect is checked anyway).
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(_list_url())


class EmailPreferencesView(ServiceFormView):
    """Which kinds of notification the signed-in person also gets by e-mail."""

    title = "E-mail notifications"
    submit_label = "Save preferences"
    template_name = "notifications/preferences.html"
    success_message = "Saved your e-mail preferences."
    form_class = EmailPreferencesForm

    def get_initial(self) -> dict[str, Any]:
        return dict(selectors.email_preferences(user=self.request.user))

    def perform(self, form: forms.BaseForm) -> Any:
        assert isinstance(form, EmailPreferencesForm)
        return services.email_preferences_update(user=self.request.user, enabled=form.enabled_by_kind())

    def get_success_url_for(self, result: Any) -> str:
        return reverse("notifications:preferences")

    def cancel_url(self, context: Any) -> str:
        return _list_url()
