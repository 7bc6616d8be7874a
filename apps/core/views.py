"""Health endpoints for load balancers and orchestrators (they answer without signing in), the admins'
status page, the favicon and the exceptions register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health
from apps.core.forms import DATE_WIDGET
from apps.core.selectors import (
    EXCEPTION_STATUS_CLOSED,
    EXCEPTION_STATUS_LABELS,
    open_overrides,
    policy_exception_list,
)
from apps.core.services import POLICY_EXCEPTION_PERMISSION, policy_exception_close, policy_exception_renew
from apps.core.ui import SelectorObjectMixin, ServiceActionView, ServiceFormView


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while the database answers."""
    ok = health.database_ok()
    return JsonResponse({"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the database answers — all this process needs to serve. Redis (the cache
    and the broker) is reported, and listed under ``degraded`` when it does not answer, but never makes
    it 503: pages, the API, sign-in and writes keep working without it (``apps.core.health``)."""
    ok = health.database_ok()
    dependencies = health.dependency_checks()
    body = {
        "status": "ok" if ok else "unavailable",
        "database": ok,
        **dependencies,
        "degraded": health.degraded(dependencies),
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@login_required
@require_GET
def system_status(request: HttpRequest) -> HttpResponse:
    """For admins (staff, who may use the Django admin): what the workspace depends on and whether it
    answers, when the scheduled work last ran, and the background jobs that need a look."""
    if not request.user.is_staff:
        raise PermissionDenied("The system status is for administrators.")
    dependencies = health.dependency_checks()
    context = {
        "title": "System status",
        "database": health.database_ok(),
        "dependencies": dependencies,
        "degraded": health.degraded(dependencies),
        "scheduled_runs": health.scheduled_runs(),
        "job_summaries": health.job_summaries(),
    }
    return render(request, "core/system_status.html", context)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on every page (the admin's too); resolved per request because
    the hashed static name exists only after collectstatic."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# -- the exceptions register --------------------------------------------------------------------------
def _exception_selector(*, user: Any = None) -> Any:
    return policy_exception_list(user=user)


@login_required
@require_GET
def exception_list(request: HttpRequest) -> HttpResponse:
    """Every departure from policy in one place: policy exceptions (with their review status) and the
    gate overrides that are still open. Everyone signed in reads it; executives renew, and they or the
    person who raised an exception close it."""
    wanted = request.GET.get("status", "")
    exceptions = policy_exception_list(user=request.user)
    if wanted in EXCEPTION_STATUS_LABELS:
        exceptions = exceptions.filter(status=wanted)  # type: ignore[misc]  # an annotation
    else:
        wanted = ""
        exceptions = exceptions.exclude(status=EXCEPTION_STATUS_CLOSED)  # type: ignore[misc]  # an annotation
    rows = list(exceptions.prefetch_related("subject")[:500])
    overrides = list(open_overrides(user=request.user).prefetch_related("subject")[:500])
    can_renew = request.user.has_perm(POLICY_EXCEPTION_PERMISSION)
    for row in rows:
        row.status_label = EXCEPTION_STATUS_LABELS[row.status]  # type: ignore[attr-defined]  # status: the selector's annotation; status_label: for the template
        row.can_close = row.closed_on is None and (can_renew or row.raised_by_id == request.user.pk)  # type: ignore[attr-defined]  # set for the template
    context = {
        "title": "Exceptions",
        "exceptions": rows,
        "overrides": overrides,
        "status_filter": wanted,
        "status_choices": list(EXCEPTION_STATUS_LABELS.items()),
        "can_renew": can_renew,
    }
    return render(request, "core/exception_list.html", context)


class PolicyExceptionRenewForm(forms.Form):
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, help_text="Why the departure is still accepted."
    )
    review_on = forms.DateField(widget=DATE_WIDGET, label="Next review on")


class PolicyExceptionRenewView(SelectorObjectMixin, ServiceFormView):
    """Renew an exception: a new justification and review date (executives and admins)."""

    selector = staticmethod(_exception_selector)
    form_class = PolicyExceptionRenewForm
    submit_label = "Renew exception"
    success_message = "Renewed: {object}."
    object: Any

    permission = POLICY_EXCEPTION_PERMISSION

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Renew {self.object}"

    def get_initial(self) -> dict[str, Any]:
        return {"justification": self.object.justification}

    def perform(self, form: forms.BaseForm) -> Any:
        data = form.cleaned_data
        return policy_exception_renew(
            exception=self.object,
            justification=data["justification"],
            review_on=data["review_on"],
            actor=self.request.user,
        )

    def get_success_url_for(self, result: Any) -> str:
        return reverse("exception-list")

    def cancel_url(self, context: Any) -> str:
        return reverse("exception-list")


class PolicyExceptionCloseView(ServiceActionView):
    """Close an exception (executives, admins, or the person who raised it; the service checks)."""

    selector = staticmethod(_exception_selector)

    def perform(self) -> str:
        policy_exception_close(
            exception=self.object, actor=self.request.user, reason=self.request.POST.get("reason", "")
        )
        return f"Closed {self.object}."

    def success_url(self) -> str:
        return reverse("exception-list")
