"""OpenID Connect sign-in: django-allauth's views, with the ID token's signature always checked.

allauth skips the signature of an ID token it fetched from the token endpoint itself, as OpenID Connect
Core 1.0 (3.1.3.7) permits when that channel is TLS. The workspace checks it anyway — issuer, audience,
expiry, and the signature against the provider's published keys (JWKS) — because the provider may be
reached over plain HTTP inside a private network (docker-compose's Keycloak), and a check that always
runs is one that is tested. These views answer the same addresses, under the same names, as allauth's
(``/accounts/oidc/<provider id>/login/`` and ``…/login/callback/``); apps/accounts/urls.py puts them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
import requests
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

# Signatures with a public key only: "none" and the shared-secret HMAC family are never accepted.
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
# Clocks of the workspace and the identity provider may differ by this much (seconds).
CLOCK_SKEW_SECONDS = 30


def _signing_key(id_token: str, jwks_uri: str) -> tuple[Any, str]:
    header = jwt.get_unverified_header(id_token)
    algorithm = header.get("alg")
    if algorithm not in SIGNING_ALGORITHMS:
        raise OAuth2Error(f"ID token signed with {algorithm!r}, which is not accepted.")
    with get_adapter().get_requests_session() as session:
        response = session.get(jwks_uri)
        response.raise_for_status()
        key_set = jwt.PyJWKSet.from_dict(response.json())
    kid = header.get("kid")
    candidates = [key for key in key_set.keys if key.public_key_use in (None, "sig")]
    if kid is not None:
        candidates = [key for key in candidates if key.key_id == kid]
    if len(candidates) != 1:
        raise OAuth2Error(f"No single signing key {kid!r} among the provider's published keys.")
    return candidates[0].key, algorithm


def id_token_verify(*, id_token: str, openid_config: Mapping[str, Any], client_id: str) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature, issuer, audience and times are checked
    (OpenID Connect Core 1.0, 3.1.3.7); anything wrong is an ``OAuth2Error`` (allauth's error page)."""
    try:
        key, algorithm = _signing_key(id_token, openid_config["jwks_uri"])
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key=key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=openid_config["issuer"],
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise OAuth2Error(f"Invalid ID token: {exc}") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OAuth2Error("Invalid ID token: several audiences and this client is not the authorised party.")
    jwtkit.verify_jti(claims)  # a token seen before (same issuer and jti) is refused
    return claims


class VerifyingOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, checking every ID token it decodes."""

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        return id_token_verify(id_token=id_token, openid_config=self.openid_config, client_id=app.client_id)


@login_not_required
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    adapter = VerifyingOpenIDConnectAdapter(request, provider_id)
    try:
        return OAuth2LoginView.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except requests.RequestException as exc:
        # The provider's discovery document is read before the redirect: a provider that is down or
        # unreachable ends on the sign-in error page, not a server error.
        return render_authentication_error(request, adapter.get_provider(), exception=exc)


@login_not_required
def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2CallbackView.adapter_view(VerifyingOpenIDConnectAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
