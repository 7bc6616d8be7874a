"""Multi-factor authentication (django-allauth's MFA: TOTP, recovery codes, WebAuthn security keys).

allauth asks a person who has an authenticator for a code after their password (its login stage) and
owns the pages under /accounts/2fa/. This module adds what the workspace needs around it
(docs/architecture/mfa.md):

- ``MFAAdapter``: authenticator secrets sealed at rest; the last authenticator of a person whose role
  requires MFA cannot be deactivated.
- ``AuthenticateForm``: a wrong code during sign-in counts against the account and the address like a
  wrong password (the sign-in lockout), and a locked-out account cannot try codes.
- ``MFARequiredMiddleware``: a person in one of ``MFA_REQUIRED_ROLES`` without an authenticator is held
  on the enrolment page until they set one up (an SSO sign-in is trusted when ``MFA_TRUST_SSO``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.utils import user_username
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from apps.accounts.choices import Role
from apps.accounts.lockout import sign_in_step_allowed, sign_in_step_failed
from apps.core.sealing import seal, unseal

# What a person signs in with as a second factor (recovery codes only back these up).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
SEAL_PURPOSE = "mfa authenticator secrets"
# Pages a person held for enrolment may still open (by URL name): allauth's MFA pages (all named
# mfa_*), confirming their password again (activating an authenticator asks for it), signing out, and
# the health checks.
EXEMPT_URL_NAMES = frozenset(
    {
        "logout",
        "account_logout",
        "account_reauthenticate",
        "account_reauthenticate_code",
        "account_confirm_reauthentication_code",
        "healthz",
        "readyz",
    }
)
TOKEN_SCHEMES = ("token ", "bearer ")


def mfa_required_roles(user: Any) -> list[str]:
    """The user's roles that require MFA (``MFA_REQUIRED_ROLES``); a superuser counts as an admin."""
    wanted = set(settings.MFA_REQUIRED_ROLES)
    if not wanted or not getattr(user, "is_authenticated", False):
        return []
    roles = set(user.roles)
    if user.is_superuser:
        roles.add(Role.ADMIN.value)
    return sorted(roles & wanted)


def has_second_factor(user: Any) -> bool:
    """Whether the user has an authenticator app or a security key."""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def signed_in_through_sso(request: HttpRequest, user: Any) -> bool:
    """Whether this session's sign-in went through an identity provider (allauth's record of how the
    session authenticated)."""
    return any(record.get("method") == "socialaccount" for record in get_authentication_records(request, user))


def mfa_enrolment_required(request: HttpRequest, user: Any) -> list[str]:
    """The roles for which this signed-in session must enrol an authenticator before going on (empty:
    nothing to do)."""
    roles = mfa_required_roles(user)
    if not roles:
        return []
    if settings.MFA_TRUST_SSO and signed_in_through_sso(request, user):
        return []
    if has_second_factor(user):
        return []
    return roles


def check_required_roles(roles: list[str]) -> None:
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ImproperlyConfigured(
            f"MFA_REQUIRED_ROLES names roles that do not exist: {', '.join(unknown)} (roles: {', '.join(Role.values)})."
        )


def _role_labels(roles: list[str]) -> str:
    return ", ".join(str(Role(role).label) for role in roles)


def enrolment_message(roles: list[str]) -> str:
    return (
        f"Your role ({_role_labels(roles)}) requires two-factor authentication. Set up an authenticator "
        "app or a security key to continue."
    )


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter for the workspace."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your role requires two-factor authentication: add a security key before you deactivate the "
            "authenticator app."
        ),
    }

    def get_totp_label(self, user: Any) -> str:
        # People sign in with their username; it names the entry in their authenticator app.
        return str(user_username(user) or user)

    # TOTP secrets and recovery-code seeds are stored sealed (apps.core.sealing), so neither a database
    # dump nor the admin's view of an authenticator shows them. Key: MFA_SECRET_KEY, else SECRET_KEY.
    def encrypt(self, text: str) -> str:
        return seal(text, purpose=SEAL_PURPOSE, key_setting="MFA_SECRET_KEY")

    def decrypt(self, encrypted_text: str) -> str:
        return unseal(encrypted_text, purpose=SEAL_PURPOSE, key_setting="MFA_SECRET_KEY")

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A person whose role requires MFA keeps at least one authenticator app or security key (the
        pages refuse to deactivate the last; an administrator can still remove it in the admin)."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        user = authenticator.user
        request = context.request
        if not mfa_required_roles(user):
            return True
        if settings.MFA_TRUST_SSO and request is not None and signed_in_through_sso(request, user):
            return True
        others = Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exclude(pk=authenticator.pk)
        return others.exists()


class AuthenticateForm(AllauthAuthenticateForm):
    """The code asked for after the password (``MFA_FORMS["authenticate"]``). A wrong code counts
    against the account and the address as a wrong password does; a locked-out account or address is
    refused without checking the code (docs/architecture/sign-in-and-headers.md, "A new sign-in step")."""

    def clean_code(self) -> str:
        request = context.request
        username = self.user.get_username()
        if not sign_in_step_allowed(request, username):
            raise ValidationError(
                "Signing in is paused after too many failed attempts for this account or from this network. "
                "Try again later.",
                code="locked_out",
            )
        try:
            return str(super().clean_code())
        except ValidationError as error:
            if error.code == "incorrect_code":
                sign_in_step_failed(request, username, step="mfa")
            raise


class MFARequiredMiddleware:
    """After ``AccountMiddleware`` and ``SessionTimeoutMiddleware``. A signed-in person whose role is in
    ``MFA_REQUIRED_ROLES`` and who has no authenticator app or security key is held on the enrolment
    page: every page but the MFA pages, signing out and the health checks redirects there with a message
    saying why (an htmx request is told to load it whole); an API request on the session answers 403
    with JSON. Requests with an API token are not affected (a token is not a sign-in), nor is a session
    signed in through SSO while ``MFA_TRUST_SSO`` is on (the identity provider asks for its own second
    factor)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        check_required_roles(list(settings.MFA_REQUIRED_ROLES))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_ROLES:
            held = self.hold(request)
            if held is not None:
                return held
        return self.get_response(request)

    def hold(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.headers.get("Authorization", "").lower().startswith(TOKEN_SCHEMES):
            return None
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")) or path == "/favicon.ico":
            return None
        roles = mfa_enrolment_required(request, user)
        if not roles:
            return None
        name = self.url_name(path)
        exempt = name.startswith("mfa_") or name in EXEMPT_URL_NAMES
        message = enrolment_message(roles)
        if path.startswith("/api/"):
            return None if exempt else JsonResponse({"detail": message, "code": "mfa_enrolment_required"}, status=403)
        if request.method == "GET" and name not in ("healthz", "readyz"):
            # Shown on the enrolment page (or on the password confirmation allauth asks for first).
            self.tell(request, message)
        if exempt:
            return None
        enrol = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = enrol
            return response
        return HttpResponseRedirect(enrol)

    @staticmethod
    def tell(request: HttpRequest, message: str) -> None:
        """The reason, once: not again while it waits to be shown."""
        storage = messages.get_messages(request)
        pending = [str(queued.message) for queued in storage]
        if isinstance(storage, BaseStorage):
            storage.used = False  # looking is not showing
        if message not in pending:
            messages.warning(request, message)

    @staticmethod
    def url_name(path: str) -> str:
        try:
            return resolve(path).url_name or ""
        except Resolver404:
            return ""
