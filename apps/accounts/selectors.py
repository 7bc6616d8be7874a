"""Reads of people and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.choices import Role
from apps.accounts.models import ApiToken, SavedView


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


def saved_view_list(*, user: Any, list_key: str) -> QuerySet[SavedView]:
    """The views of one list a person sees: their own, and those shared with a role they hold (one
    query, the roles read in a subquery). Ordered by name, with their owner."""
    if not getattr(user, "is_authenticated", False):
        return SavedView.objects.none()
    their_roles = user.groups.filter(name__in=Role.values).values("name")
    return (
        SavedView.objects.filter(list_key=list_key)
        .filter(Q(owner=user) | Q(shared_with_role__in=their_roles))
        .select_related("owner")
    )


def saved_view_manageable(*, user: Any) -> QuerySet[SavedView]:
    """The views a person may delete: their own; an administrator's: everyone's."""
    views = SavedView.objects.select_related("owner")
    return views if user.has_role(Role.ADMIN) else views.filter(owner=user)


def saved_view_get_manageable(*, user: Any, pk: int) -> SavedView:
    """One view the person may delete (404 otherwise, whoever's it is)."""
    return get_object_or_404(saved_view_manageable(user=user), pk=pk)
