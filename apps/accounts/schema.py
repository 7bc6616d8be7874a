"""Describes the token authentication in the OpenAPI document (drf-spectacular extension)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.accounts.scopes import scopes_markdown


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`; create one on the tokens page (`/accounts/tokens/`) or "
            "with `manage.py create_api_token USERNAME --scope …`. Too many failed keys from one address: 429 "
            "with `Retry-After` until the window has passed.\n\n"
            "A token acts as its owner, within their role, and only as far as its scopes go (each operation "
            "states the scopes of which it needs one, `x-required-scopes`; without: 403 naming the scope):\n\n"
            f"{scopes_markdown()}\n\n"
            "A token limited to some vendors reads only their records, and a write that would touch another "
            "vendor's record is refused (403) with nothing changed.",
        }
