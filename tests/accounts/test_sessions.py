"""Sessions end after SESSION_IDLE_TIMEOUT without a request and SESSION_COOKIE_AGE after signing in,
however active; the person is told why on the sign-in page; an htmx request is sent to sign in whole."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.accounts.middleware import ACTIVITY_RESOLUTION, LAST_ACTIVITY, SIGNED_IN_AT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_limits() -> None:
    idle, absolute = settings.SESSION_IDLE_TIMEOUT, settings.SESSION_COOKIE_AGE
    assert (idle, absolute) == (30 * 60, 12 * 60 * 60)


@pytest.fixture
def signed_in() -> Client:
    UserFactory(username="cto", role="executive")
    client = Client()
    assert client.post("/accounts/login/", {"login": "cto", "password": "pass-word-123"}).status_code == 302
    return client


def age(client: Client, **seconds_ago: float) -> None:
    """Move the session's clocks back (``signed_in_at=…``, ``last_activity=…`` seconds ago)."""
    session = client.session
    now = timezone.now().timestamp()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_signing_in_starts_both_clocks(signed_in: Client) -> None:
    session = signed_in.session
    assert session[SIGNED_IN_AT] == session[LAST_ACTIVITY]
    # No "remember me": the cookie ends with the browser, and the server ends the session after
    # SESSION_COOKIE_AGE whatever the browser does.
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert session.get_expire_at_browser_close() and session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_an_idle_session_ends(signed_in: Client) -> None:
    age(signed_in, last_activity=settings.SESSION_IDLE_TIMEOUT + 1)
    response = signed_in.get("/vendors/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/vendors/")
    page = signed_in.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in page
    assert signed_in.get("/").status_code == 302


def test_activity_keeps_a_session_alive(signed_in: Client) -> None:
    age(signed_in, last_activity=settings.SESSION_IDLE_TIMEOUT - 60)
    assert signed_in.get("/vendors/").status_code == 200
    # The request counted: the idle clock starts again (written at most once a minute).
    assert timezone.now().timestamp() - signed_in.session[LAST_ACTIVITY] < ACTIVITY_RESOLUTION
    age(signed_in, last_activity=ACTIVITY_RESOLUTION / 2)
    before = signed_in.session[LAST_ACTIVITY]
    assert signed_in.get("/").status_code == 200
    assert signed_in.session[LAST_ACTIVITY] == before


def test_a_session_ends_after_its_absolute_lifetime_however_active(signed_in: Client) -> None:
    age(signed_in, signed_in_at=settings.SESSION_COOKIE_AGE + 1, last_activity=5)
    response = signed_in.get("/")
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "a session lasts at most 12 hours" in page


def test_an_htmx_request_is_sent_to_sign_in_whole(signed_in: Client) -> None:
    age(signed_in, last_activity=settings.SESSION_IDLE_TIMEOUT + 1)
    response = signed_in.get(
        "/vendors/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/vendors/?status=active"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fvendors%2F%3Fstatus%3Dactive"


def test_a_session_from_before_the_limits_starts_its_clocks_now() -> None:
    client = Client()
    user = UserFactory()
    client.force_login(user)
    session = client.session
    del session[SIGNED_IN_AT]
    del session[LAST_ACTIVITY]
    session.save()
    assert client.get("/").status_code == 200
    assert client.session[SIGNED_IN_AT] == pytest.approx(timezone.now().timestamp(), abs=300)
