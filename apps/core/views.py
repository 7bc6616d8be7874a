"""Health endpoints for load balancers and orchestrators. They answer without signing in."""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while the database answers."""
    ok = _database_ok()
    return JsonResponse({"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and Redis (the Celery broker) both answer."""
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    ok = all(checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in landing page: where the portfolio stands and what needs attention now. An
    executive lands on the portfolio overview itself (also at /dashboard/, for every role)."""
    from apps.accounts.choices import Role
    from apps.core.selectors import workspace_overview

    if Role.EXECUTIVE in request.user.roles:  # type: ignore[union-attr]
        from apps.dashboards.views import render_overview

        return render_overview(request, as_home=True)
    return render(request, "core/home.html", {"title": "Dashboard", **workspace_overview(user=request.user)})


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on every page (the admin's too); resolved per request because
    the hashed static name exists only after collectstatic."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
