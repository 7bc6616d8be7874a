"""Writes of people, roles and API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import ApiToken, User, hash_token
from apps.core.errors import ApplicationError
from apps.core.services import audited, save_validated

TOKEN_PREFIX_LENGTH = 8


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is stored


def user_create(
    *, username: str, password: str | None, role: str | None = None, actor: Any | None = None, **fields: Any
) -> User:
    """Create a person, optionally in one role. Admins are also staff (they may use the Django admin).
    A password must pass ``AUTH_PASSWORD_VALIDATORS`` (at least 12 characters, not a common one)."""
    if role is not None and role not in Role.values:
        raise ApplicationError(f"Unknown role “{role}”; choose one of {', '.join(Role.values)}.", field="role")
    with audited(actor=actor, action="user_create"):
        user = User(username=username, **fields)
        if role == Role.ADMIN:
            user.is_staff = True
        if password:
            try:
                validate_password(password, user)
            except DjangoValidationError as exc:
                raise ApplicationError(" ".join(exc.messages), field="password") from exc
            user.set_password(password)
        else:
            user.set_unusable_password()
        save_validated(user)
        if role is not None:
            user.groups.set([Group.objects.get(name=role)])
        return user


def api_token_issue(*, user: User, name: str, expires_in_days: int | None, actor: Any | None = None) -> IssuedToken:
    """A new random key for ``user``; ``expires_in_days`` of 0 or None means it never expires."""
    if expires_in_days is not None and expires_in_days < 0:
        raise ApplicationError("The lifetime in days cannot be negative.", field="expires_in_days")
    if not user.is_active:
        raise ApplicationError(f"User “{user.username}” is inactive and cannot be given a token.", field="user")
    key = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with audited(actor=actor, action="api_token_issue"):
        token = save_validated(
            ApiToken(
                user=user, name=name, prefix=key[:TOKEN_PREFIX_LENGTH], key_hash=hash_token(key), expires_at=expires_at
            )
        )
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken, actor: Any | None = None) -> ApiToken:
    """Revoke at once; revoking twice keeps the first revocation time."""
    if token.revoked_at is not None:
        return token
    with audited(actor=actor, action="api_token_revoke"):
        token.revoked_at = timezone.now()
        return save_validated(token)
