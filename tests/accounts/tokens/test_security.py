"""What a token can never do: work expired or revoked, act outside its scopes, issue itself more (a
token reaches no page, and a person issues tokens only for themselves, within the lifetime rules), or
let a role do what it cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_issue, api_token_revoke
from apps.core.errors import ApplicationError, PermissionDeniedError
from tests.accounts.tokens.conftest import TokenClient
from tests.factories import UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_an_expired_token_is_refused_on_every_area(token_client: TokenClient) -> None:
    api = token_client(UserFactory(role=Role.ADMIN), ["admin"])
    assert api.get("/api/v1/vendors/").status_code == 200
    ApiToken.objects.filter(pk=api.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for path in ("/api/v1/vendors/", "/api/v1/measurements/", "/api/v1/kpis/"):
        response = api.get(path)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid, expired or revoked token."}


def test_a_revoked_token_is_refused_at_once(token_client: TokenClient) -> None:
    api = token_client(UserFactory(role=Role.ADMIN), ["admin"])
    assert api.get("/api/v1/vendors/").status_code == 200
    api_token_revoke(token=api.token)
    assert api.get("/api/v1/vendors/").status_code == 401
    assert api.post("/api/v1/measurements/bulk/", {"rows": []}, format="json").status_code == 401


def test_a_token_reaches_no_page_so_it_cannot_issue_or_revoke_tokens(token_client: TokenClient) -> None:
    """Tokens authenticate the API only: the tokens page answers a token like an anonymous visitor."""
    api = token_client(UserFactory(role=Role.ADMIN), ["admin"])
    before = ApiToken.objects.count()
    for response in (
        api.get("/accounts/tokens/"),
        api.post("/accounts/tokens/new/", {"name": "more", "scopes": ["admin"], "expires_in_days": 30}),
        api.post(f"/accounts/tokens/{api.token.pk}/revoke/"),
    ):
        assert response.status_code in (302, 403), response.status_code
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
    assert ApiToken.objects.count() == before
    assert ApiToken.objects.get(pk=api.token.pk).revoked_at is None


def test_a_person_issues_tokens_for_themselves_only() -> None:
    procurement, other = UserFactory(role=Role.PROCUREMENT), UserFactory(role=Role.ADMIN)
    with pytest.raises(PermissionDeniedError, match="Only administrators create tokens for other people"):
        api_token_issue(user=other, actor=procurement, name="x", scopes=["admin"], expires_in_days=30)
    admin = UserFactory(role=Role.ADMIN)
    issued = api_token_issue(user=procurement, actor=admin, name="for you", scopes=["read"], expires_in_days=30)
    assert issued.token.user == procurement
    assert ApiToken.objects.filter(user=other).count() == 0


def test_lifetime_rules_for_people() -> None:
    person, admin = UserFactory(role=Role.ENGINEERING_MANAGER), UserFactory(role=Role.ADMIN)
    with pytest.raises(ApplicationError, match="never expire"):
        api_token_issue(user=person, actor=person, name="x", scopes=["read"], expires_in_days=None)
    with pytest.raises(ApplicationError, match="at most 365 days"):
        api_token_issue(user=person, actor=person, name="x", scopes=["read"], expires_in_days=366)
    assert (
        api_token_issue(user=admin, actor=admin, name="x", scopes=["read"], expires_in_days=None).token.expires_at
        is None
    )
    assert ApiToken.objects.filter(user=person).count() == 0


def test_a_person_revokes_only_their_own_tokens() -> None:
    owner, stranger, admin = UserFactory(), UserFactory(role=Role.PROCUREMENT), UserFactory(role=Role.ADMIN)
    token = api_token_issue(user=owner, name="x", scopes=["read"], expires_in_days=30).token
    with pytest.raises(PermissionDeniedError):
        api_token_revoke(token=token, actor=stranger)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_token_revoke(token=token, actor=admin).revoked_at is not None


@pytest.mark.parametrize(
    ("scopes", "message"),
    [([], "at least one scope"), (["read", "root"], "Unknown scope “root”"), (["ADMIN"], "Unknown scope")],
)
def test_scopes_are_checked(scopes: list[str], message: str) -> None:
    with pytest.raises(ApplicationError, match=message):
        api_token_issue(user=UserFactory(), name="x", scopes=scopes, expires_in_days=30)
    assert ApiToken.objects.count() == 0


def test_the_database_refuses_a_token_without_scopes() -> None:
    token = api_token_issue(user=UserFactory(), name="x", scopes=["read"], expires_in_days=30).token
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(scopes=[])


def test_an_unknown_vendor_is_refused() -> None:
    with pytest.raises(ApplicationError, match="No vendor with id 999999"):
        api_token_issue(
            user=UserFactory(), name="x", scopes=["read"], vendors=[VendorFactory().pk, 999999], expires_in_days=30
        )
    assert ApiToken.objects.count() == 0


def test_a_session_s_api_writes_are_not_limited_by_tokens() -> None:
    """The browser: no scopes, no vendor limit — only the role (here: procurement writes vendors)."""
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(UserFactory(role=Role.PROCUREMENT))
    vendor = VendorFactory()
    response = browser.patch(f"/api/v1/vendors/{vendor.pk}/", {"description": "x"}, content_type="application/json")
    assert response.status_code == 200
    assert APIClient().get("/api/v1/vendors/").status_code == 401
