"""Writes made by a sign-in through the identity provider."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import Group

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.services import audited


def user_sso_roles_set(*, user: User, roles: Sequence[str]) -> bool:
    """Make ``roles`` the person's role groups, as the identity provider says; other groups stay.
    Administrators are staff (they may use the Django admin), as ``user_create`` makes them; a person
    who is no longer an administrator is no longer staff. Returns whether anything changed."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ApplicationError(f"Unknown role “{sorted(unknown)[0]}”.", field="roles")
    current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    staff = Role.ADMIN in roles or user.is_superuser
    if current == set(roles) and user.is_staff == staff:
        return False
    with audited(actor=user, action="user_sso_roles_set"):
        if current != set(roles):
            user.groups.remove(*Group.objects.filter(name__in=current - set(roles)))
            user.groups.add(*Group.objects.filter(name__in=set(roles) - current))
        if user.is_staff != staff:
            user.is_staff = staff
            user.save(update_fields=["is_staff"])
    if hasattr(user, "_role_names"):
        del user._role_names
    return True
