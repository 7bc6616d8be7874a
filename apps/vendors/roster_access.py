"""Who manages a vendor's team roster: its engineers here, and in ``apps.roster`` their assignments to
contracts and the staffing plans. One rule, asked by every service, page, API view and import of either app.

Procurement and administrators manage every vendor's roster (the role's ``vendors.change_engineer``
permission, ``apps.accounts.roles``); the vendor's **delivery owner** manages that vendor's roster,
whatever their role. Nobody else does — an engineering manager who is not the delivery owner, an executive,
the security lead. Everyone signed in reads the roster of every vendor they may see (the selectors).

Unlike ``apps.vendors.ownership`` (which narrows what an engineering manager may do with a permission
the role grants), this rule also *widens*: a delivery owner without the permission manages their
vendor's roster. So the API views of roster records use ``RosterManagerPermissions`` (below) instead of
the role check alone, and the services check ``require_roster_manager`` on the vendor itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from apps.core.errors import PermissionDeniedError
from apps.core.permissions import RoleModelPermissions

# The permission that makes a role a roster manager of every vendor (procurement; admins have them all).
ROSTER_PERMISSION = "vendors.change_engineer"


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def manages_every_roster(user: Any) -> bool:
    """Whether ``user`` manages the roster of every vendor (procurement, administrators, superusers)."""
    return _signed_in(user) and (user.is_superuser or user.has_perm(ROSTER_PERMISSION))


def may_manage_roster(user: Any, vendor: Any) -> bool:
    """Whether ``user`` may create and change ``vendor``'s engineers, their assignments and staffing plans:
    procurement, administrators, and the vendor's delivery owner. ``None`` is the system itself (a task,
    a command, the demo data) and may; a visitor not signed in may not."""
    if user is None:
        return True
    if not _signed_in(user):
        return False
    if manages_every_roster(user):
        return True
    return vendor is not None and vendor.delivery_owner_id is not None and vendor.delivery_owner_id == user.pk


def roster_refusal(vendor: Any) -> str:
    return f"Only procurement, administrators and the delivery owner of {vendor} manage its team roster."


def require_roster_manager(actor: Any, vendor: Any) -> None:
    """Refuse (``PermissionDeniedError``, a 403) an ``actor`` who may not manage ``vendor``'s roster."""
    if not may_manage_roster(actor, vendor):
        raise PermissionDeniedError(roster_refusal(vendor))


def roster_vendors_q(user: Any, path: str = "") -> Q:
    """The rows whose vendor (at ``path`` from them; "" for vendors themselves) ``user`` manages the roster
    of: everything (an empty ``Q``) for procurement and administrators, the vendors they deliver otherwise."""
    if user is None or manages_every_roster(user):
        return Q()
    prefix = f"{path}__" if path else ""
    if not _signed_in(user):
        return Q(**{f"{prefix}pk__in": []})
    return Q(**{f"{prefix}delivery_owner": user})


def delivers_any_vendor(user: Any) -> bool:
    """Whether ``user`` is the delivery owner of at least one vendor (one query)."""
    from apps.vendors.models import Vendor

    return _signed_in(user) and Vendor.objects.filter(delivery_owner=user).exists()


class RosterManagerPermissions(RoleModelPermissions):
    """The API permission of roster records: reads as everywhere; a write needs the role's model permission
    (procurement, administrators) or a delivery owner's standing. The service then checks the record's own
    vendor (``require_roster_manager``: 403 for a delivery owner writing another vendor's roster), and
    ``has_object_permission`` refuses early a change of a record of a vendor the user does not manage.

    The view's ``vendor_path`` (``ServiceModelViewSet``: "vendor", "contract__vendor") leads from a record
    to its vendor."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if super().has_permission(request, view):
            return True
        return request.method not in SAFE_METHODS and delivers_any_vendor(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        vendor = obj
        for hop in str(getattr(view, "vendor_path", "vendor")).split("__"):
            vendor = getattr(vendor, hop, None)
        if not may_manage_roster(request.user, vendor):
            raise PermissionDenied(roster_refusal(vendor))
        return True
