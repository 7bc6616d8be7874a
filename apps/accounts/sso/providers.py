"""The identity providers, built from the environment into django-allauth's ``SOCIALACCOUNT_PROVIDERS``.

Imported by the settings module: nothing here touches the database or Django's settings. The providers
are "settings apps" (no ``SocialApp`` rows): a provider whose variables are unset is absent — no button on
the sign-in page, and its addresses answer 404. docs/architecture/sso.md lists every variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The roles of apps.accounts.choices.Role, repeated here because the settings module cannot import a
# models module; tests/accounts/sso/test_config.py keeps the two equal.
ROLE_NAMES = frozenset({"executive", "procurement", "engineering_manager", "security", "admin"})

OIDC_DEFAULT_SCOPES = ["openid", "profile", "email"]

# Where common identity providers put a person's attributes in a SAML assertion: the OASIS/X.500 names,
# the WS-Federation claim URIs (Entra ID, AD FS) and the plain names Keycloak and Okta send by default.
# The first attribute present wins. SSO_SAML_ATTRIBUTE_MAPPING replaces any key's list.
SAML_DEFAULT_ATTRIBUTE_MAPPING: dict[str, list[str]] = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "firstName",
        "givenName",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "lastName",
        "sn",
    ],
    "username": ["username", "urn:oid:0.9.2342.19200300.100.1.1"],
}


def _list(value: str | None) -> list[str]:
    """A comma- or space-separated list from the environment."""
    return [part for part in (value or "").replace(",", " ").split() if part]


def _pem_body(value: str) -> str:
    """An X.509 certificate as python3-saml takes it: the base64 body, whatever the variable held (a PEM
    with or without its BEGIN/END lines, with real or escaped line breaks)."""
    lines = value.replace("\\n", "\n").strip().splitlines()
    return "".join(line.strip() for line in lines if line.strip() and "-----" not in line)


def group_roles_from_env(value: str | None) -> dict[str, str]:
    """``SSO_GROUP_ROLES``: ``"idp-group=role,other-group=role"`` → ``{"idp-group": "role", …}``.

    A group name may hold spaces (it ends at the comma); the last ``=`` separates it from the role."""
    mapping: dict[str, str] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        group, sep, role = item.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group:
            raise ImproperlyConfigured(f"SSO_GROUP_ROLES: “{item.strip()}” is not “idp-group=role”.")
        if role not in ROLE_NAMES:
            raise ImproperlyConfigured(
                f"SSO_GROUP_ROLES: “{role}” is not a role; use one of {', '.join(sorted(ROLE_NAMES))}."
            )
        if group in mapping and mapping[group] != role:
            raise ImproperlyConfigured(f"SSO_GROUP_ROLES: the group “{group}” is mapped to two roles.")
        mapping[group] = role
    return mapping


def default_role_from_env(value: str | None) -> str | None:
    """``SSO_DEFAULT_ROLE``: the role of a person none of whose groups is mapped (empty: refuse them)."""
    role = (value or "").strip()
    if not role:
        return None
    if role not in ROLE_NAMES:
        raise ImproperlyConfigured(
            f"SSO_DEFAULT_ROLE: “{role}” is not a role; use one of {', '.join(sorted(ROLE_NAMES))}."
        )
    return role


def _attribute_mapping(value: str | None) -> dict[str, list[str]]:
    mapping = {key: list(names) for key, names in SAML_DEFAULT_ATTRIBUTE_MAPPING.items()}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        key, sep, name = (part.strip() for part in item.partition("="))
        if not sep or key not in mapping or not name:
            raise ImproperlyConfigured(
                f"SSO_SAML_ATTRIBUTE_MAPPING: “{item.strip()}” is not “field=attribute” with field one of "
                f"{', '.join(mapping)}."
            )
        mapping[key] = [name]
    return mapping


def _oidc_scopes(value: str | None) -> list[str]:
    scopes = _list(value) or list(OIDC_DEFAULT_SCOPES)
    return scopes if "openid" in scopes else ["openid", *scopes]


def _oidc_app(env: Mapping[str, str]) -> dict[str, Any] | None:
    server_url = env.get("SSO_OIDC_SERVER_URL", "").strip().rstrip("/")
    if not server_url:
        return None
    client_id = env.get("SSO_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        raise ImproperlyConfigured("SSO_OIDC_SERVER_URL is set: set SSO_OIDC_CLIENT_ID too.")
    return {
        "provider_id": env.get("SSO_OIDC_PROVIDER_ID", "").strip() or "sso",
        "name": env.get("SSO_OIDC_NAME", "").strip() or "Single sign-on",
        "client_id": client_id,
        "secret": env.get("SSO_OIDC_CLIENT_SECRET", ""),
        "settings": {
            # The issuer; allauth reads its discovery document at /.well-known/openid-configuration.
            "server_url": server_url,
            "scope": _oidc_scopes(env.get("SSO_OIDC_SCOPES")),
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            # The organisation's own directory vouches for its people's addresses: an existing person is
            # found by the e-mail address it sends (apps.accounts.sso.adapter).
            "verified_email": True,
            "email_authentication": True,
        },
    }


def _saml_app(env: Mapping[str, str]) -> dict[str, Any] | None:
    entity_id = env.get("SSO_SAML_IDP_ENTITY_ID", "").strip()
    if not entity_id:
        return None
    metadata_url = env.get("SSO_SAML_IDP_METADATA_URL", "").strip()
    idp: dict[str, Any] = {"entity_id": entity_id}
    if metadata_url:
        idp["metadata_url"] = metadata_url
    else:
        sso_url = env.get("SSO_SAML_IDP_SSO_URL", "").strip()
        certificate = _pem_body(env.get("SSO_SAML_IDP_X509_CERT", ""))
        if not sso_url or not certificate:
            raise ImproperlyConfigured(
                "SSO_SAML_IDP_ENTITY_ID is set: set SSO_SAML_IDP_METADATA_URL, or both SSO_SAML_IDP_SSO_URL "
                "and SSO_SAML_IDP_X509_CERT."
            )
        idp.update(sso_url=sso_url, x509cert=certificate)
    saml_settings: dict[str, Any] = {
        "idp": idp,
        "attribute_mapping": _attribute_mapping(env.get("SSO_SAML_ATTRIBUTE_MAPPING")),
        "advanced": {
            # python3-saml in strict mode refuses a response with no valid signature on the response or on
            # the assertion; these ask for the assertion's own signature as well.
            "strict": True,
            "want_assertion_signed": env.get("SSO_SAML_WANT_ASSERTION_SIGNED", "").strip().lower()
            in {"1", "true", "yes", "on"},
            # A response the workspace did not ask for (IdP-initiated) could be one captured and replayed.
            "reject_idp_initiated_sso": True,
            # The workspace's own addresses may be http://localhost:8000 in development.
            "allow_single_label_domains": True,
        },
        "verified_email": True,
        "email_authentication": True,
    }
    sp_entity_id = env.get("SSO_SAML_SP_ENTITY_ID", "").strip()
    if sp_entity_id:
        saml_settings["sp"] = {"entity_id": sp_entity_id}
    return {
        "name": env.get("SSO_SAML_NAME", "").strip() or "Single sign-on (SAML)",
        # The "organisation slug" of allauth's SAML addresses: /accounts/saml/<slug>/acs/ and so on.
        "client_id": env.get("SSO_SAML_SLUG", "").strip() or "sso",
        "settings": saml_settings,
    }


def sso_providers_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """``SOCIALACCOUNT_PROVIDERS`` for the OpenID Connect and SAML providers ``env`` configures."""
    providers: dict[str, Any] = {}
    if oidc := _oidc_app(env):
        providers["openid_connect"] = {"APPS": [oidc]}
    if saml := _saml_app(env):
        providers["saml"] = {"APPS": [saml]}
    return providers
