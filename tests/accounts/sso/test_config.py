"""The providers, the group mapping and the sign-in buttons, from the environment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.accounts.choices import Role
from apps.accounts.sso.providers import (
    ROLE_NAMES,
    default_role_from_env,
    group_roles_from_env,
    sso_providers_from_env,
)
from tests.accounts.sso.keys import SigningKey


def test_the_settings_module_knows_the_roles() -> None:
    assert set(Role.values) == ROLE_NAMES


def test_nothing_set_means_no_provider() -> None:
    assert sso_providers_from_env({}) == {}
    assert sso_providers_from_env({"SSO_OIDC_CLIENT_ID": "x", "SSO_SAML_NAME": "y"}) == {}


def test_an_oidc_provider() -> None:
    providers = sso_providers_from_env(
        {
            "SSO_OIDC_SERVER_URL": "https://login.example.com/realms/acme/",
            "SSO_OIDC_CLIENT_ID": "vg",
            "SSO_OIDC_CLIENT_SECRET": "s3cret",
            "SSO_OIDC_NAME": "Acme SSO",
            "SSO_OIDC_SCOPES": "profile,email groups",
        }
    )
    (app,) = providers["openid_connect"]["APPS"]
    assert app["provider_id"] == "sso" and app["name"] == "Acme SSO"
    assert (app["client_id"], app["secret"]) == ("vg", "s3cret")
    assert app["settings"]["server_url"] == "https://login.example.com/realms/acme"
    assert app["settings"]["scope"] == ["openid", "profile", "email", "groups"]
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert "saml" not in providers


def test_a_saml_provider_with_a_certificate(idp_key: SigningKey) -> None:
    providers = sso_providers_from_env(
        {
            "SSO_SAML_IDP_ENTITY_ID": "https://sts.windows.net/tenant/",
            "SSO_SAML_IDP_SSO_URL": "https://login.microsoftonline.com/tenant/saml2",
            # As a one-line variable: the PEM with escaped line breaks.
            "SSO_SAML_IDP_X509_CERT": idp_key.certificate_pem.replace("\n", "\\n"),
            "SSO_SAML_ATTRIBUTE_MAPPING": "username=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        }
    )
    (app,) = providers["saml"]["APPS"]
    assert app["client_id"] == "sso"
    assert app["settings"]["idp"]["x509cert"] == idp_key.certificate_body
    assert app["settings"]["attribute_mapping"]["username"] == [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    ]
    assert "email" in app["settings"]["attribute_mapping"]["email"]
    assert app["settings"]["advanced"]["reject_idp_initiated_sso"] is True


@pytest.mark.parametrize(
    "env",
    [
        {"SSO_OIDC_SERVER_URL": "https://login.example.com"},
        {"SSO_SAML_IDP_ENTITY_ID": "https://idp", "SSO_SAML_IDP_SSO_URL": "https://idp/sso"},
        {
            "SSO_SAML_IDP_ENTITY_ID": "https://idp",
            "SSO_SAML_IDP_METADATA_URL": "https://idp/m",
            "SSO_SAML_ATTRIBUTE_MAPPING": "shoe_size=x",
        },
    ],
)
def test_an_incomplete_provider_is_a_configuration_error(env: dict[str, str]) -> None:
    with pytest.raises(ImproperlyConfigured):
        sso_providers_from_env(env)


def test_group_roles() -> None:
    assert group_roles_from_env("") == {}
    assert group_roles_from_env("vg-admins=admin, Team A = procurement,a=b=security,") == {
        "vg-admins": "admin",
        "Team A": "procurement",
        "a=b": "security",
    }
    for wrong in ("vg-admins", "vg=superuser", "=admin", "g=admin,g=security"):
        with pytest.raises(ImproperlyConfigured):
            group_roles_from_env(wrong)
    assert default_role_from_env(" ") is None
    assert default_role_from_env("executive") == "executive"
    with pytest.raises(ImproperlyConfigured):
        default_role_from_env("boss")


@pytest.mark.django_db
def test_one_button_per_configured_provider(settings: SettingsWrapper, idp_key: SigningKey) -> None:
    request = RequestFactory().get("/accounts/login/", {"next": "/vendors/"})
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "<form" not in render_to_string("accounts/includes/sso_buttons.html", request=request)

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(
        {
            "SSO_OIDC_SERVER_URL": "https://login.example.com/realms/acme",
            "SSO_OIDC_CLIENT_ID": "vg",
            "SSO_OIDC_NAME": "Acme SSO",
            "SSO_SAML_IDP_ENTITY_ID": "https://idp.example.com",
            "SSO_SAML_IDP_SSO_URL": "https://idp.example.com/sso",
            "SSO_SAML_IDP_X509_CERT": idp_key.certificate_pem,
            "SSO_SAML_NAME": "Acme SAML",
        }
    )
    html = render_to_string("accounts/includes/sso_buttons.html", request=request)

    assert html.count('<form method="post"') == 2
    assert html.count("csrfmiddlewaretoken") == 2
    assert 'action="/accounts/oidc/sso/login/?process=login&amp;next=%2Fvendors%2F"' in html
    assert 'action="/accounts/saml/sso/login/?process=login&amp;next=%2Fvendors%2F"' in html
    assert "Sign in with Acme SSO" in html and "Sign in with Acme SAML" in html
