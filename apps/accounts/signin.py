"""Signing in with a local password (django-allauth's account flow): who may, how it is checked, and the
words people read (docs/architecture/sign-in-and-headers.md).

- ``PasswordBackend`` checks a username and password once (allauth's backend; the username in any
  case), after the lockout's backend, and never for an account whose local password is turned off.
- ``LoginForm`` refuses a local password where ``local_password_allowed`` says no, before any check.
- ``ResetPasswordForm`` sends no reset link to such an account — nor to an unknown address — and
  answers the same in every case; ``ResetPasswordKeyForm`` refuses a link sent before the policy changed.
- ``ChangePasswordForm`` / ``SetPasswordForm``: the same policy for a signed-in person.
- ``AccountAdapter``: nobody signs themselves up; the messages; links in e-mails on ``SITE_URL``;
  the client address as the lockout sees it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from allauth.account import app_settings as account_settings
from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from apps.accounts.sso.policy import local_password_allowed
from apps.accounts.throttling import client_address

PASSWORD_MISMATCH = "That username and password do not match an account. The password is case-sensitive."


def sso_names(request: HttpRequest | None) -> str:
    """The single sign-on the organisation uses, as people know it ("Contoso SSO or Okta")."""
    try:
        names = [provider.name for provider in get_social_adapter().list_providers(request or context.request)]
    except Exception:  # noqa: BLE001 - a misconfigured provider must not break the sign-in page's message
        names = []
    return " or ".join(dict.fromkeys(names)) or "your organisation's single sign-on"


def local_password_refused(request: HttpRequest | None) -> str:
    return f"Sign in with {sso_names(request)}; local passwords are turned off for your account."


class PasswordBackend(AuthenticationBackend):
    """The one backend that checks passwords (django-allauth's: a username matched in any case, one
    password hash per attempt, a dummy one for an unknown name). Listed after
    ``axes.backends.AxesStandaloneBackend``, which refuses a locked-out account or address first.
    An account whose local password is turned off (``local_password_allowed``) is refused here too,
    without a hash, whatever path asked (the sign-in form checks it first, with a message)."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> AbstractBaseUser | None:
        username = credentials.get("username")
        if username and credentials.get("password") and not local_password_allowed(username):
            return None
        return super().authenticate(request, **credentials)


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form (fields ``login`` and ``password``) with the local-password policy."""

    def clean(self) -> dict[str, Any]:
        login = (self.cleaned_data.get("login") or "").strip()
        if login and not self._errors and not local_password_allowed(login):
            # Decided on the username alone, before any password is checked: it tells nothing about the
            # password, nor (the policy being the same for every name) whether the account exists.
            raise forms.ValidationError(local_password_refused(self.request), code="local_password_off")
        return super().clean()


def _reset_recipients(email: str, found: list[Any]) -> list[Any]:
    """Who gets a reset link for ``email``: active people with that address (in any case), whose
    local password is allowed."""
    users = {user.pk: user for user in found}
    for user in get_user_model().objects.filter(email__iexact=email, is_active=True):
        users.setdefault(user.pk, user)
    return [user for user in users.values() if user.is_active and local_password_allowed(user)]


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """A reset link goes only to an account that may use a local password. An unknown address and an
    account that signs in through SSO get the same answer as everyone (“if an account has this
    address, a link is on its way”) and no e-mail: the page tells nobody which addresses exist."""

    def clean_email(self) -> str:
        email = super().clean_email()
        found: list[Any] = list(getattr(self, "users", []))
        self.users = _reset_recipients(email, found)
        return email


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """Setting a new password from the e-mailed link: refused if the account's local password has been
    turned off since the link was sent."""

    def clean(self) -> dict[str, Any]:
        if self.user is not None and not local_password_allowed(self.user):
            raise forms.ValidationError(local_password_refused(None), code="local_password_off")
        return super().clean()


class _SignedInPasswordForm:
    """For the change and set pages: the template says why there is nothing to change."""

    user: Any

    @property
    def local_password_off(self) -> bool:
        return self.user is not None and not local_password_allowed(self.user)

    @property
    def local_password_message(self) -> str:
        return local_password_refused(None)

    def _refuse_when_off(self) -> None:
        if self.local_password_off:
            raise forms.ValidationError(self.local_password_message, code="local_password_off")


class ChangePasswordForm(_SignedInPasswordForm, allauth_forms.ChangePasswordForm):
    def clean(self) -> dict[str, Any]:
        self._refuse_when_off()
        return super().clean()


class SetPasswordForm(_SignedInPasswordForm, allauth_forms.SetPasswordForm):
    def clean(self) -> dict[str, Any]:
        self._refuse_when_off()
        return super().clean()


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: an administrator creates people (or SSO does, when allowed)."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": PASSWORD_MISMATCH,
        "enter_current_password": "That is not your current password.",
        "invalid_password_reset": "This link to set a new password is not valid any more.",
        "rate_limited": "Too many requests in a short time; wait a minute and try again.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth asks for the password again before a sensitive change (adding an authenticator, say)
        unless the person *re*-authenticated lately, so someone who has just signed in — a person held on
        the MFA enrolment page most of all — typed it twice in a row. A sign-in within
        ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` counts as recent as a re-authentication would."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        if request is None or not request.user.is_authenticated:
            return True
        records = get_authentication_records(request, request.user)
        return not (
            records and time.time() - float(records[-1].get("at", 0)) < account_settings.REAUTHENTICATION_TIMEOUT
        )

    def reauthenticate(self, user: AbstractBaseUser, password: str) -> bool:
        """Confirming one's password before a sensitive change: not with a local password that is off."""
        return local_password_allowed(user) and super().reauthenticate(user, password)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's own rate limits count by: the lockout's (``TRUSTED_PROXY_COUNT``)."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("The client address could not be determined.")
        return address

    def get_reset_password_from_key_url(self, key: str) -> str:
        """On ``SITE_URL``, never on the Host header of the request that asked for it (a forged header
        would otherwise put an attacker's host in the link)."""
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL.rstrip("/") + path.replace("UID-KEY", quote(key))

    def send_password_reset_mail(self, user: AbstractBaseUser, email: str, context: dict[str, Any]) -> None:
        """To the address as the account spells it, when it is the one typed (in another case)."""
        stored = getattr(user, "email", "") or ""
        super().send_password_reset_mail(user, stored if stored.casefold() == email.casefold() else email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        super().send_mail(template_prefix, email, {"site_url": settings.SITE_URL.rstrip("/"), **context})

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """allauth's notice of a change to an account (password changed, reset, set; MFA changes), greeting
        the person by name even when nobody is signed in (after a reset)."""
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)


def email_addresses_page(request: HttpRequest) -> HttpResponse:
    """Where allauth would let a person add e-mail addresses to their own account: not here. An address
    is set by an administrator (or comes from the identity provider), because SSO finds existing people
    by e-mail address and a reset link goes to it."""
    raise Http404("E-mail addresses are set by an administrator.")
