"""The tokens page (``/accounts/tokens/``): a person's API tokens — an administrator's: everyone's —
a form for a new one whose key is shown once, in the answer to the POST that made it, and revoking.
Tokens themselves never reach these pages: they are for signed-in people (a session).

Also the two forms of the "Views" menu of every list's filter bar: save the list's filters under a name,
delete a saved view (``docs/product/saved-views.md``)."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.choices import Role
from apps.accounts.forms import ApiTokenForm, SavedViewForm
from apps.accounts.models import User
from apps.accounts.scopes import SCOPE_DESCRIPTIONS
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.ui import add_service_errors, safe_next_url


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    person = cast(User, request.user)  # signed in (login_required)
    return render(
        request,
        "accounts/tokens/token_list.html",
        {
            "title": "API tokens",
            "tokens": selectors.api_token_list(user=person),
            "is_admin": person.has_role(Role.ADMIN),
            "now": timezone.now(),
            "scope_descriptions": SCOPE_DESCRIPTIONS.items(),
            "reminder_days": sorted(settings.API_TOKEN_EXPIRY_REMINDER_DAYS, reverse=True),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token_create(request: HttpRequest) -> HttpResponse:
    person = cast(User, request.user)  # signed in (login_required)
    form = ApiTokenForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_issue(
                user=person,
                actor=person,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                vendors=form.cleaned_data["vendors"],
                expires_in_days=form.lifetime_days(),
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            # The one answer that shows the key: never stored (not in the session, a message or a URL)
            # and not cached.
            response = render(
                request,
                "accounts/tokens/token_key.html",
                {"title": f"New API token: {issued.token.name}", "token": issued.token, "key": issued.key},
            )
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "title": "New API token",
        "form": form,
        "submit_label": "Create the token",
        "cancel_url": reverse("api-token-list"),
    }
    return render(request, "accounts/tokens/token_form.html", context, status=status)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, pk=pk)
    try:
        services.api_token_revoke(token=token, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"Revoked “{token.name}” ({token.prefix}…): requests with it are refused from now on.")
    return HttpResponseRedirect(reverse("api-token-list"))


# -- saved views of lists (the "Views" menu of every list's filter bar: apps/accounts/templatetags) -----------
@login_required
@require_http_methods(["GET", "POST"])
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's filters under a name and go to the saved view. Without JavaScript the menu's form
    posts here; a refused save is shown on this page (the form with its errors)."""
    person = cast(User, request.user)  # signed in (login_required)
    data = request.POST if request.method == "POST" else None
    form = SavedViewForm(data, initial={"list_key": request.GET.get("list_key"), "query": request.GET.get("query")})
    list_path = safe_next_url(request, "/")
    if request.method == "POST" and form.is_valid():
        try:
            view, created = services.saved_view_save(
                owner=person,
                list_key=form.cleaned_data["list_key"],
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                shared_with_role=form.cleaned_data["shared_with_role"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            shared = f", shared with {view.get_shared_with_role_display()}" if view.shared_with_role else ""
            messages.success(request, f"{'Saved' if created else 'Replaced'} the view “{view.name}”{shared}.")
            path = list_path.split("?", 1)[0]
            return HttpResponseRedirect(f"{path}?{view.query}" if view.query else path)
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "title": "Save this view",
        "form": form,
        "submit_label": "Save the view",
        "cancel_url": list_path,
        "next": list_path,
    }
    return render(request, "accounts/saved_view_form.html", context, status=status)


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = cast(User, request.user)  # signed in (login_required)
    view = selectors.saved_view_get_manageable(user=person, pk=pk)
    try:
        services.saved_view_delete(view=view, actor=person)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"Deleted the view “{view.name}”.")
    return HttpResponseRedirect(safe_next_url(request, "/"))
