"""Signing in through OpenID Connect, against a provider served on 127.0.0.1 (oidc_provider.py)."""

from __future__ import annotations

import secrets
import time

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.accounts.models import User
from apps.accounts.services import user_create
from tests.accounts.sso.keys import SigningKey
from tests.accounts.sso.oidc_provider import PROVIDER_ID, FakeOIDCProvider

pytestmark = pytest.mark.django_db


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_first_sign_in_creates_the_person_in_the_role_of_their_group(
    client: Client, oidc_provider: FakeOIDCProvider
) -> None:
    oidc_provider.person(sub="u-1", email="Priya.Nair@example.com", groups=["vg-procurement", "all-staff"])

    response = oidc_provider.sign_in(client)

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = signed_in_user(client)
    assert user is not None
    assert (user.username, user.email, user.first_name) == ("Priya.Nair", "priya.nair@example.com", "Test")
    assert user.roles == ["procurement"] and not user.is_staff
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "u-1"
    # The authorisation code was exchanged with the PKCE verifier and the client's secret.
    assert oidc_provider.token_requests[-1]["code_verifier"]
    assert client.get(reverse("home")).status_code == 200


def test_group_changes_at_the_next_sign_in_change_the_roles(client: Client, oidc_provider: FakeOIDCProvider) -> None:
    oidc_provider.person(sub="u-2", email="alex@example.com", groups=["vg-admins"])
    oidc_provider.sign_in(client)
    user = User.objects.get(email="alex@example.com")
    assert user.roles == ["admin"] and user.is_staff

    client.post(reverse("logout"))
    oidc_provider.person(sub="u-2", email="alex@example.com", groups=["vg-security", "vg-procurement"])
    oidc_provider.sign_in(client)

    user = User.objects.get(pk=user.pk)  # a fresh instance: ``roles`` is cached per instance
    assert signed_in_user(client) == user
    assert user.roles == ["procurement", "security"] and not user.is_staff
    assert User.objects.filter(email__iexact="alex@example.com").count() == 1


def test_groups_from_the_id_token_when_userinfo_has_none(
    client: Client, oidc_provider: FakeOIDCProvider, settings: SettingsWrapper
) -> None:
    # Entra ID sends groups in the ID token only; Keycloak's realm roles sit in an object.
    settings.SSO_GROUPS_CLAIM = "realm_access.roles"
    oidc_provider.person(sub="u-3", email="sam@example.com", groups=[])
    oidc_provider.id_token_overrides = {"realm_access": {"roles": ["vg-security"]}}

    oidc_provider.sign_in(client)

    assert User.objects.get(email="sam@example.com").roles == ["security"]


@pytest.mark.parametrize(
    "fault",
    ["signature", "audience", "issuer", "expired", "replayed"],
)
def test_an_id_token_that_does_not_check_out_is_refused(
    client: Client, oidc_provider: FakeOIDCProvider, other_key: SigningKey, fault: str
) -> None:
    oidc_provider.person(sub="u-4", email="mallory@example.com", groups=["vg-admins"])
    if fault == "signature":
        oidc_provider.sign_with = other_key  # same key id, another key
    elif fault == "audience":
        oidc_provider.id_token_overrides = {"aud": "another-client", "azp": "another-client"}
    elif fault == "issuer":
        oidc_provider.id_token_overrides = {"iss": "https://impostor.example.test/realms/test"}
    elif fault == "expired":
        oidc_provider.id_token_overrides = {"exp": int(time.time()) - 120, "iat": int(time.time()) - 600}
    else:
        oidc_provider.reuse_jti = secrets.token_hex(8)
        oidc_provider.sign_in(client)
        client.post(reverse("logout"))
        User.objects.filter(email="mallory@example.com").delete()

    response = oidc_provider.sign_in(client)

    assert response.status_code == 401
    assert b"data-sso-error" in response.content
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()


def test_a_person_with_no_mapped_group_is_refused_and_not_created(
    client: Client, oidc_provider: FakeOIDCProvider
) -> None:
    oidc_provider.person(sub="u-5", email="guest@example.com", groups=["all-staff"])

    response = oidc_provider.sign_in(client)

    assert response.status_code == 403
    assert b"No role in Vendor Governance" in response.content
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="guest@example.com").exists()


def test_the_default_role_when_no_group_is_mapped(
    client: Client, oidc_provider: FakeOIDCProvider, settings: SettingsWrapper
) -> None:
    settings.SSO_DEFAULT_ROLE = "engineering_manager"
    oidc_provider.person(sub="u-6", email="dana@example.com", groups=["all-staff"])

    oidc_provider.sign_in(client)

    assert signed_in_user(client) == User.objects.get(email="dana@example.com")
    assert User.objects.get(email="dana@example.com").roles == ["engineering_manager"]


def test_a_person_who_lost_every_mapped_group_loses_their_roles(
    client: Client, oidc_provider: FakeOIDCProvider
) -> None:
    oidc_provider.person(sub="u-7", email="marco@example.com", groups=["vg-engineering-managers"])
    oidc_provider.sign_in(client)
    client.post(reverse("logout"))
    oidc_provider.person(sub="u-7", email="marco@example.com", groups=[])

    assert oidc_provider.sign_in(client).status_code == 403

    assert User.objects.get(email="marco@example.com").roles == []
    assert signed_in_user(client) is None


def test_without_jit_an_unknown_person_is_refused(
    client: Client, oidc_provider: FakeOIDCProvider, settings: SettingsWrapper
) -> None:
    settings.SSO_CREATE_USERS = False
    oidc_provider.person(sub="u-8", email="new.starter@example.com", groups=["vg-procurement"])

    response = oidc_provider.sign_in(client)

    assert response.status_code == 403
    assert b"Ask an administrator to create your account" in response.content
    assert not User.objects.filter(email__iexact="new.starter@example.com").exists()
    assert not SocialAccount.objects.exists()


def test_without_jit_an_existing_person_is_found_by_email_in_any_case_and_linked(
    client: Client, oidc_provider: FakeOIDCProvider, settings: SettingsWrapper
) -> None:
    settings.SSO_CREATE_USERS = False
    person = user_create(username="claire", password=None, role="procurement", email="Claire.Thompson@Example.com")
    oidc_provider.person(sub="u-9", email="claire.thompson@example.com", groups=["vg-executives"])

    response = oidc_provider.sign_in(client)

    assert response.status_code == 302
    assert signed_in_user(client) == person
    assert User.objects.get(pk=person.pk).roles == ["executive"]
    assert SocialAccount.objects.get(uid="u-9").user == person
    assert User.objects.count() == 1


def test_a_break_glass_account_never_signs_in_through_the_provider(
    client: Client, oidc_provider: FakeOIDCProvider, settings: SettingsWrapper
) -> None:
    settings.SSO_BREAK_GLASS_USERNAMES = ["BreakGlass"]
    account = user_create(
        username="breakglass", password="a long break-glass secret", role="admin", email="it@example.com"
    )
    oidc_provider.person(sub="u-10", email="IT@example.com", groups=["vg-admins"])

    response = oidc_provider.sign_in(client)

    assert response.status_code == 403
    assert b"signs in with its password only" in response.content
    account.refresh_from_db()
    assert account.check_password("a long break-glass secret")  # not wiped by the e-mail match
    assert not SocialAccount.objects.exists()
    assert signed_in_user(client) is None


def test_opening_the_sign_in_address_asks_for_a_post(client: Client, oidc_provider: FakeOIDCProvider) -> None:
    response = client.get(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))

    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert b"Sign in with Test IdP" in response.content


def test_an_unconfigured_provider_is_absent(client: Client, sso_settings: SettingsWrapper) -> None:
    sso_settings.SOCIALACCOUNT_PROVIDERS = {}

    assert client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})).status_code == 404
    assert client.get(reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})).status_code == 404
    assert client.post(reverse("saml_login", kwargs={"organization_slug": "sso"})).status_code == 404
