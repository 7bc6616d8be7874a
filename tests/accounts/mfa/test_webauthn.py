"""Security keys (WebAuthn) under the strict Content-Security-Policy: the pages load allauth's scripts
from static files and pass their settings in JSON data blocks (nothing inline runs). A software
authenticator made here (an ES256 key, "none" attestation) plays the browser and the key: a key is
added on its page, then signing in takes the password and the key."""

from __future__ import annotations

import json
import os
from typing import Any

import lxml.html
import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.staticfiles import finders
from django.test import Client
from fido2.cose import ES256
from fido2.utils import sha256, websafe_decode, websafe_encode
from fido2.webauthn import Aaguid, AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

from tests.accounts.mfa.conftest import (
    SECRET,
    confirm_password,
    enrol_totp,
    enter_code,
    sign_in,
    signed_in_user,
    totp_code,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RP_ID = "testserver"  # the host the test client talks to: allauth takes the relying party from it
ORIGIN = "https://testserver"


class SoftwareKey:
    """What a browser and a security key answer to navigator.credentials.create() / .get()."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _client_data(self, kind: str, options: dict[str, Any]) -> CollectedClientData:
        challenge = websafe_decode(options["publicKey"]["challenge"])
        return CollectedClientData.create(type=kind, challenge=challenge, origin=ORIGIN)

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        assert options["publicKey"]["rp"]["id"] == RP_ID
        client_data = self._client_data(CollectedClientData.TYPE.CREATE, options)
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        credential = AttestedCredentialData.create(Aaguid.NONE, self.credential_id, public_key)
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
        auth_data = AuthenticatorData.create(sha256(RP_ID.encode()), flags, self.counter, credential)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
            },
            "clientExtensionResults": {},
        }

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        allowed = [websafe_decode(item["id"]) for item in options["publicKey"].get("allowCredentials", [])]
        assert self.credential_id in allowed
        client_data = self._client_data(CollectedClientData.TYPE.GET, options)
        self.counter += 1
        auth_data = AuthenticatorData.create(sha256(RP_ID.encode()), AuthenticatorData.FLAG.UP, self.counter)
        signature = self.private_key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
            },
            "clientExtensionResults": {},
        }


def scripts_run_nothing_inline(html: str) -> lxml.html.HtmlElement:
    """Every script is a static file or a JSON data block (which browsers never execute)."""
    page = lxml.html.fromstring(html)
    scripts = page.xpath("//script")
    assert scripts
    for script in scripts:
        if script.get("src"):
            assert script.get("src").startswith("/static/"), script.get("src")
            assert not (script.text or "").strip()
        else:
            assert script.get("type") == "application/json", lxml.html.tostring(script)[:200]
    assert not page.xpath("//*[@style]") and not page.xpath("//style")
    assert not [name for element in page.iter() for name in element.attrib if name.startswith("on")]
    return page


def js_data(page: lxml.html.HtmlElement) -> dict[str, Any]:
    return json.loads(page.get_element_by_id("js_data").text)


def test_add_a_security_key_then_sign_in_with_it() -> None:
    user = UserFactory(username="cto", role="executive")
    key = SoftwareKey()
    client = Client()
    sign_in(client, "cto")
    confirm_password(client, then="/accounts/2fa/webauthn/add/")

    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = scripts_run_nothing_inline(response.content.decode())
    sources = [script.get("src") for script in page.xpath("//script[@src]")]
    assert "/static/mfa/js/webauthn.js" in sources and "/static/account/js/onload.js" in sources
    assert all(finders.find(source.removeprefix("/static/")) for source in sources)  # collectstatic has them
    credential = key.create(js_data(page)["creation_options"])

    added = client.post("/accounts/2fa/webauthn/add/", {"name": "YubiKey 5", "credential": json.dumps(credential)})
    assert added.status_code == 302
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert str(stored) == "YubiKey 5"
    assert "YubiKey 5" in client.get("/accounts/2fa/webauthn/").content.decode()

    client.post("/accounts/logout/")
    assert sign_in(client, "cto")["Location"] == "/accounts/2fa/authenticate/"
    step = client.get("/accounts/2fa/authenticate/")
    page = scripts_run_nothing_inline(step.content.decode())
    assert page.get_element_by_id("mfa_webauthn_authenticate").text == "Use a security key"
    answer = key.get(js_data(page)["request_options"])
    signed = client.post("/accounts/2fa/authenticate/", {"credential": json.dumps(answer)})
    assert signed.status_code == 302
    assert signed_in_user(client) == user


def test_another_key_is_refused() -> None:
    user = UserFactory(username="cto")
    registered, stranger = SoftwareKey(), SoftwareKey()
    client = Client()
    sign_in(client, "cto")
    confirm_password(client, then="/accounts/2fa/webauthn/add/")
    page = lxml.html.fromstring(client.get("/accounts/2fa/webauthn/add/").content.decode())
    credential = registered.create(js_data(page)["creation_options"])
    client.post("/accounts/2fa/webauthn/add/", {"name": "Mine", "credential": json.dumps(credential)})
    client.post("/accounts/logout/")

    sign_in(client, "cto")
    page = lxml.html.fromstring(client.get("/accounts/2fa/authenticate/").content.decode())
    options = js_data(page)["request_options"]
    stranger.credential_id = registered.credential_id  # claims the registered key's id, signs with another
    refused = client.post("/accounts/2fa/authenticate/", {"credential": json.dumps(stranger.get(options))})
    assert refused.status_code == 200
    assert signed_in_user(client) is None
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN).last_used_at is None


def test_the_other_mfa_pages_run_nothing_inline(clock: Any) -> None:
    enrol_totp(UserFactory(username="cto"))
    client = Client()
    sign_in(client, "cto")
    scripts_run_nothing_inline(client.get("/accounts/2fa/authenticate/").content.decode())
    enter_code(client, totp_code(SECRET))
    confirm_password(client, then="/accounts/2fa/recovery-codes/")
    for path in ("/accounts/2fa/", "/accounts/2fa/recovery-codes/", "/accounts/2fa/totp/deactivate/"):
        response = client.get(path)
        assert response.status_code == 200, path
        scripts_run_nothing_inline(response.content.decode())
