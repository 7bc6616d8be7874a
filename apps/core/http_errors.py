"""The answers Django gives when no view does (``handler400``/``403``/``404``/``500`` in ``config/urls.py``)
and the request-level refusals of ``apps.core.middleware``: JSON (``{"detail": "…"}``) to the API and to
clients that ask for JSON, the workspace's error pages to browsers.

A view's own errors never come here: the API's are ``apps.core.api.exception_handler``'s, and a page
shows its form errors itself. What comes here is what happens before or around a view: a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (400), an unknown URL (404), an exception nothing handled (500).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

from apps.core.parsers import body_too_large_message

# The API's paths: every answer under them is JSON, whatever the client accepts.
API_PATH_PREFIX = "/api/"

SERVER_ERROR_MESSAGE = "The server met an error it did not expect; it has been logged. Try again later."


def wants_json(request: HttpRequest) -> bool:
    """An API path, or a client that prefers JSON to HTML."""
    if request.path.startswith(API_PATH_PREFIX):
        return True
    accept = request.headers.get("Accept", "")
    return bool(accept) and request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """``{"detail": message}`` to a JSON client; otherwise the page ``<status>.html`` with the message."""
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    # The pages of 400 and 500 stand alone (no base.html): they must render whatever failed, the session
    # and the database included.
    template = loader.get_template(f"{status}.html")
    return HttpResponse(template.render({"message": message}), status=status)


def bad_request_message(exception: Any) -> str:
    if isinstance(exception, RequestDataTooBig):
        return body_too_large_message()
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return "The request has more fields or files than a request may carry."
    return "The request could not be read."


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a body too large, too many fields, a host not allowed (any ``SuspiciousOperation``)."""
    return error_response(request, 400, bad_request_message(exception))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the API's JSON; a page's 403 is ``403.html`` as before."""
    if wants_json(request):
        message = str(exception) if exception and str(exception) else "You may not do this."
        return JsonResponse({"detail": message}, status=403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]  # Django accepts None


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: the API's JSON for an unknown path; a page's 404 is ``404.html`` as before."""
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django has logged the exception (``django.request``) before calling it."""
    return error_response(request, 500, SERVER_ERROR_MESSAGE)
