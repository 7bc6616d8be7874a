"""Identity providers for the SSO tests, on 127.0.0.1 or made in memory; nothing reaches the internet."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_httpserver import HTTPServer

from apps.accounts.sso.providers import sso_providers_from_env
from tests.accounts.sso.keys import SigningKey, signing_key_make
from tests.accounts.sso.oidc_provider import FakeOIDCProvider
from tests.accounts.sso.saml_idp import FakeSAMLIdP

GROUP_ROLES = {
    "vg-executives": "executive",
    "vg-procurement": "procurement",
    "vg-engineering-managers": "engineering_manager",
    "vg-security": "security",
    "vg-admins": "admin",
}


@pytest.fixture(scope="session")
def idp_key() -> SigningKey:
    return signing_key_make()


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    return signing_key_make("Someone else")


@pytest.fixture
def sso_settings(settings: SettingsWrapper) -> SettingsWrapper:
    settings.SSO_GROUP_ROLES = dict(GROUP_ROLES)
    settings.SSO_DEFAULT_ROLE = None
    settings.SSO_CREATE_USERS = True
    settings.SSO_GROUPS_CLAIM = "groups"
    settings.SSO_SAML_GROUPS_ATTRIBUTE = "groups"
    settings.SSO_BREAK_GLASS_USERNAMES = []
    return settings


@pytest.fixture
def oidc_provider(httpserver: HTTPServer, idp_key: SigningKey, sso_settings: SettingsWrapper) -> FakeOIDCProvider:
    provider = FakeOIDCProvider(httpserver, idp_key)
    sso_settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(provider.env())
    return provider


@pytest.fixture
def saml_idp(idp_key: SigningKey, sso_settings: SettingsWrapper) -> FakeSAMLIdP:
    idp = FakeSAMLIdP(idp_key)
    sso_settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(idp.env())
    return idp
