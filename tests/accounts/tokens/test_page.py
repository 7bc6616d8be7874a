"""The tokens page: list (own; admins everyone's), create with the key shown once, revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import ApiToken, hash_token
from apps.accounts.services import api_token_issue
from tests.factories import UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_create_shows_the_key_once_and_it_works() -> None:
    person = UserFactory(role=Role.ENGINEERING_MANAGER)
    vendor = VendorFactory(name="Acme")
    client = signed_in(person)
    form = client.get(reverse("api-token-create"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="90"' in html  # the default lifetime
    assert "never_expires" not in html  # administrators only
    response = client.post(
        reverse("api-token-create"),
        {"name": "CI", "scopes": ["read", "measurements:write"], "vendors": [vendor.pk], "expires_in_days": "30"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert (token.user, token.name, token.scopes) == (person, "CI", ["read", "measurements:write"])
    assert list(token.vendors.all()) == [vendor]
    assert token.expires_at is not None
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    # the list shows it without its key
    listing = client.get(reverse("api-token-list")).content.decode()
    assert "CI" in listing and token.prefix in listing and "Acme" in listing and key not in listing
    # and the key works, as far as its scopes go
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/measurements/").status_code == 200
    assert api.get("/api/v1/contracts/").status_code == 200  # read


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "scopes": ["read"], "expires_in_days": "30"}, "name", "required"),
        ({"name": "x", "scopes": [], "expires_in_days": "30"}, "scopes", "required"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": "366"}, "expires_in_days", "365"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": ""}, "expires_in_days", "lifetime"),
        ({"name": "x", "scopes": ["read"], "never_expires": "on"}, "expires_in_days", "lifetime"),
    ],
)
def test_a_refused_form_says_why_and_creates_nothing(data: dict, field: str, message: str) -> None:
    response = signed_in(UserFactory(role=Role.PROCUREMENT)).post(reverse("api-token-create"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert ApiToken.objects.count() == 0


def test_an_admin_may_create_a_token_that_never_expires() -> None:
    client = signed_in(UserFactory(role=Role.ADMIN))
    response = client.post(reverse("api-token-create"), {"name": "ops", "scopes": ["admin"], "never_expires": "on"})
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at is None


def test_people_see_and_revoke_their_own_tokens_admins_everyone_s() -> None:
    alice, bob, admin = (
        UserFactory(role=Role.PROCUREMENT),
        UserFactory(role=Role.SECURITY),
        UserFactory(role=Role.ADMIN),
    )
    alices = api_token_issue(user=alice, name="alice-ci", scopes=["read"], expires_in_days=30).token
    bobs = api_token_issue(user=bob, name="bob-ci", scopes=["read"], expires_in_days=30).token

    page = signed_in(alice).get(reverse("api-token-list")).content.decode()
    assert "alice-ci" in page
    assert "bob-ci" not in page
    # not hers: not found, not revoked
    assert signed_in(alice).post(reverse("api-token-revoke", args=[bobs.pk])).status_code == 404
    bobs.refresh_from_db()
    assert bobs.revoked_at is None
    # revoking is a POST
    assert signed_in(alice).get(reverse("api-token-revoke", args=[alices.pk])).status_code == 405
    response = signed_in(alice).post(reverse("api-token-revoke", args=[alices.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("api-token-list")
    alices.refresh_from_db()
    assert alices.revoked_at is not None

    admin_page = signed_in(admin).get(reverse("api-token-list")).content.decode()
    assert "alice-ci" in admin_page and "bob-ci" in admin_page and str(bob.username) in admin_page
    assert signed_in(admin).post(reverse("api-token-revoke", args=[bobs.pk])).status_code == 302
    bobs.refresh_from_db()
    assert bobs.revoked_at is not None


def test_the_list_costs_the_same_queries_for_many_tokens(django_assert_max_num_queries: object) -> None:
    admin = UserFactory(role=Role.ADMIN)
    vendor = VendorFactory()
    client = signed_in(admin)
    for n in range(3):
        api_token_issue(user=UserFactory(), name=f"t{n}", scopes=["read"], vendors=[vendor], expires_in_days=30)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("api-token-list"))
    for n in range(20):
        api_token_issue(user=UserFactory(), name=f"u{n}", scopes=["read"], vendors=[vendor], expires_in_days=30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("api-token-list")).status_code == 200
    assert len(many) == len(few)


def test_the_page_needs_sign_in() -> None:
    response = Client().get(reverse("api-token-list"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
