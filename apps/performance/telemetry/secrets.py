"""Webhook secrets and API tokens of source bindings: made, sealed at rest, compared in constant time.

A receiver must compute the source's HMAC with the secret, so the secret itself is kept, not a hash of
it; it is sealed with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under
``TELEMETRY_SECRET_KEY`` (by default a key derived from ``SECRET_KEY``), and shown to a person once:
when the binding is made and when the secret is rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from apps.core import sealing
from apps.core.sealing import same

SECRET_BYTES = 32
PURPOSE = "telemetry secrets"
KEY_SETTING = "TELEMETRY_SECRET_KEY"

__all__ = ["hmac_sha256_hex", "new_secret", "same", "seal", "unseal"]


def new_secret() -> str:
    """A new webhook secret: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def seal(text: str) -> str:
    return sealing.seal(text, purpose=PURPOSE, key_setting=KEY_SETTING)


def unseal(token: str) -> str:
    """The sealed text; a token sealed under another key is an ``ImproperlyConfigured`` (the operator
    changed the key), never a silent empty secret that every signature would fail against."""
    return sealing.unseal(token, purpose=PURPOSE, key_setting=KEY_SETTING)


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
