"""A lost phone: an administrator removes the person's authenticators in the admin, and the person signs
in with their password alone (then, in a required role, is held on enrolment)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.accounts.mfa.conftest import enrol_totp, sign_in, signed_in_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_admin_removes_a_persons_authenticators(settings: Any) -> None:
    person = UserFactory(username="cto", role="executive")
    enrol_totp(person)
    other = UserFactory(username="pm")
    enrol_totp(other)
    admin = Client()
    admin.force_login(UserFactory(username="boss", role="admin"))

    listed = admin.get(f"/admin/mfa/authenticator/?user__id__exact={person.pk}")
    assert listed.status_code == 200
    rows = list(Authenticator.objects.filter(user=person).values_list("pk", flat=True))
    assert len(rows) == 2  # the app and the recovery codes
    confirm = {"action": "delete_selected", "_selected_action": rows}
    assert admin.post("/admin/mfa/authenticator/", confirm).status_code == 200  # "are you sure?"
    done = admin.post("/admin/mfa/authenticator/", {**confirm, "post": "yes"})
    assert done.status_code == 302
    assert not Authenticator.objects.filter(user=person).exists()
    assert Authenticator.objects.filter(user=other).count() == 2  # nobody else's

    settings.MFA_REQUIRED_ROLES = ["executive"]
    client = Client()
    assert sign_in(client, "cto")["Location"] == "/"  # no code asked for any more
    assert signed_in_user(client) == person
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"  # and held on enrolment
