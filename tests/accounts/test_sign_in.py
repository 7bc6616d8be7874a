"""Every page requires sign-in; the sign-in and sign-out pages work (django-allauth's, in the workspace's
frame); with local passwords turned off only the break-glass accounts may use one."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from apps.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_redirects_to_sign_in() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_sign_in_page_renders() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_sign_in_and_out() -> None:
    UserFactory(username="cto", role="executive")
    client = Client()
    response = client.post("/accounts/login/", {"login": "cto", "password": "pass-word-123"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Executive (CTO / VP Engineering)" in home.content.decode()  # the role, in the user menu
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_form_error() -> None:
    UserFactory(username="cto")
    response = Client().post("/accounts/login/", {"login": "cto", "password": "nope"})
    assert response.status_code == 200
    assert "That username and password do not match an account." in response.content.decode()


def test_admin_requires_staff() -> None:
    client = Client()
    client.force_login(UserFactory(role="procurement"))
    assert client.get("/admin/").status_code == 302
    client.force_login(UserFactory(role="admin"))
    assert client.get("/admin/").status_code == 200


def test_the_sign_in_page_is_the_workspaces() -> None:
    page = Client().get("/accounts/login/?next=/vendors/").content.decode()
    assert '<main id="main" class="entrance">' in page  # the narrow card of templates/allauth/layouts
    assert 'name="login"' in page and 'name="password"' in page and 'name="remember"' not in page
    assert 'name="next" value="/vendors/"' in page
    assert 'href="/accounts/password/reset/"' in page and "Forgot your password?" in page
    assert "sign up" not in page.lower()


def test_usernames_match_in_any_case_and_next_is_followed() -> None:
    UserFactory(username="cto")
    client = Client()
    response = client.post("/accounts/login/", {"login": " CTO ", "password": "pass-word-123", "next": "/vendors/"})
    assert response.status_code == 302 and response["Location"] == "/vendors/"


def test_an_outside_next_is_ignored() -> None:
    UserFactory(username="cto")
    response = Client().post(
        "/accounts/login/", {"login": "cto", "password": "pass-word-123", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_deactivated_account_cannot_sign_in() -> None:
    UserFactory(username="gone", is_active=False)
    client = Client()
    response = client.post("/accounts/login/", {"login": "gone", "password": "pass-word-123"}, follow=True)
    assert "Account deactivated" in response.content.decode()
    assert client.get("/").status_code == 302


def test_signing_out_is_a_post() -> None:
    client = Client()
    client.force_login(UserFactory())
    page = client.get("/accounts/logout/")
    assert page.status_code == 200 and "Sign out of Vendor Governance on this browser?" in page.content.decode()
    assert client.get("/").status_code == 200  # the page alone signed nobody out
    signed_out = client.post("/accounts/logout/", follow=True)
    assert signed_out.redirect_chain[-1][0] == "/accounts/login/"
    assert "You have signed out." in signed_out.content.decode()


def test_signing_up_is_closed() -> None:
    response = Client().get("/accounts/signup/")
    assert "No self sign-up" in response.content.decode()
    Client().post("/accounts/signup/", {"username": "me", "email": "me@example.com", "password1": "x7-long-enough-pw"})
    assert not User.objects.filter(username="me").exists()


def test_e_mail_addresses_are_not_self_service() -> None:
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/accounts/email/").status_code == 404
    assert client.post("/accounts/email/", {"email": "boss@example.com", "action_add": ""}).status_code == 404


@pytest.mark.parametrize("username", ["priya", "PRIYA"])
def test_local_passwords_off_refuse_the_password_before_checking_it(settings, username: str) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    settings.SSO_BREAK_GLASS_USERNAMES = ["root"]
    UserFactory(username="priya", role="procurement")
    client = Client(REMOTE_ADDR="203.0.113.90")
    with mock.patch.object(User, "check_password", autospec=True) as check:
        response = client.post("/accounts/login/", {"login": username, "password": "pass-word-123"})
    check.assert_not_called()
    assert response.status_code == 200
    page = response.content.decode()
    assert "local passwords are turned off for your account." in page and "Sign in with " in page
    assert client.get("/").status_code == 302
    # The same answer for a name nobody has: it tells nothing about which accounts exist.
    unknown = client.post("/accounts/login/", {"login": "nobody", "password": "whatever"}).content.decode()
    assert "local passwords are turned off for your account." in unknown


def test_local_passwords_off_names_the_identity_provider(settings) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "contoso",
                    "name": "Contoso Entra ID",
                    "client_id": "vendor-governance",
                    "secret": "not-used",
                    "settings": {"server_url": "https://login.contoso.example/"},
                }
            ]
        }
    }
    page = Client().post("/accounts/login/", {"login": "priya", "password": "x"}).content.decode()
    assert "Sign in with Contoso Entra ID; local passwords are turned off for your account." in page


def test_local_passwords_off_let_the_break_glass_account_in(settings) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    settings.SSO_BREAK_GLASS_USERNAMES = ["Root"]
    UserFactory(username="root", role="admin")
    client = Client()
    assert client.post("/accounts/login/", {"login": "root", "password": "pass-word-123"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_local_passwords_off_hold_for_any_caller_of_authenticate(settings) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    UserFactory(username="priya")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.91")
    assert authenticate(request, username="priya", password="pass-word-123") is None
    settings.LOCAL_PASSWORD_SIGN_IN = True
    assert authenticate(request, username="priya", password="pass-word-123") is not None
