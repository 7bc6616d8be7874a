"""A SAML 2.0 identity provider made by the test: its metadata, and signed Responses to the workspace's
AuthnRequests (python3-saml's own signing, with a key and certificate the test generated)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from django.test import Client
from django.urls import reverse
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from tests.accounts.sso.keys import SigningKey

IDP_ENTITY_ID = "https://idp.example.test/realms/test"
IDP_SSO_URL = "https://idp.example.test/realms/test/protocol/saml"
SLUG = "sso"
# allauth hands python3-saml the Host header (browsers always send one; Django's test client does not).
HOST = {"HTTP_HOST": "testserver"}


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeSAMLIdP:
    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def env(self, **more: str) -> dict[str, str]:
        return {
            "SSO_SAML_IDP_ENTITY_ID": IDP_ENTITY_ID,
            "SSO_SAML_IDP_SSO_URL": IDP_SSO_URL,
            "SSO_SAML_IDP_X509_CERT": self.key.certificate_pem,
            "SSO_SAML_NAME": "Test SAML IdP",
            **more,
        }

    def metadata(self) -> str:
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP_ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{self.key.certificate_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{IDP_SSO_URL}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    def start(self, client: Client) -> str:
        """Press the button: the workspace redirects to the IdP with an AuthnRequest; its ID."""
        response = client.post(reverse("saml_login", kwargs={"organization_slug": SLUG}), **HOST)
        assert response.status_code == 302, response.content[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == IDP_SSO_URL
        request_xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(parse_qs(location.query)["SAMLRequest"][0])
        return str(etree.fromstring(request_xml).get("ID"))

    def response_xml(
        self,
        *,
        in_response_to: str | None,
        name_id: str,
        attributes: dict[str, list[str]],
        audience: str = f"http://testserver/accounts/saml/{SLUG}/metadata/",
        lifetime: dt.timedelta = dt.timedelta(minutes=5),
    ) -> str:
        now = dt.datetime.now(dt.UTC)
        acs = f"http://testserver/accounts/saml/{SLUG}/acs/"
        answers = f' InResponseTo="{in_response_to}"' if in_response_to else ""
        statements = "".join(
            f"<saml:Attribute Name={quoteattr(name)}>"
            + "".join(f"<saml:AttributeValue>{escape(value)}</saml:AttributeValue>" for value in values)
            + "</saml:Attribute>"
            for name, values in attributes.items()
        )
        return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{secrets.token_hex(16)}" Version="2.0" IssueInstant="{_instant(now)}" Destination="{acs}"{answers}>
<saml:Issuer>{IDP_ENTITY_ID}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_{secrets.token_hex(16)}" Version="2.0" IssueInstant="{_instant(now)}">
<saml:Issuer>{IDP_ENTITY_ID}</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{escape(name_id)}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{_instant(now + lifetime)}" Recipient="{acs}"{answers}/></saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{_instant(now - dt.timedelta(minutes=1))}" NotOnOrAfter="{_instant(now + lifetime)}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="_{secrets.token_hex(8)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>{statements}</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>"""

    def sign(self, xml: str, *, key: SigningKey | None = None) -> str:
        """The Response signed (enveloped signature of the whole message, as Keycloak sends it)."""
        signer = key or self.key
        signed = OneLogin_Saml2_Utils.add_sign(xml, signer.private_pem, signer.certificate_pem)
        return signed.decode() if isinstance(signed, bytes) else str(signed)

    def sign_assertion(self, xml: str) -> str:
        """Only the Assertion signed (as Entra ID sends it by default)."""
        document = etree.fromstring(xml.encode())
        assertion = document.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
        signed = etree.fromstring(
            OneLogin_Saml2_Utils.add_sign(etree.tostring(assertion), self.key.private_pem, self.key.certificate_pem)
        )
        document.replace(assertion, signed)
        return etree.tostring(document).decode()

    def post(self, client: Client, response_xml: str) -> Any:
        """Post the Response to the ACS as the browser would, and follow to the end of the sign-in."""
        encoded = base64.b64encode(response_xml.encode()).decode()
        acs = reverse("saml_acs", kwargs={"organization_slug": SLUG})
        response = client.post(acs, {"SAMLResponse": encoded}, **HOST)
        assert response.status_code == 302
        assert response["Location"] == reverse("saml_finish_acs", kwargs={"organization_slug": SLUG})
        return client.get(response["Location"], **HOST)
