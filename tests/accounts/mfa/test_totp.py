"""An authenticator app (TOTP): set up on its page from the QR code, then asked for after the password;
recovery codes work once each; a wrong code is refused and counts towards the sign-in lockout."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory

from apps.accounts.lockout import sign_in_step_failed
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


def test_set_up_an_app_then_sign_in_with_password_and_code(clock: SimpleNamespace) -> None:
    user = UserFactory(username="cto", role="executive")
    client = Client()
    assert sign_in(client, "cto").status_code == 302
    assert signed_in_user(client) == user  # no authenticator yet: the password is enough

    confirm_password(client, then="/accounts/2fa/totp/activate/")
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="mfa-qr" src="data:image/svg+xml;base64,' in html
    secret = secret_on_page(html)

    assert client.post("/accounts/2fa/totp/activate/", {"code": "000000"}).status_code == 200  # wrong: stays
    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"  # backed up at once
    codes_page = client.get(activated["Location"]).content.decode()
    assert "10 of 10 codes unused" in codes_page
    codes = RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert stored and secret not in stored  # sealed at rest

    client.post("/accounts/logout/")
    clock.now = NOW + 60  # a later code than the one used to activate
    first = sign_in(client, "cto")
    assert first.status_code == 302 and first["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_user(client) is None  # not yet
    assert client.get("/").status_code == 302
    form = client.get("/accounts/2fa/authenticate/")
    assert form.status_code == 200 and 'name="code"' in form.content.decode()

    done = enter_code(client, totp_code(secret, at=clock.now))
    assert done.status_code == 302
    assert signed_in_user(client) == user
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_once(clock: SimpleNamespace) -> None:
    enrol_totp(UserFactory(username="cto"))
    code = totp_code(SECRET)
    client = Client()
    sign_in(client, "cto")
    assert enter_code(client, code).status_code == 302
    client.post("/accounts/logout/")
    other = Client()
    sign_in(other, "cto")
    replayed = enter_code(other, code)
    assert replayed.status_code == 200 and "Incorrect code" in replayed.content.decode()
    assert signed_in_user(other) is None


def test_a_recovery_code_signs_in_once(clock: SimpleNamespace) -> None:
    user = UserFactory(username="cto")
    codes = enrol_totp(user)
    client = Client()
    sign_in(client, "cto")
    assert enter_code(client, codes[3]).status_code == 302
    assert signed_in_user(client) == user
    client.post("/accounts/logout/")

    sign_in(client, "cto")
    again = enter_code(client, codes[3])
    assert again.status_code == 200 and "Incorrect code" in again.content.decode()
    assert signed_in_user(client) is None
    assert enter_code(client, codes[4]).status_code == 302  # another one still works
    assert signed_in_user(client) == user


def test_a_wrong_code_is_refused_and_counted(clock: SimpleNamespace) -> None:
    enrol_totp(UserFactory(username="cto"))
    client = Client(REMOTE_ADDR="203.0.113.20")
    sign_in(client, "cto")
    for attempt in (1, 2, 3):
        wrong = enter_code(client, "123456" if totp_code(SECRET) != "123456" else "654321")
        assert wrong.status_code == 200
        assert "Incorrect code" in wrong.content.decode()
        assert signed_in_user(client) is None
        failures = sum(AccessAttempt.objects.filter(username="cto").values_list("failures_since_start", flat=True))
        assert failures == attempt  # the password's success counted nothing; each wrong code one


def test_the_last_allowed_wrong_code_locks_the_account_out(clock: SimpleNamespace) -> None:
    enrol_totp(UserFactory(username="cto"))
    limit = settings.SIGN_IN_FAILURE_LIMITS["username"]
    for _ in range(limit - 1):  # earlier failures, from elsewhere
        sign_in_step_failed(
            RequestFactory().post("/accounts/2fa/authenticate/", REMOTE_ADDR="198.51.100.7"), "cto", step="mfa"
        )
    client = Client(REMOTE_ADDR="203.0.113.21")
    assert sign_in(client, "cto")["Location"] == "/accounts/2fa/authenticate/"

    locked = enter_code(client, "000000" if totp_code(SECRET) != "000000" else "111111")
    assert locked.status_code == 429  # the lockout page
    assert "Retry-After" in locked

    refused = enter_code(client, totp_code(SECRET))  # even the right code now
    assert signed_in_user(client) is None
    assert refused.status_code == 200  # refused before the code is checked
    assert "Signing in is paused" in refused.content.decode()
