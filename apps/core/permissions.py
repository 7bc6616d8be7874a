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


# -- API token scopes (docs/api.md, "Tokens and scopes") ------------------------------------------------------
# A token (``Authorization: Token …``) does only what its scopes allow, within its user's role: the role is
# checked as for any request (``RoleModelPermissions``), the scope on top (``ServiceModelViewSet``). A browser
# session has no scopes: its role alone decides. The vocabulary is ``apps.accounts.choices.TokenScope``'s
# (a test holds the two together); the rule is here, below the accounts floor, because every API view
# applies it and the OpenAPI document states it.
SCOPE_READ = "read"
SCOPE_ADMIN = "admin"
# The areas every API view declares one of (``scope_area``); ``admin`` is everything administrative: people,
# tokens, webhooks, the FX table, the KPI catalogue, the function catalogue, the inbox.
SCOPE_AREAS = ("vendors", "contracts", "measurements", "telemetry", SCOPE_ADMIN)
SCOPE_AREA_LABELS = {
    "vendors": "vendors and their governance records",
    "contracts": "contracts, SLA terms and breaches",
    "measurements": "KPI measurements",
    "telemetry": "delivery telemetry",
    SCOPE_ADMIN: "administrative records",
}


def write_scope(area: str) -> str:
    """The scope that writes ``area`` (``admin`` for the administrative area)."""
    return SCOPE_ADMIN if area == SCOPE_ADMIN else f"{area}:write"


def required_scopes(area: str, *, writes: bool) -> tuple[str, ...]:
    """The scopes of which a token needs any one to read (``writes=False``) or write ``area``, the
    narrowest first: ``read`` reads everything, ``<area>:write`` writes its area and reads it, ``admin``
    does everything. Administrative records are read with ``read`` or ``admin`` and written with ``admin``."""
    if area not in SCOPE_AREAS:
        raise ValueError(f"Unknown scope area {area!r}; choose one of {', '.join(SCOPE_AREAS)}.")
    if writes:
        return (write_scope(area),) if area == SCOPE_ADMIN else (write_scope(area), SCOPE_ADMIN)
    return (SCOPE_READ, SCOPE_ADMIN) if area == SCOPE_ADMIN else (SCOPE_READ, write_scope(area), SCOPE_ADMIN)


def scopes_sentence(scopes: tuple[str, ...]) -> str:
    """``“read”, “vendors:write” or “admin”``."""
    quoted = [f"“{scope}”" for scope in scopes]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def scope_refusal(area: str, *, writes: bool) -> str:
    """The 403 of a token without the scope: names the scope it lacks (and what else would do)."""
    needed = required_scopes(area, writes=writes)
    others = f" (or {scopes_sentence(needed[1:])})" if len(needed) > 1 else ""
    verb = "change" if writes else "read"
    return f"This token lacks the scope “{needed[0]}”{others} needed to {verb} {SCOPE_AREA_LABELS[area]}."


def token_allows(scopes: Any, area: str, *, writes: bool) -> bool:
    """Whether a token with ``scopes`` may read or write ``area``."""
    return bool(set(scopes or ()) & set(required_scopes(area, writes=writes)))
