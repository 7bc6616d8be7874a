"""Every page requires sign-in; the sign-in and sign-out pages work."""

from __future__ import annotations

import pytest
from django.test import Client

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
    response = client.post("/accounts/login/", {"username": "cto", "password": "pass-word-123"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Executive (CTO / VP Engineering)" in home.content.decode()  # the role, in the user menu
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_form_error() -> None:
    UserFactory(username="cto")
    response = Client().post("/accounts/login/", {"username": "cto", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_admin_requires_staff() -> None:
    client = Client()
    client.force_login(UserFactory(role="procurement"))
    assert client.get("/admin/").status_code == 302
    client.force_login(UserFactory(role="admin"))
    assert client.get("/admin/").status_code == 200
