"""Reads of people and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.choices import Role
from apps.accounts.models import ApiToken


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The tokens a person manages: their own; an administrator's, everyone's. Newest first, with their
    owner and vendors (two queries whatever the number)."""
    tokens = ApiToken.objects.select_related("user").prefetch_related("vendors").order_by("-created_at", "-pk")
    return tokens if user.has_role(Role.ADMIN) else tokens.filter(user=user)


def api_token_get(*, user: Any, pk: int) -> ApiToken:
    """One token the person manages (404 otherwise, whoever's it is)."""
    return get_object_or_404(api_token_list(user=user), pk=pk)


def api_tokens_expiring(*, after: datetime, until: datetime) -> QuerySet[ApiToken]:
    """Tokens in use (not revoked, of an active person) whose expiry falls in (after, until]."""
    return (
        ApiToken.objects.filter(
            revoked_at__isnull=True, user__is_active=True, expires_at__gt=after, expires_at__lte=until
        )
        .select_related("user")
        .order_by("expires_at", "pk")
    )
