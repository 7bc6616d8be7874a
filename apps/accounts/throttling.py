"""Where a request comes from, and the API's throttle on failed token sign-ins.

``client_address`` is the one answer to "which address is this?" for the sign-in lockout (django-axes'
``AXES_CLIENT_IP_CALLABLE``) and the API throttle alike: ``REMOTE_ADDR``, or behind
``TRUSTED_PROXY_COUNT`` reverse proxies the address the outermost one saw.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | Request) -> str | None:
    """The client's IP address. Each trusted proxy appends the address it was reached from to
    ``X-Forwarded-For``, so with N of them the client is the N-th from the right; anything further
    left was written by the client and is ignored. A value that is not an address falls back to
    ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return _address(forwarded[-min(count, len(forwarded))]) or _address(remote)
    return _address(remote)


class TokenFailureThrottle(SimpleRateThrottle):
    """Failed token sign-ins per address, at ``DEFAULT_THROTTLE_RATES["token_failure"]``.

    Not a per-view throttle: ``HashedTokenAuthentication`` asks ``allow_request`` before it looks a key
    up (so a throttled address costs no query and learns nothing) and calls ``failed`` after a refused
    key. The history lives in Django's cache (Redis); when the cache cannot be reached the throttle
    lets requests through (fails open) and logs a warning, so the API keeps working with Redis down.
    """

    scope = "token_failure"
    num_requests: int  # from the rate, in SimpleRateThrottle.__init__
    duration: int

    def get_rate(self) -> str | None:
        # Read at use, not at import (SimpleRateThrottle's THROTTLE_RATES), so a changed setting applies.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}

    def allow_request(self, request: Any, view: Any = None) -> bool:
        """Whether the address is still under the rate. Records nothing: see ``failed``."""
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        try:
            history = self.cache.get(self.key, [])
        except Exception:
            logger.warning("The API token throttle could not read the cache: not throttling.", exc_info=True)
            history = []
        self.history = [moment for moment in history if moment > self.now - self.duration]
        return len(self.history) < self.num_requests

    def failed(self) -> None:
        """Count one failed sign-in for the address ``allow_request`` looked at."""
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        try:
            self.cache.set(self.key, self.history[: self.num_requests], self.duration)
        except Exception:
            logger.warning("The API token throttle could not write the cache.", exc_info=True)

    def wait(self) -> float | None:
        """Seconds until the oldest counted failure leaves the window (whole seconds, at least 1)."""
        if not self.history:
            return None
        return max(1, math.ceil(self.duration - (self.now - self.history[-1])))
