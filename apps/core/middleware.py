"""Input no view can use, refused before any view runs; and the net under what still reaches the database.

``RequestInputMiddleware``:

- refuses a NUL character (``%00``) in the path, the query string (names and values) or a form field:
  PostgreSQL cannot store it in text nor compare text with it, so no page, filter or form has a use for
  it. A 400: ``{"detail": "…"}`` to the API (``apps.core.http_errors``), the error page to a browser.
  (The API's JSON bodies are checked by its parser, ``apps.core.parsers``.)
- answers a ``django.db.DataError`` ("the database refused a value": out of range, not representable)
  that escaped a page with a 400 instead of a 500, and logs it as the input check it shows to be
  missing. It is only a net: each kind of input is checked where it is read (the FilterSets' and
  forms' fields, ``apps.core.dates``, the parser), so a user sees which field is wrong. The API's
  views have the same net in ``apps.core.api.exception_handler``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, QueryDict

from apps.core.http_errors import error_response

logger = logging.getLogger(__name__)

NUL = "\x00"
NUL_MESSAGE = "The request contains a NUL character (%00), which no field accepts."
DATA_ERROR_MESSAGE = "The database refused a value of the request (out of range or not representable)."

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RequestInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.has_nul(request):
            return error_response(request, 400, NUL_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def has_nul(request: HttpRequest) -> bool:
        if NUL in request.path or _has_nul(request.GET):
            return True
        # Only a form body is read here (Django parses it once; the view reads the same QueryDict).
        return request.method == "POST" and request.content_type in FORM_CONTENT_TYPES and _has_nul(request.POST)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError):
            return None
        logger.warning(
            "A value reached the database unchecked: %s %s", request.method, request.path, exc_info=exception
        )
        return error_response(request, 400, DATA_ERROR_MESSAGE)
