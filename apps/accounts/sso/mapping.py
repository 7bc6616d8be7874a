"""From what the identity provider says about a person to their roles in the workspace."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (``realm_access.roles``)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def oidc_groups(extra_data: Mapping[str, Any]) -> list[str]:
    """The groups in ``SSO_GROUPS_CLAIM``: from the userinfo answer, else from the ID token (Entra ID
    puts them in the ID token only)."""
    claim = settings.SSO_GROUPS_CLAIM
    for source in ("userinfo", "id_token"):
        claims = extra_data.get(source)
        if isinstance(claims, Mapping) and (value := _claim(claims, claim)) is not None:
            return _as_strings(value)
    id_token = extra_data.get("id_token")
    if isinstance(id_token, Mapping) and claim in (id_token.get("_claim_names") or {}):
        # Entra ID's "group overage": too many groups for a token, only a link to Microsoft Graph.
        logger.warning(
            "SSO: the ID token refers to the %r claim instead of holding it (Entra ID group overage); "
            "send only the groups assigned to the application, or app roles.",
            claim,
        )
    return []


def saml_groups(attributes: Mapping[str, Any]) -> list[str]:
    """The values of ``SSO_SAML_GROUPS_ATTRIBUTE`` (one attribute with many values)."""
    return _as_strings(attributes.get(settings.SSO_SAML_GROUPS_ATTRIBUTE))


def roles_for_groups(groups: Iterable[str]) -> list[str]:
    """The roles ``SSO_GROUP_ROLES`` gives these groups (the others are ignored), else
    ``SSO_DEFAULT_ROLE``; empty when neither gives one."""
    mapping: Mapping[str, str] = settings.SSO_GROUP_ROLES
    roles = sorted({mapping[group] for group in groups if group in mapping})
    if not roles and settings.SSO_DEFAULT_ROLE:
        roles = [settings.SSO_DEFAULT_ROLE]
    return roles


def sociallogin_groups(provider_id: str, extra_data: Mapping[str, Any]) -> list[str]:
    """The groups of a sign-in through ``provider_id`` (allauth's provider class id)."""
    return saml_groups(extra_data) if provider_id == "saml" else oidc_groups(extra_data)
