"""Signing in through SAML 2.0: the IdP's Responses are made and signed in the test (saml_idp.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_httpserver import HTTPServer

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.accounts.sso.providers import sso_providers_from_env
from tests.accounts.sso.keys import SigningKey
from tests.accounts.sso.saml_idp import IDP_ENTITY_ID, SLUG, FakeSAMLIdP

pytestmark = pytest.mark.django_db

EMAIL = "urn:oid:0.9.2342.19200300.100.1.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
AUDIENCE = f"http://testserver/accounts/saml/{SLUG}/metadata/"


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def attributes(email: str, *groups: str) -> dict[str, list[str]]:
    return {EMAIL: [email], GIVEN_NAME: ["Sam"], "username": [email.split("@")[0]], "groups": list(groups)}


def test_a_signed_response_signs_the_person_in_with_the_role_of_their_group(
    client: Client, saml_idp: FakeSAMLIdP
) -> None:
    request_id = saml_idp.start(client)
    xml = saml_idp.response_xml(
        in_response_to=request_id, name_id="sam-okafor", attributes=attributes("sam@example.com", "vg-security", "x")
    )

    response = saml_idp.post(client, saml_idp.sign(xml))

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = signed_in_user(client)
    assert user is not None
    assert (user.username, user.email, user.first_name) == ("sam", "sam@example.com", "Sam")
    assert user.roles == ["security"]
    assert SocialAccount.objects.get(user=user, provider="saml").uid == "sam-okafor"


@pytest.mark.parametrize("want_assertion_signed", [False, True])
def test_a_signed_assertion_is_enough_and_can_be_required(
    client: Client, saml_idp: FakeSAMLIdP, settings: SettingsWrapper, want_assertion_signed: bool
) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(
        saml_idp.env(SSO_SAML_WANT_ASSERTION_SIGNED="true" if want_assertion_signed else "")
    )

    def sign_in(sign: Callable[[str], str], email: str) -> int:
        xml = saml_idp.response_xml(
            in_response_to=saml_idp.start(client), name_id=email, attributes=attributes(email, "vg-procurement")
        )
        status = saml_idp.post(client, sign(xml)).status_code
        client.post(reverse("logout"))
        return status

    assert sign_in(saml_idp.sign_assertion, "a@example.com") == 302
    # Only the message signed: accepted unless the assertion's own signature is required.
    assert sign_in(saml_idp.sign, "m@example.com") == (401 if want_assertion_signed else 302)


def test_the_existing_person_is_linked_and_their_roles_follow_the_groups(
    client: Client, saml_idp: FakeSAMLIdP, settings: SettingsWrapper
) -> None:
    settings.SSO_CREATE_USERS = False
    person = user_create(username="marco", password=None, role="security", email="Marco.Rossi@example.com")

    xml = saml_idp.response_xml(
        in_response_to=saml_idp.start(client),
        name_id="marco",
        attributes=attributes("marco.rossi@example.com", "vg-admins"),
    )
    saml_idp.post(client, saml_idp.sign(xml))

    assert signed_in_user(client) == person
    person = User.objects.get(pk=person.pk)
    assert person.roles == ["admin"] and person.is_staff


def test_metadata_from_a_url(
    client: Client, saml_idp: FakeSAMLIdP, httpserver: HTTPServer, settings: SettingsWrapper
) -> None:
    httpserver.expect_request("/idp/metadata").respond_with_data(saml_idp.metadata(), content_type="text/xml")
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env(
        {"SSO_SAML_IDP_ENTITY_ID": IDP_ENTITY_ID, "SSO_SAML_IDP_METADATA_URL": httpserver.url_for("/idp/metadata")}
    )
    xml = saml_idp.response_xml(
        in_response_to=saml_idp.start(client), name_id="p", attributes=attributes("p@example.com", "vg-procurement")
    )

    saml_idp.post(client, saml_idp.sign(xml))

    assert signed_in_user(client) == User.objects.get(email="p@example.com")


@pytest.mark.parametrize("fault", ["tampered", "unsigned", "other key", "other audience", "expired"])
def test_a_response_that_does_not_check_out_is_refused(
    client: Client, saml_idp: FakeSAMLIdP, other_key: SigningKey, fault: str
) -> None:
    request_id = saml_idp.start(client)
    xml = saml_idp.response_xml(
        in_response_to=request_id,
        name_id="mallory",
        attributes=attributes("mallory@example.com", "vg-procurement"),
        audience="https://another-service.example.test/" if fault == "other audience" else AUDIENCE,
        lifetime=dt.timedelta(minutes=-5) if fault == "expired" else dt.timedelta(minutes=5),
    )
    if fault == "tampered":
        posted = saml_idp.sign(xml).replace(">vg-procurement<", ">vg-admins<")
        assert ">vg-admins<" in posted
    elif fault == "unsigned":
        posted = xml
    elif fault == "other key":
        posted = saml_idp.sign(xml, key=other_key)
    else:
        posted = saml_idp.sign(xml)

    response = saml_idp.post(client, posted)

    assert response.status_code in (401, 403)
    assert b"data-sso-error" in response.content
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()


def test_a_replayed_response_is_refused(client: Client, saml_idp: FakeSAMLIdP) -> None:
    xml = saml_idp.sign(
        saml_idp.response_xml(
            in_response_to=saml_idp.start(client),
            name_id="priya",
            attributes=attributes("priya@example.com", "vg-procurement"),
        )
    )
    assert saml_idp.post(client, xml).status_code == 302
    client.post(reverse("logout"))

    # Again in the same browser, and from another browser that never asked for it.
    for browser in (client, Client()):
        response = saml_idp.post(browser, xml)
        assert response.status_code == 403
        assert b"data-sso-error" in response.content
        assert signed_in_user(browser) is None


def test_an_unsolicited_response_is_refused(client: Client, saml_idp: FakeSAMLIdP) -> None:
    xml = saml_idp.sign(
        saml_idp.response_xml(
            in_response_to=None, name_id="priya", attributes=attributes("priya@example.com", "vg-procurement")
        )
    )

    response = saml_idp.post(client, xml)

    assert response.status_code in (401, 403)
    assert signed_in_user(client) is None


def test_no_mapped_group_is_refused(client: Client, saml_idp: FakeSAMLIdP) -> None:
    xml = saml_idp.sign(
        saml_idp.response_xml(
            in_response_to=saml_idp.start(client), name_id="g", attributes=attributes("g@example.com", "staff")
        )
    )

    response = saml_idp.post(client, xml)

    assert response.status_code == 403
    assert b"No role in Vendor Governance" in response.content
    assert not User.objects.filter(email="g@example.com").exists()


def test_the_service_provider_metadata_is_published(client: Client, saml_idp: FakeSAMLIdP) -> None:
    response = client.get(reverse("saml_metadata", kwargs={"organization_slug": SLUG}), HTTP_HOST="testserver")

    assert response.status_code == 200
    assert b"http://testserver/accounts/saml/sso/acs/" in response.content
