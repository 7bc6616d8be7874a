"""Passwords: at least 12 characters and not a common one, wherever a password is set — the admin's
forms and the service that creates people; the published demo password passes."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.core.errors import ApplicationError
from apps.demo.demo_data import DEMO_PASSWORD, USERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Tr0ub4dor&3", "at least 12 characters"),  # eleven
        ("password1234", "too common"),
        ("qwerty123456", "too common"),
        ("739104826351", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert problem in " ".join(refused.value.messages)


def test_a_long_uncommon_password_passes() -> None:
    validate_password("correct horse battery staple")


def test_user_create_refuses_a_weak_password() -> None:
    with pytest.raises(ApplicationError) as refused:
        user_create(username="priya", password="password1234", role="procurement")
    assert refused.value.field == "password" and "too common" in refused.value.message
    assert not User.objects.filter(username="priya").exists()


def test_the_admin_refuses_a_short_password() -> None:
    client = Client()
    client.force_login(UserFactory(role="admin"))
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "newcomer", "usable_password": "true", "password1": "short-pw-1", "password2": "short-pw-1"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("username", [username for username, *_ in USERS])
def test_the_demo_password_passes_for_every_demo_user(username: str) -> None:
    validate_password(DEMO_PASSWORD, User(username=username, email=f"{username}@example.com"))
