"""Writes of people, roles and API tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.http import urlencode

from apps.accounts.choices import Role
from apps.accounts.models import SAVED_VIEW_QUERY_MAX_LENGTH, ApiToken, SavedView, User, hash_token
from apps.accounts.scopes import scopes_checked
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.services import audited, model_delete, save_validated

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


def api_token_issue(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None,
    vendors: Iterable[Any] = (),
    actor: Any | None = None,
) -> IssuedToken:
    """A new random key for ``user`` with ``scopes`` (``apps.accounts.scopes``), optionally limited to
    ``vendors`` (ids or vendors); ``expires_in_days`` of 0 or None means it never expires.

    A person issuing a token (``actor``) issues it for themselves (administrators: for anyone), for at
    most ``API_TOKEN_MAX_EXPIRY_DAYS`` days, and a token that never expires only if they are an
    administrator. Without an actor (``manage.py create_api_token``, run by an operator) any lifetime goes.
    Scopes never widen the role: the token acts as ``user``, whose role is checked on every request."""
    if expires_in_days is not None and expires_in_days < 0:
        raise ApplicationError("The lifetime in days cannot be negative.", field="expires_in_days")
    if not user.is_active:
        raise ApplicationError(f"User “{user.username}” is inactive and cannot be given a token.", field="user")
    checked_scopes = scopes_checked(scopes)
    if actor is not None:
        _api_token_issue_policy(user=user, actor=actor, expires_in_days=expires_in_days)
    vendor_rows = _vendors_named(vendors)
    key = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with audited(actor=actor, action="api_token_issue"):
        token = save_validated(
            ApiToken(
                user=user,
                name=name,
                prefix=key[:TOKEN_PREFIX_LENGTH],
                key_hash=hash_token(key),
                expires_at=expires_at,
                scopes=checked_scopes,
            )
        )
        if vendor_rows:
            token.vendors.set(vendor_rows)
    return IssuedToken(token=token, key=key)


def _api_token_issue_policy(*, user: User, actor: Any, expires_in_days: int | None) -> None:
    is_admin = bool(getattr(actor, "has_role", None) and actor.has_role(Role.ADMIN))
    if actor.pk != user.pk and not is_admin:
        raise PermissionDeniedError("Only administrators create tokens for other people.", field="user")
    if not expires_in_days:
        if not is_admin:
            raise ApplicationError(
                "Only administrators create tokens that never expire: give a lifetime in days.",
                field="expires_in_days",
            )
        return
    most = settings.API_TOKEN_MAX_EXPIRY_DAYS
    if expires_in_days > most:
        raise ApplicationError(
            f"A token lives at most {most} days (API_TOKEN_MAX_EXPIRY_DAYS); create a new one before it expires.",
            field="expires_in_days",
        )


def _vendors_named(vendors: Iterable[Any]) -> list[Any]:
    """The vendors of a token limited to some, from vendors or their ids (an unknown id is refused)."""
    # By name, not by import: the vendors floor is above this one (see .importlinter).
    vendor_model = django_apps.get_model("vendors", "Vendor")
    try:
        ids = {int(getattr(vendor, "pk", vendor)) for vendor in vendors}
    except (TypeError, ValueError) as exc:
        raise ApplicationError("Name the vendors by their ids.", field="vendors") from exc
    rows = list(vendor_model.objects.filter(pk__in=ids)) if ids else []
    missing = ids - {row.pk for row in rows}
    if missing:
        raise ApplicationError(f"No vendor with id {', '.join(map(str, sorted(missing)))}.", field="vendors")
    return rows


def api_token_revoke(*, token: ApiToken, actor: Any | None = None) -> ApiToken:
    """Revoke at once; revoking twice keeps the first revocation time. A person revokes their own
    tokens; an administrator anyone's."""
    if actor is not None and actor.pk != token.user_id and not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only its owner or an administrator revokes a token.")
    if token.revoked_at is not None:
        return token
    with audited(actor=actor, action="api_token_revoke"):
        token.revoked_at = timezone.now()
        return save_validated(token)


# -- saved views of lists -------------------------------------------------------------------------------------
# What a saved view never keeps: the page it was on and a one-off export (the view is the filters and sort).
SAVED_VIEW_DROPPED_PARAMETERS = frozenset({"page", "export", "csrfmiddlewaretoken"})
SAVED_VIEW_LIST_KEY = re.compile(r"^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$")


def saved_view_query(query: str) -> str:
    """``query`` (a list's query string, ``?`` optional) without the page number, an export or empty values."""
    parsed = QueryDict(query.strip().lstrip("?"))
    kept = [
        (name, value)
        for name, values in parsed.lists()
        if name not in SAVED_VIEW_DROPPED_PARAMETERS
        for value in values
        if value.strip()
    ]
    return urlencode(kept)


def saved_view_save(
    *, owner: User, list_key: str, name: str, query: str, shared_with_role: str = ""
) -> tuple[SavedView, bool]:
    """Save ``owner``'s view of the list ``list_key`` (its URL name) as ``name``: a new view, or — when they
    already have one of that name on that list, whatever its case — that view with the new filters and
    sharing. ``shared_with_role`` empty keeps it private; a role key shows it to everyone of that role.
    Returns the view and whether it is new."""
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("Give the view a name.", field="name")
    if not SAVED_VIEW_LIST_KEY.match(list_key or ""):
        raise ApplicationError("This page cannot have saved views.", field="list_key")
    if shared_with_role and shared_with_role not in Role.values:
        raise ApplicationError(
            f"Share with one of: {', '.join(str(label) for label in Role.labels)}, or keep it private.",
            field="shared_with_role",
        )
    cleaned_query = saved_view_query(query)
    if len(cleaned_query) > SAVED_VIEW_QUERY_MAX_LENGTH:
        raise ApplicationError(
            f"These filters are too long to save (at most {SAVED_VIEW_QUERY_MAX_LENGTH} characters).", field="query"
        )
    with audited(actor=owner, action="saved_view_save"):
        view = SavedView.objects.select_for_update().filter(owner=owner, list_key=list_key, name__iexact=name).first()
        created = view is None
        if view is None:
            view = SavedView(owner=owner, list_key=list_key)
        view.name = name
        view.query = cleaned_query
        view.shared_with_role = shared_with_role
        view.updated_at = timezone.now()
        return save_validated(view), created


def saved_view_delete(*, view: SavedView, actor: User) -> None:
    """Delete a saved view: its owner or an administrator may."""
    if actor.pk != view.owner_id and not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only its owner or an administrator deletes a saved view.")
    model_delete(view, actor=actor, action="saved_view_delete")
