"""Secrets the workspace must read back (webhook signing secrets, calendar feed keys, source API
tokens), sealed at rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

Each use has its own *purpose*, so a value sealed for one use cannot be unsealed as another, and its
own key material (a setting that defaults to ``SECRET_KEY``): rotating ``SECRET_KEY`` without first
setting the use's own key makes its sealed values unreadable, which ``unseal`` says plainly rather than
returning an empty secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=16)
def _fernet(purpose: str, key_material: str) -> Fernet:
    digest = hashlib.sha256(f"vendor-governance {purpose}".encode() + b"\x00" + key_material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box(purpose: str, key_setting: str) -> Fernet:
    material = getattr(settings, key_setting, "") or settings.SECRET_KEY
    if not material:
        raise ImproperlyConfigured(f"Set {key_setting} (or SECRET_KEY) to seal {purpose}.")
    return _fernet(purpose, material)


def seal(text: str, *, purpose: str, key_setting: str = "SECRET_KEY") -> str:
    """``text`` sealed for ``purpose`` under the key of ``key_setting`` (empty stays empty)."""
    return _box(purpose, key_setting).encrypt(text.encode()).decode() if text else ""


def unseal(token: str, *, purpose: str, key_setting: str = "SECRET_KEY") -> str:
    """The sealed text; a token sealed under another key is an ``ImproperlyConfigured`` (the operator
    changed the key), never a silent empty secret."""
    if not token:
        return ""
    try:
        return _box(purpose, key_setting).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            f"Sealed {purpose} cannot be unsealed: {key_setting} (or SECRET_KEY) changed since they were made."
        ) from None


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(given.encode(), expected.encode())
