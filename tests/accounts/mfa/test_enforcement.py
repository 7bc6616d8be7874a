"""MFA_REQUIRED_ROLES: a person in such a role without an authenticator is held on the enrolment page
after the password (pages redirect there with the reason, the API on the session answers 403), until
they set one up; other roles, API tokens and (with MFA_TRUST_SSO) SSO sessions are not held."""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory

from apps.accounts.mfa import MFARequiredMiddleware, check_required_roles
from apps.accounts.models import ApiToken, User, hash_token
from tests.accounts.mfa.conftest import (
    NOW,
    SECRET,
    confirm_password,
    enrol_totp,
    enter_code,
    secret_on_page,
    sign_in,
    signed_in_user,
    totp_code,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENROL = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def required(settings: Any) -> None:
    settings.MFA_REQUIRED_ROLES = ["executive", "admin"]
    settings.MFA_TRUST_SSO = True


def test_an_executive_is_held_on_enrolment_until_they_have_an_authenticator(clock: SimpleNamespace) -> None:
    user = UserFactory(username="cto", role="executive")
    client = Client()
    signed = sign_in(client, "cto")
    assert signed.status_code == 302
    assert signed_in_user(client) == user  # the password is accepted…

    held = client.get("/")  # …and then every page leads to the enrolment
    assert held.status_code == 302 and held["Location"] == ENROL
    for path in ("/vendors/", "/contracts/", "/admin/", "/notifications/", "/accounts/login/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, ENROL), path
    api = client.get("/api/v1/vendors/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_enrolment_required"
    assert "requires two-factor authentication" in api.json()["detail"]
    htmx = client.get("/vendors/", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, ENROL)

    # Still open: the MFA pages, confirming the password, the health checks.
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/healthz").status_code == 200
    # Just signed in: not asked for the password a second time before adding an authenticator.
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("Your role (Executive (CTO / VP Engineering)) requires two-factor authentication") == 1
    assert "Use a security key instead" in html

    activated = client.post(ENROL, {"code": totp_code(secret_on_page(html))})
    assert activated.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/vendors/").status_code == 200


def test_a_held_person_can_sign_out() -> None:
    UserFactory(username="cto", role="executive")
    client = Client()
    sign_in(client, "cto")
    assert client.post("/accounts/logout/").status_code == 302
    assert signed_in_user(client) is None


def test_an_enrolled_executive_signs_in_with_a_code_and_goes_on(clock: SimpleNamespace) -> None:
    enrol_totp(UserFactory(username="cto", role="executive"))
    client = Client()
    assert sign_in(client, "cto")["Location"] == "/accounts/2fa/authenticate/"
    enter_code(client, totp_code(SECRET, at=NOW))
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["procurement", "engineering_manager", "security"])
def test_other_roles_are_not_held(role: str) -> None:
    UserFactory(username="someone", role=role)
    client = Client()
    sign_in(client, "someone")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/vendors/").status_code == 200


def test_admins_and_superusers_are_held() -> None:
    client = Client()
    client.force_login(UserFactory(role="admin"))
    assert client.get("/")["Location"] == ENROL
    boss = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(boss)
    assert client.get("/")["Location"] == ENROL


def test_nobody_is_held_when_no_role_requires_it(settings: Any) -> None:
    settings.MFA_REQUIRED_ROLES = []
    client = Client()
    client.force_login(UserFactory(role="executive"))
    assert client.get("/").status_code == 200


def test_a_security_key_is_enough() -> None:
    user = UserFactory(role="executive")
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Key"})
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200


def test_recovery_codes_alone_are_not_enough() -> None:
    user = UserFactory(role="executive")
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "", "used_mask": 0})
    client = Client()
    client.force_login(user)
    assert client.get("/")["Location"] == ENROL


def test_api_tokens_are_not_held() -> None:
    user = UserFactory(role="executive")
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="CI", prefix=key[:8], key_hash=hash_token(key), scopes=["admin"])
    response = Client().get("/api/v1/vendors/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200


def _sso_session(client: Client, user: User) -> None:
    """A session signed in through an identity provider, as allauth records it."""
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "socialaccount", provider="openid_connect", uid="sub-123")
    request.session.save()


def test_an_sso_session_is_trusted_for_mfa(settings: Any) -> None:
    user = UserFactory(role="executive")
    client = Client()
    _sso_session(client, user)
    assert client.get("/").status_code == 200

    settings.MFA_TRUST_SSO = False
    assert client.get("/")["Location"] == ENROL


def test_the_last_authenticator_of_a_held_role_cannot_be_deactivated(clock: SimpleNamespace) -> None:
    enrol_totp(UserFactory(username="cto", role="executive"))
    client = Client()
    sign_in(client, "cto")
    enter_code(client, totp_code(SECRET, at=NOW))
    confirm_password(client, then="/accounts/2fa/totp/deactivate/")
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert "add a security key before you deactivate" in page.content.decode()
    refused = client.post("/accounts/2fa/totp/deactivate/")
    assert refused.status_code == 200
    assert Authenticator.objects.filter(user__username="cto", type=Authenticator.Type.TOTP).exists()


def test_a_person_without_a_required_role_may_deactivate(clock: SimpleNamespace, settings: Any) -> None:
    enrol_totp(UserFactory(username="pm", role="procurement"))
    client = Client()
    sign_in(client, "pm")
    enter_code(client, totp_code(SECRET, at=NOW))
    confirm_password(client, then="/accounts/2fa/totp/deactivate/")
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user__username="pm").exists()  # recovery codes went with it


def test_an_unknown_role_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="executives"):
        check_required_roles(["executives"])
    check_required_roles(["executive", "admin"])


def test_the_middleware_checks_the_roles_at_start_up(settings: Any) -> None:
    settings.MFA_REQUIRED_ROLES = ["cto"]
    with pytest.raises(ImproperlyConfigured):
        MFARequiredMiddleware(HttpResponse)
