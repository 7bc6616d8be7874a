"""Sign-in lockout (django-axes): an account is locked after 10 failures and an address after 50, on the
sign-in page, where the admin's sends people; the locked-out see when to try again and whom to ask; the right
password is refused until the cool-off has passed or an admin unlocks; a locked-out attempt hashes no
password; a later sign-in step (SSO, MFA) plugs in with two calls."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.accounts.lockout import sign_in_step_allowed, sign_in_step_failed
from apps.accounts.models import User
from apps.accounts.throttling import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
ACCOUNT_LIMIT = settings.SIGN_IN_FAILURE_LIMITS["username"]
ADDRESS_LIMIT = settings.SIGN_IN_FAILURE_LIMITS["ip_address"]


def sign_in(client: Client, username: str, password: str, path: str = "/accounts/login/"):
    return client.post(path, {"login": username, "password": password})


def test_the_limits_are_an_account_and_an_address() -> None:
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert (ACCOUNT_LIMIT, ADDRESS_LIMIT) == (10, 50)
    cool_off = settings.AXES_COOLOFF_TIME
    assert cool_off == timedelta(minutes=15)
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_fifty_wrong_passwords_lock_the_account_after_ten() -> None:
    UserFactory(username="cto", role="executive")
    client = Client(REMOTE_ADDR="203.0.113.10")
    statuses = [sign_in(client, "cto", f"wrong-{n}").status_code for n in range(50)]
    assert statuses == [200] * (ACCOUNT_LIMIT - 1) + [429] * (50 - ACCOUNT_LIMIT + 1)

    refused = sign_in(client, "cto", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    page = refused.content.decode()
    assert "Signing in is paused" in page and "15 minutes" in page and "Try again after" in page
    assert "ask an administrator of Vendor Governance to unlock your account" in page
    assert 'name="login"' in page and 'value="cto"' in page  # the form is still there, filled in
    assert client.get("/").status_code == 302  # not signed in


def test_the_lockout_is_per_account_whatever_the_address() -> None:
    UserFactory(username="cto")
    for n in range(ACCOUNT_LIMIT):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "cto", "wrong")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.200"), "cto", PASSWORD).status_code == 429


def test_the_lockout_is_per_address_across_usernames() -> None:
    UserFactory(username="priya", role="procurement")
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [sign_in(attacker, f"someone-{n}", "wrong").status_code for n in range(ADDRESS_LIMIT)]
    assert statuses == [200] * (ADDRESS_LIMIT - 1) + [429]
    # Everyone at that address is refused, even with the right password; elsewhere Priya signs in.
    assert sign_in(attacker, "priya", PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="192.0.2.7"), "priya", PASSWORD).status_code == 302


def test_the_admin_signs_in_through_the_same_page_and_lockout() -> None:
    UserFactory(username="root", role="admin")
    client = Client(REMOTE_ADDR="203.0.113.20")
    # The admin's sign-in is the workspace's: it sends there, and back to the admin afterwards.
    sent = client.get("/admin/login/?next=/admin/")
    assert sent.status_code == 302 and sent["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 302  # posting the admin's old form signs nobody in
    for n in range(ACCOUNT_LIMIT):
        sign_in(client, "root", f"wrong-{n}", path=sent["Location"])
    locked = sign_in(client, "root", PASSWORD, path=sent["Location"])
    assert locked.status_code == 429 and b"Signing in is paused" in locked.content
    assert b'name="next" value="/admin/"' in locked.content  # still on its way to the admin
    assert client.get("/admin/").status_code == 302


def test_the_admin_after_signing_in() -> None:
    UserFactory(username="root", role="admin")
    client = Client()
    signed_in = client.post("/accounts/login/?next=/admin/", {"login": "root", "password": PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"  # already signed in: on to the admin
    procurement = Client()
    procurement.force_login(UserFactory(role="procurement"))
    assert procurement.get("/admin/login/").status_code == 403  # not staff: refused, not asked again


def test_the_username_counts_in_any_case() -> None:
    """Sign-in matches usernames in any case, so the lockout counts "CTO" and "cto" as one account."""
    UserFactory(username="cto")
    client = Client(REMOTE_ADDR="203.0.113.25")
    variants = ["cto", "CTO", "Cto", "cTo", "ctO", " cto ", "CTo", "cTO", "CtO", "cto"]
    statuses = [sign_in(client, name, "wrong").status_code for name in variants]
    assert statuses == [200] * (ACCOUNT_LIMIT - 1) + [429]
    assert sign_in(Client(REMOTE_ADDR="192.0.2.9"), "Cto", PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"cto"}


def test_a_locked_out_attempt_hashes_no_password() -> None:
    UserFactory(username="cto")
    client = Client(REMOTE_ADDR="203.0.113.30")
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "cto", "wrong")
    with mock.patch.object(User, "check_password", autospec=True, return_value=False) as check:
        for _ in range(5):
            assert sign_in(client, "cto", "wrong").status_code == 429
        assert sign_in(Client(REMOTE_ADDR="203.0.113.31"), "cto", PASSWORD).status_code == 429
    check.assert_not_called()


def test_a_wrong_password_costs_one_check() -> None:
    UserFactory(username="cto")
    with mock.patch.object(User, "check_password", autospec=True, return_value=False) as check:
        assert sign_in(Client(REMOTE_ADDR="203.0.113.32"), "cto", "wrong").status_code == 200
    assert check.call_count == 1


def test_the_same_page_for_an_account_that_does_not_exist() -> None:
    client = Client(REMOTE_ADDR="203.0.113.40")
    for _ in range(ACCOUNT_LIMIT - 1):
        sign_in(client, "nobody", "wrong")
    response = sign_in(client, "nobody", "wrong")
    assert response.status_code == 429 and b"Signing in is paused" in response.content


def test_the_right_password_works_again_after_the_cool_off() -> None:
    UserFactory(username="cto")
    client = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "cto", "wrong")
    assert sign_in(client, "cto", PASSWORD).status_code == 429
    # The last failure (the refused right password counts too) was more than the cool-off ago.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(client, "cto", PASSWORD).status_code == 302


def test_an_admin_unlocks_from_the_admin() -> None:
    UserFactory(username="cto")
    client = Client(REMOTE_ADDR="203.0.113.60")
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "cto", "wrong")
    assert sign_in(client, "cto", PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(UserFactory(role="admin"))
    listing = admin.get("/admin/axes/accessattempt/", {"q": "cto"})
    assert listing.status_code == 200 and b"cto" in listing.content
    rows = [str(pk) for pk in AccessAttempt.objects.filter(username="cto").values_list("pk", flat=True)]
    confirm = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": rows})
    assert confirm.status_code == 200  # Django's "are you sure?" page
    done = admin.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": rows, "post": "yes"}
    )
    assert done.status_code == 302
    assert sign_in(client, "cto", PASSWORD).status_code == 302


def test_the_command_unlocks_an_account() -> None:
    UserFactory(username="cto")
    client = Client(REMOTE_ADDR="203.0.113.70")
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "cto", "wrong")
    call_command("axes_reset_username", "cto", stdout=io.StringIO())
    assert sign_in(client, "cto", PASSWORD).status_code == 302


def test_a_later_sign_in_step_plugs_in() -> None:
    """An MFA step checks its code itself: it asks first, and reports each wrong code."""
    request = RequestFactory().post("/accounts/mfa/", REMOTE_ADDR="203.0.113.80")
    assert sign_in_step_allowed(request, "cto")
    for _ in range(ACCOUNT_LIMIT):
        sign_in_step_failed(RequestFactory().post("/accounts/mfa/", REMOTE_ADDR="203.0.113.80"), "cto", step="mfa")
    assert not sign_in_step_allowed(RequestFactory().post("/accounts/mfa/", REMOTE_ADDR="198.51.100.1"), "cto")
    # …and the account is locked on the sign-in page too.
    UserFactory(username="cto")
    assert sign_in(Client(REMOTE_ADDR="198.51.100.2"), "cto", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "", "203.0.113.1", "203.0.113.1"),
        (0, "198.51.100.9", "203.0.113.1", "203.0.113.1"),  # no proxy trusted: the header is the client's
        (1, "198.51.100.9", "10.0.0.2", "198.51.100.9"),
        (1, "6.6.6.6, 198.51.100.9", "10.0.0.2", "198.51.100.9"),  # what the client wrote itself is ignored
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.1", "10.0.0.2", "198.51.100.9"),
        (1, "not-an-address", "10.0.0.2", "10.0.0.2"),
        (1, "", "10.0.0.2", "10.0.0.2"),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, proxies, forwarded, remote, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_sign_in_and_the_lockout_work_with_redis_down(settings) -> None:
    """The counts are in the database: nothing of signing in needs the cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    UserFactory(username="cto")
    assert sign_in(Client(REMOTE_ADDR="203.0.113.100"), "cto", PASSWORD).status_code == 302
    client = Client(REMOTE_ADDR="203.0.113.101")
    statuses = [sign_in(client, "cto", "wrong").status_code for _ in range(ACCOUNT_LIMIT)]
    assert statuses[-1] == 429
