"""What each API token scope lets a token do, in words: for the tokens page, the OpenAPI document's
token scheme and the checks of a new token's scopes. The rule itself — which scope an operation needs —
is ``apps.core.permissions.required_scopes``, applied by every API view (``apps.core.api``)."""

from __future__ import annotations

from collections.abc import Iterable

from apps.accounts.choices import TokenScope
from apps.core.errors import ApplicationError

SCOPE_DESCRIPTIONS: dict[str, str] = {
    TokenScope.READ: "Read everything the person's role can read.",
    TokenScope.VENDORS_WRITE: (
        "Write vendors, vetting assessments, certifications, risks, access grants, service reviews and "
        "action items (and read them)."
    ),
    TokenScope.CONTRACTS_WRITE: (
        "Write contracts, clauses, exit plans and SLA terms; acknowledge, resolve and waive breaches (and read them)."
    ),
    TokenScope.MEASUREMENTS_WRITE: "Post KPI measurements, one at a time or in bulk (and read them).",
    TokenScope.TELEMETRY_WRITE: "Bind delivery tools to contracts and keep vendors' identity rules (and read them).",
    TokenScope.ADMIN: (
        "Everything the person's role allows, the administrative records included (KPI and function "
        "catalogues, FX rates, notifications, webhooks)."
    ),
}


def scope_label(scope: str) -> str:
    """``measurements:write — Post KPI measurements, …``."""
    return f"{scope} — {SCOPE_DESCRIPTIONS[scope]}"


def scopes_checked(scopes: Iterable[str]) -> list[str]:
    """The scopes of a new token in the catalogue's order, each once; unknown or none: refused."""
    given = {str(scope).strip() for scope in scopes}
    unknown = sorted(given - set(TokenScope.values))
    if unknown:
        raise ApplicationError(
            f"Unknown scope {', '.join(f'“{s}”' for s in unknown)}; choose from {', '.join(TokenScope.values)}.",
            field="scopes",
        )
    if not given:
        raise ApplicationError("Give the token at least one scope.", field="scopes")
    return [scope for scope in TokenScope.values if scope in given]


def scopes_markdown() -> str:
    """The scopes as a Markdown list (the OpenAPI document's token scheme)."""
    return "\n".join(f"- `{scope}`: {SCOPE_DESCRIPTIONS[scope]}" for scope in TokenScope.values)
