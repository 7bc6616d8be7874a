"""Who may do what over the API: every signed-in user reads; writes need the role's model permission."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions
from rest_framework.request import Request


class RoleModelPermissions(DjangoModelPermissions):
    """Reads need only a signed-in user; writes need the model permission the user's role grants.

    A viewset action can name its own permission in ``action_permissions`` (``{"waive": "performance.waive_breach"}``).
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": [],
        "OPTIONS": [],
        "HEAD": [],
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required:
            return bool(request.user.has_perm(required))
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return False  # a write on a view with no model and no named permission: refuse
        return super().has_permission(request, view)
