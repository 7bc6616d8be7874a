"""An OpenID Connect provider served by pytest-httpserver on 127.0.0.1: discovery, JWKS, token and userinfo
endpoints, ID tokens signed with a key the test made. The authorisation step (a person signing in at the
provider) is the test itself: it reads the redirect and calls the callback with a code."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from django.test import Client
from django.urls import reverse
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.accounts.sso.keys import SigningKey

CLIENT_ID = "vendor-governance"
CLIENT_SECRET = "test-client-secret"
PROVIDER_ID = "sso"


class FakeOIDCProvider:
    def __init__(self, server: HTTPServer, key: SigningKey, *, kid: str = "test-key") -> None:
        self.server = server
        self.key = key
        self.kid = kid
        self.issuer = server.url_for("/realms/test")
        self.authorization_endpoint = server.url_for("/realms/test/auth")
        # What the next sign-in says about the person; a test changes it between sign-ins.
        self.claims: dict[str, Any] = {}
        # Changes a test makes to the next ID token (a wrong audience, an old expiry…) or its key.
        self.id_token_overrides: dict[str, Any] = {}
        self.sign_with: SigningKey | None = None
        self.reuse_jti: str | None = None
        self.code_challenge: str | None = None
        self.token_requests: list[dict[str, str]] = []
        base = "/realms/test"
        server.expect_request(f"{base}/.well-known/openid-configuration").respond_with_json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.authorization_endpoint,
                "token_endpoint": server.url_for(f"{base}/token"),
                "userinfo_endpoint": server.url_for(f"{base}/userinfo"),
                "jwks_uri": server.url_for(f"{base}/certs"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )
        server.expect_request(f"{base}/certs").respond_with_handler(self._jwks)
        server.expect_request(f"{base}/token", method="POST").respond_with_handler(self._token)
        server.expect_request(f"{base}/userinfo").respond_with_handler(self._userinfo)

    def person(self, *, sub: str, email: str, groups: list[str], username: str | None = None, **more: Any) -> None:
        self.claims = {
            "sub": sub,
            "email": email,
            "email_verified": True,
            "preferred_username": username or email.split("@")[0],
            "given_name": "Test",
            "family_name": "Person",
            "groups": groups,
            **more,
        }

    def _jwks(self, request: Request) -> Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return Response(json.dumps({"keys": [jwk]}), content_type="application/json")

    def id_token(self) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "jti": self.reuse_jti or secrets.token_hex(8),
            **self.claims,
            **self.id_token_overrides,
        }
        signer = self.sign_with or self.key
        return jwt.encode(payload, signer.private_key, algorithm="RS256", headers={"kid": self.kid})

    def _token(self, request: Request) -> Response:
        form = request.form.to_dict()
        self.token_requests.append(form)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        client_ok = form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
        if form.get("code") != "the-code" or not client_ok or challenge != self.code_challenge:
            return Response(json.dumps({"error": "invalid_grant"}), status=400, content_type="application/json")
        body = {"access_token": "access-" + secrets.token_hex(8), "token_type": "Bearer", "expires_in": 300}
        body["id_token"] = self.id_token()
        return Response(json.dumps(body), content_type="application/json")

    def _userinfo(self, request: Request) -> Response:
        if not request.headers.get("Authorization", "").startswith("Bearer access-"):
            return Response(status=401)
        return Response(json.dumps(self.claims), content_type="application/json")

    def env(self, **more: str) -> dict[str, str]:
        """The environment that points the workspace at this provider."""
        return {
            "SSO_OIDC_SERVER_URL": self.issuer,
            "SSO_OIDC_CLIENT_ID": CLIENT_ID,
            "SSO_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "SSO_OIDC_NAME": "Test IdP",
            "SSO_OIDC_SCOPES": "openid profile email groups",
            **more,
        }

    def sign_in(self, client: Client) -> Any:
        """Press the button (POST), "sign in" at the provider, come back to the callback: its response."""
        response = client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))
        assert response.status_code == 302, response.content[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.authorization_endpoint
        query = parse_qs(location.query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["code_challenge_method"] == ["S256"]
        assert "groups" in query["scope"][0].split()
        self.code_challenge = query["code_challenge"][0]
        callback = urlsplit(query["redirect_uri"][0]).path
        assert callback == reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
        return client.get(callback, {"code": "the-code", "state": query["state"][0]})
