"""Webhook secrets and API tokens of source bindings: made, sealed at rest, compared in constant time.

A receiver must compute the source's HMAC with the secret, so the secret itself is kept, not a hash of
it; it is sealed with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under
``TELEMETRY_SECRET_KEY`` (by default a key derived from ``SECRET_KEY``), and shown to a person once:
when the binding is made and when the secret is rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_BYTES = 32


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    digest = hashlib.sha256(b"vendor-governance telemetry secrets\x00" + key_material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box() -> Fernet:
    material = settings.TELEMETRY_SECRET_KEY or settings.SECRET_KEY
    if not material:
        raise ImproperlyConfigured("Set TELEMETRY_SECRET_KEY (or SECRET_KEY) to seal telemetry secrets.")
    return _fernet(material)


def new_secret() -> str:
    """A new webhook secret: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def seal(text: str) -> str:
    return _box().encrypt(text.encode()).decode() if text else ""


def unseal(token: str) -> str:
    """The sealed text; a token sealed under another key is an ``ImproperlyConfigured`` (the operator
    changed the key), never a silent empty secret that every signature would fail against."""
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A telemetry secret cannot be unsealed: TELEMETRY_SECRET_KEY (or SECRET_KEY) changed since it was made."
        ) from None


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(given.encode(), expected.encode())
