"""The sign-in lockout (django-axes): a limit per account and per address, the page a locked-out person
sees, and the two calls a future sign-in step (SSO, MFA) makes.

Every sign-in that goes through ``django.contrib.auth.authenticate(request=…)`` — django-allauth's sign-in
page, which the admin's sends people to, any backend added after ``AxesStandaloneBackend`` in
``AUTHENTICATION_BACKENDS`` — is covered as it is: the axes backend refuses a locked-out account or address before any password is hashed, and
a failure sends ``user_login_failed``, which axes counts. A step that checks an answer itself (a one-time
code) asks ``sign_in_step_allowed`` first and reports a wrong answer with ``sign_in_step_failed``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

LOCKOUT_TEMPLATE = "account/login.html"


def sign_in_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The account a sign-in attempt is counted against (``AXES_USERNAME_CALLABLE``): the username as
    typed, trimmed and case-folded — the sign-in matches usernames in any case, so "CTO" and "cto" are
    one account and share one count. From the credentials given to ``authenticate``, else from the
    sign-in form (allauth's field ``login``)."""
    if credentials is not None:
        value = credentials.get("username") or credentials.get("login")
    else:
        data = getattr(request, "data", None) or request.POST
        value = data.get("login") or data.get("username")
    if not isinstance(value, str):
        return None
    return value.strip().casefold()


def _limit(parameter: str | list[str], default: int) -> int:
    key = parameter if isinstance(parameter, str) else "+".join(parameter)
    return int(settings.SIGN_IN_FAILURE_LIMITS.get(key, default))


class SignInLockoutHandler(AxesDatabaseHandler):
    """axes' database handler (it keeps working with Redis down) with a limit per lockout parameter,
    ``SIGN_IN_FAILURE_LIMITS`` (an account: 10; an address, shared by an office behind NAT: 50).

    axes compares one number, ``get_failures``, with one limit, ``AXES_FAILURE_LIMIT``. Here each
    parameter's failures are scaled to that limit (``failures × AXES_FAILURE_LIMIT ÷ own limit``, rounded
    down), and the highest counts: it reaches ``AXES_FAILURE_LIMIT`` exactly when some parameter
    reaches its own limit.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, failures * limit // _limit(parameter, limit))
        return worst


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else ""


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The sign-in page with what happened, until when, and who can lift it sooner: 429 with
    ``Retry-After``. The same for an account that exists and one that does not, and for the admin's
    sign-in. (``AXES_LOCKOUT_CALLABLE``; the refused attempt has just restarted the cool-off.)"""
    from apps.accounts.signin import LoginForm  # allauth's forms read their settings when imported

    cool_off = get_cool_off(request) or timedelta(0)
    attempted = getattr(request, "axes_attempt_time", None) or timezone.now()
    typed = request.POST.get("login") or request.POST.get("username") or get_client_username(request, credentials)
    context = {
        "form": LoginForm(request=request, initial={"login": (typed or "").strip()}),
        "redirect_field_name": "next",
        "redirect_field_value": _safe_next(request),
        "lockout": {
            "minutes": max(1, round(cool_off.total_seconds() / 60)),
            "until": timezone.localtime(attempted + cool_off),
            "contact": settings.SIGN_IN_LOCKOUT_CONTACT,
        },
    }
    response = render(request, LOCKOUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(max(1, int(cool_off.total_seconds())))
    return response


def sign_in_step_allowed(request: HttpRequest, username: str) -> bool:
    """Whether ``username`` may try a sign-in step from this request's address now. Ask it before
    checking the step's answer: a locked-out account or address is refused without the check."""
    return bool(AxesProxyHandler.is_allowed(request, get_credentials(username)))


def sign_in_step_failed(request: HttpRequest, username: str, *, step: str) -> None:
    """Count a wrong answer to a sign-in step (``step`` names it, e.g. "mfa") against the account and
    the address, as a wrong password is; reaching a limit locks out and the response becomes the
    lockout page."""
    user_login_failed.send(sender=step, credentials=get_credentials(username), request=request)
