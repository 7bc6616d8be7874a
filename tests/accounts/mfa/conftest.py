"""Helpers of the MFA tests: a fixed clock for TOTP codes, codes computed here (RFC 6238), signing in
through the pages, and a cache of each test's own for allauth's rate limits and used codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth import SESSION_KEY
from django.test import Client

from apps.accounts.models import User

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, 20 bytes
NOW = 1_900_000_000.0  # the fixed clock allauth reads TOTP codes against (a 30-second step starts here)


def totp_code(secret: str, at: float = NOW, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows at ``at`` (RFC 6238 over RFC 4226), computed here rather
    than with allauth's own function."""
    counter = struct.pack(">Q", int(at) // step)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


@pytest.fixture(autouse=True)
def own_cache(settings: Any, request: pytest.FixtureRequest) -> None:
    """allauth keeps its rate limits and the TOTP codes already used in Django's cache: each test gets
    an empty one of its own, so no count leaks from one test (or run) to the next."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The time allauth checks TOTP codes at, fixed (``clock.now``; tests move it)."""
    fake = SimpleNamespace(now=NOW)
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: fake.now))
    yield fake


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"login": username, "password": password})


def age_sign_in(client: Client, seconds: int = 10 * 60) -> None:
    """Move the session's record of signing in ``seconds`` back (allauth keeps when each happened)."""
    session = client.session
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    for record in records:
        record["at"] = float(record["at"]) - seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def confirm_password(client: Client, then: str, password: str = PASSWORD) -> Any:
    """Adding or removing an authenticator asks for the password again (allauth's reauthentication)
    once the sign-in is older than ACCOUNT_REAUTHENTICATION_TIMEOUT: the sign-in is aged first."""
    age_sign_in(client)
    asked = client.get(then)
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    confirmed = client.post(asked["Location"], {"password": password})
    assert confirmed.status_code == 302, confirmed.content.decode()[:2000]
    return confirmed


def enter_code(client: Client, code: str) -> Any:
    return client.post("/accounts/2fa/authenticate/", {"code": code})


def enrol_totp(user: User, secret: str = SECRET) -> list[str]:
    """An authenticator app and recovery codes for ``user``, as the pages make them; → the codes."""
    totp_auth.TOTP.activate(user, secret)
    return list(RecoveryCodes.activate(user).get_unused_codes())


def secret_on_page(html: str) -> str:
    found = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', html)
    assert found, "the set-up key is on the page"
    return found.group(1)


def signed_in_user(client: Client) -> User | None:
    """Who the client's session is signed in as (None: nobody, e.g. half-way through signing in)."""
    user_id = client.session.get(SESSION_KEY)
    return User.objects.filter(pk=user_id).first() if user_id else None


@pytest.fixture
def authenticators() -> Callable[[User], list[str]]:
    return lambda user: sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))
