"""Hashed API tokens: issue, authenticate (Token and Bearer), expire, revoke; the command."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, hash_token
from apps.accounts.services import api_token_issue, api_token_revoke
from apps.core.errors import ApplicationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API_ROOT = "/api/v1/"


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_token_authenticates_with_either_keyword(keyword: str) -> None:
    issued = api_token_issue(user=UserFactory(role="procurement"), name="CI", scopes=["read"], expires_in_days=30)
    response = client_with(f"{keyword} {issued.key}").get(API_ROOT)
    assert response.status_code == 200


def test_only_the_hash_is_stored() -> None:
    issued = api_token_issue(user=UserFactory(), name="CI", scopes=["read"], expires_in_days=None)
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.key_hash == hash_token(issued.key)
    assert issued.key not in {row.key_hash, row.prefix, row.name}
    assert issued.key.startswith(row.prefix)
    assert row.expires_at is None


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-key", "Token", "Token a b", "Bearer ", "Token \xff"],
)
def test_bad_tokens_are_401(header: str) -> None:
    response = client_with(header).get(API_ROOT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_no_credentials_is_401_with_challenge() -> None:
    response = APIClient().get(API_ROOT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_expired_token_is_refused() -> None:
    issued = api_token_issue(user=UserFactory(), name="CI", scopes=["read"], expires_in_days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_with(f"Token {issued.key}").get(API_ROOT).status_code == 401


def test_revoked_token_is_refused_and_revocation_is_idempotent() -> None:
    issued = api_token_issue(user=UserFactory(), name="CI", scopes=["read"], expires_in_days=30)
    first = api_token_revoke(token=issued.token).revoked_at
    again = api_token_revoke(token=issued.token).revoked_at
    assert first is not None and first == again
    assert client_with(f"Token {issued.key}").get(API_ROOT).status_code == 401


def test_token_of_inactive_user_is_refused() -> None:
    user = UserFactory()
    issued = api_token_issue(user=user, name="CI", scopes=["read"], expires_in_days=30)
    user.is_active = False
    user.save()
    assert client_with(f"Token {issued.key}").get(API_ROOT).status_code == 401


def test_last_used_is_recorded() -> None:
    issued = api_token_issue(user=UserFactory(), name="CI", scopes=["read"], expires_in_days=30)
    client_with(f"Token {issued.key}").get(API_ROOT)
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_negative_lifetime_is_refused() -> None:
    with pytest.raises(ApplicationError, match="negative"):
        api_token_issue(user=UserFactory(), name="CI", scopes=["read"], expires_in_days=-1)
    assert ApiToken.objects.count() == 0


def test_command_prints_a_working_key_once() -> None:
    UserFactory(username="ci-bot", role="engineering_manager")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "ci-bot", "--expires-days", "7", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert token.user.username == "ci-bot"
    assert token.expires_at is not None
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert "not shown again" in err.getvalue()
    assert client_with(f"Bearer {key}").get(API_ROOT).status_code == 200


def test_command_zero_days_never_expires() -> None:
    UserFactory(username="ci-bot")
    out = io.StringIO()
    call_command("create_api_token", "ci-bot", "--expires-days", "0", stdout=out, stderr=io.StringIO())
    assert ApiToken.objects.get().expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nobody"], "No user named"), (["ci-bot", "--expires-days", "-3"], "negative")],
)
def test_command_errors_are_readable(args: list[str], message: str) -> None:
    UserFactory(username="ci-bot")
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.count() == 0
