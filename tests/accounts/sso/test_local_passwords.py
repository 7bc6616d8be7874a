"""Local passwords off (LOCAL_PASSWORD_SIGN_IN=False) except for the break-glass accounts, end to end:
the sign-in page, the password reset e-mail, and the way back in when the identity provider is down."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.accounts.models import User
from apps.accounts.services import user_create
from tests.accounts.sso.oidc_provider import FakeOIDCProvider

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough pass phrase"


@pytest.fixture
def sso_only(oidc_provider: FakeOIDCProvider, settings: SettingsWrapper) -> FakeOIDCProvider:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    settings.SSO_BREAK_GLASS_USERNAMES = ["breakglass"]
    user_create(username="priya", password=PASSWORD, role="procurement", email="priya@example.com")
    user_create(username="breakglass", password=PASSWORD, role="admin", email="breakglass@example.com")
    return oidc_provider


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_a_normal_person_cannot_sign_in_with_a_password(client: Client, sso_only: FakeOIDCProvider) -> None:
    response = client.post(reverse("login"), {"login": "priya", "password": PASSWORD})

    assert response.status_code == 200
    assert "Sign in with Test IdP; local passwords are turned off for your account." in response.content.decode()
    assert signed_in_user(client) is None


def test_the_break_glass_admin_can(client: Client, sso_only: FakeOIDCProvider) -> None:
    response = client.post(reverse("login"), {"login": "breakglass", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user(client) == User.objects.get(username="breakglass")


def test_the_break_glass_admin_gets_in_while_the_provider_is_down(client: Client, sso_only: FakeOIDCProvider) -> None:
    sso_only.server.clear()  # the provider answers nothing but errors now

    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert response.status_code == 401 and b"data-sso-error" in response.content
    assert client.post(reverse("login"), {"login": "priya", "password": PASSWORD}).status_code == 200
    assert signed_in_user(client) is None

    assert client.post(reverse("login"), {"login": "breakglass", "password": PASSWORD}).status_code == 302
    assert signed_in_user(client) == User.objects.get(username="breakglass")


def test_only_the_break_glass_account_is_sent_a_reset_link(client: Client, sso_only: FakeOIDCProvider) -> None:
    for email in ("priya@example.com", "breakglass@example.com"):
        response = client.post(reverse("account_reset_password"), {"email": email})
        assert response.status_code == 302

    assert [message.to for message in mail.outbox] == [["breakglass@example.com"]]


def test_the_same_person_signs_in_through_the_provider(client: Client, sso_only: FakeOIDCProvider) -> None:
    sso_only.person(sub="p-1", email="Priya@example.com", groups=["vg-procurement"])

    assert sso_only.sign_in(client).status_code == 302

    person = User.objects.get(username="priya")
    assert signed_in_user(client) == person
    # Linked by e-mail: the local password is off from now on (allauth's guard, docs/architecture/sso.md).
    assert not person.has_usable_password()


def test_the_sign_in_page_shows_one_button_per_provider(client: Client, sso_only: FakeOIDCProvider) -> None:
    page = client.get(reverse("login")).content.decode()

    assert page.count("data-sso-provider=") == 1
    assert 'action="/accounts/oidc/sso/login/?process=login"' in page
    assert "Sign in with Test IdP" in page
