"""Sessions end after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and ``SESSION_COOKIE_AGE``
seconds after signing in however active the person is.

Django alone has neither: ``SESSION_COOKIE_AGE`` counts from the session's last save (so any write
extends it), and an idle timeout through ``SESSION_SAVE_EVERY_REQUEST`` writes the session row on every
request. Here the session keeps when it was signed into and when it was last used; the latter is
written at most once per ``ACTIVITY_RESOLUTION`` seconds (so the idle timeout is that coarse), not on
every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import urlencode

from apps.core.ui import is_htmx

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"
ACTIVITY_RESOLUTION = 60  # seconds


def _now() -> float:
    return timezone.now().timestamp()


def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On ``user_logged_in`` (connected in ``AccountsConfig.ready``): the session's clocks start."""
    if request is not None and hasattr(request, "session"):
        now = _now()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_ACTIVITY] = now


def _duration(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_ended(session: Any, now: float) -> str | None:
    """Why a signed-in session is over (a sentence for the person), or None while it is not."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_activity = session.get(LAST_ACTIVITY, signed_in_at)
    if signed_in_at is not None and now - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return f"You were signed out: a session lasts at most {_duration(settings.SESSION_COOKIE_AGE)}."
    if last_activity is not None and now - last_activity >= settings.SESSION_IDLE_TIMEOUT:
        return f"You were signed out after {_duration(settings.SESSION_IDLE_TIMEOUT)} without activity."
    return None


class SessionTimeoutMiddleware:
    """After the authentication and message middleware. An ended session is signed out; the request goes
    on as anonymous (a page then sends the person to sign in, with the reason shown there; the API
    answers 401/403), except an htmx request, which is told to load the sign-in page whole
    (``HX-Redirect``) rather than swap it into a fragment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = _now()
            if session.get(SIGNED_IN_AT) is None:
                # A session from before these limits (or a sign-in that bypassed the signal): from now.
                session[SIGNED_IN_AT] = now
                session[LAST_ACTIVITY] = now
            reason = session_ended(session, now)
            if reason is not None:
                logout(request)
                messages.info(request, reason)
                if is_htmx(request):
                    current = urlsplit(request.headers.get("HX-Current-URL", ""))
                    back = current.path + (f"?{current.query}" if current.query else "")
                    login = resolve_url(settings.LOGIN_URL)
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = f"{login}?{urlencode({'next': back})}" if back else login
                    return response
            elif now - session.get(LAST_ACTIVITY, 0) >= ACTIVITY_RESOLUTION:
                session[LAST_ACTIVITY] = now
        return self.get_response(request)
