"""Passwords: at least 12 characters and not a common one, wherever a password is set — the admin's
forms, the service that creates people, changing one's own and setting a new one from a reset link;
the published demo password passes. A reset link goes by e-mail, on SITE_URL, only to an account that
may use a local password, and the page answers the same for every address."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
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


# -- changing one's password (signed in) ------------------------------------------------------------------


def test_change_password_from_the_user_menu() -> None:
    user = UserFactory(username="priya", first_name="Priya")
    client = Client()
    client.force_login(user)
    assert 'href="/accounts/password/change/"' in client.get("/").content.decode()
    page = client.get("/accounts/password/change/").content.decode()
    assert '<main id="main" class="manage">' in page and "Change your password" in page
    assert 'name="oldpassword"' in page and 'name="password1"' in page and 'name="password2"' in page

    new = "a-much-longer-secret-2026"
    changed = client.post(
        "/accounts/password/change/", {"oldpassword": "pass-word-123", "password1": new, "password2": new}, follow=True
    )
    assert "Your password has been changed." in changed.content.decode()
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get("/").status_code == 200  # still signed in here
    [notice] = mail.outbox
    assert notice.subject == "[Vendor Governance] Your password was changed" and notice.to == ["priya@example.com"]
    assert notice.body.startswith("Hello Priya") and "ask an administrator of Vendor Governance" in notice.body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"oldpassword": "wrong-old-password", "password1": "a-much-longer-secret-2026"}, "That is not your current"),
        ({"oldpassword": "pass-word-123", "password1": "short-pw-1"}, "at least 12 characters"),
        ({"oldpassword": "pass-word-123", "password1": "password1234"}, "too common"),
    ],
)
def test_change_password_refusals(data: dict[str, str], message: str) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/password/change/", {**data, "password2": data["password1"]})
    assert response.status_code == 200 and message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("pass-word-123")


def test_changing_the_password_signs_out_other_browsers() -> None:
    user = UserFactory()
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.post("/accounts/login/", {"login": user.username, "password": "pass-word-123"}).status_code == 302
    new = "a-much-longer-secret-2026"
    here.post("/accounts/password/change/", {"oldpassword": "pass-word-123", "password1": new, "password2": new})
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_change_password_with_local_passwords_off(settings) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/password/change/").content.decode()
    assert "local passwords are turned off for your account." in page and 'name="password1"' not in page
    new = "a-much-longer-secret-2026"
    client.post("/accounts/password/change/", {"oldpassword": "pass-word-123", "password1": new, "password2": new})
    user.refresh_from_db()
    assert user.check_password("pass-word-123")


# -- a forgotten password: a link by e-mail ------------------------------------------------------------------


def reset_link(message: Any) -> str:
    [link] = re.findall(r"https?://\S+", message.body.split("— Vendor Governance")[0])
    return link


def test_reset_by_e_mail(settings) -> None:
    settings.SITE_URL = "https://governance.example.com"
    user = UserFactory(username="priya", first_name="Priya", email="Priya@Example.com")
    client = Client()
    assert client.get("/accounts/password_reset/")["Location"] == "/accounts/password/reset/"
    assert 'name="email"' in client.get("/accounts/password/reset/").content.decode()
    asked = client.post("/accounts/password/reset/", {"email": "priya@example.COM"}, HTTP_HOST="127.0.0.1")
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password/reset/done/"
    [message] = mail.outbox
    assert message.subject == "[Vendor Governance] Set a new password" and message.to == ["Priya@Example.com"]
    assert message.body.startswith("Hello Priya") and '"priya"' in message.body
    link = reset_link(message)
    assert link.startswith("https://governance.example.com/accounts/password/reset/key/")  # never the Host header

    path = urlsplit(link).path
    form = client.get(path, follow=True)
    assert "Set a new password" in form.content.decode()
    new = "a-much-longer-secret-2026"
    done = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new}, follow=True)
    assert "Your new password is set." in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(new)
    assert mail.outbox[-1].subject == "[Vendor Governance] Your password was reset"
    # The link worked once.
    again = client.get(path, follow=True).content.decode()
    assert "This link is not valid any more" in again
    assert client.post("/accounts/login/", {"login": "priya", "password": new}).status_code == 302


def same_answer_and_no_mail(client: Client, email: str) -> None:
    response = client.post("/accounts/password/reset/", {"email": email}, follow=True)
    assert response.redirect_chain == [("/accounts/password/reset/done/", 302)]
    assert "If an account of Vendor Governance has that address" in response.content.decode()
    assert mail.outbox == []


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing() -> None:
    same_answer_and_no_mail(Client(), "nobody@example.com")


def test_reset_for_a_deactivated_account_sends_nothing() -> None:
    UserFactory(username="gone", is_active=False)
    same_answer_and_no_mail(Client(), "gone@example.com")


def test_reset_with_local_passwords_off_sends_nothing_but_to_break_glass(settings) -> None:
    settings.LOCAL_PASSWORD_SIGN_IN = False
    settings.SSO_BREAK_GLASS_USERNAMES = ["root"]
    UserFactory(username="priya")
    UserFactory(username="root", role="admin")
    same_answer_and_no_mail(Client(), "priya@example.com")
    Client().post("/accounts/password/reset/", {"email": "root@example.com"})
    assert [message.to for message in mail.outbox] == [["root@example.com"]]


def test_a_link_sent_before_local_passwords_were_turned_off_does_not_work(settings) -> None:
    user = UserFactory(username="priya")
    client = Client()
    client.post("/accounts/password/reset/", {"email": "priya@example.com"})
    path = urlsplit(reset_link(mail.outbox[0])).path
    settings.LOCAL_PASSWORD_SIGN_IN = False
    form = client.get(path, follow=True)
    new = "a-much-longer-secret-2026"
    refused = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert "local passwords are turned off for your account." in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password("pass-word-123")
