"""``Authorization: Token <key>`` or ``Bearer <key>``, checked against the stored hash. An address
past its rate of failed keys is answered 429 before its key is looked at (``TokenFailureThrottle``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.models import ApiToken, hash_token
from apps.accounts.throttling import TokenFailureThrottle

KEYWORDS = (b"token", b"bearer")
LAST_USED_RESOLUTION = timedelta(minutes=5)


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"
    # Asked in ``authenticate`` before a key is looked up; apps.core.openapi documents its 429.
    throttle_classes = (TokenFailureThrottle,)

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        throttle = TokenFailureThrottle()
        if not throttle.allow_request(request):
            raise exceptions.Throttled(
                wait=throttle.wait(), detail="Too many failed token sign-ins from this address; try again later."
            )
        try:
            return self._authenticate(parts)
        except exceptions.AuthenticationFailed:
            throttle.failed()
            raise

    def _authenticate(self, parts: list[bytes]) -> tuple[Any, ApiToken]:
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give “Token <key>” or “Bearer <key>”.")
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header: the key has invalid characters.") from exc
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
        now = timezone.now()
        if token is None or not token.is_active(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            # Coarse on purpose: not a write per request, and outside the audit trail.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
