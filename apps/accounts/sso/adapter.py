"""How an SSO sign-in becomes a person of the workspace (django-allauth's social account adapter).

At every sign-in through the identity provider (IdP):
1. the person's groups (``SSO_GROUPS_CLAIM`` / ``SSO_SAML_GROUPS_ATTRIBUTE``) give their roles
   (``SSO_GROUP_ROLES``, else ``SSO_DEFAULT_ROLE``); none → refused, nothing created;
2. a person already linked to the IdP account signs in; else the person whose e-mail address (any case)
   is the IdP's is linked and signs in; else, with ``SSO_CREATE_USERS``, a person is created, and
   without it the sign-in is refused;
3. the break-glass accounts (``SSO_BREAK_GLASS_USERNAMES``) never sign in through the IdP: they are the
   way in when it is down or wrong, and stay independent of it;
4. the person's role groups are set to the roles of step 1 (``user_sso_roles_set``).
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import render

from apps.accounts.sso.mapping import roles_for_groups, sociallogin_groups
from apps.accounts.sso.services import user_sso_roles_set
from apps.core.services import audited

logger = logging.getLogger(__name__)

ROLES_KEY = "sso_roles"


def _is_break_glass(user: Any) -> bool:
    names = {name.casefold() for name in settings.SSO_BREAK_GLASS_USERNAMES}
    return bool(names) and user.get_username().casefold() in names


def refuse(request: HttpRequest, sociallogin: SocialLogin | None, *, title: str, reason: str) -> ImmediateHttpResponse:
    """The page a refused SSO sign-in ends on (403), as an exception allauth's flow lets through."""
    provider = sociallogin.account.get_provider().name if sociallogin is not None else "single sign-on"
    logger.warning("SSO sign-in through %s refused: %s", provider, title)
    response = render(
        request,
        "socialaccount/sso_refused.html",
        {"title": title, "reason": reason, "provider_name": provider},
        status=403,
    )
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        # allauth has looked the person up (linked account, then e-mail address) before this runs.
        provider = sociallogin.account.get_provider()
        groups = sociallogin_groups(provider.id, sociallogin.account.extra_data or {})
        roles = roles_for_groups(groups)
        existing = sociallogin.is_existing
        if existing and _is_break_glass(sociallogin.user):
            raise refuse(
                request,
                sociallogin,
                title="This account signs in with its password only",
                reason="It is a break-glass account of the workspace, kept apart from single sign-on. "
                "Sign in with its username and password instead.",
            )
        if not roles:
            if existing:
                # The IdP no longer gives the person a role here: they keep none.
                user_sso_roles_set(user=sociallogin.user, roles=[])
            raise refuse(
                request,
                sociallogin,
                title="No role in Vendor Governance",
                reason="Your organisation's sign-in service does not place you in any group that has a role "
                "in Vendor Governance. Ask an administrator to add you to one of its groups.",
            )
        sociallogin.state[ROLES_KEY] = roles
        if existing:
            user_sso_roles_set(user=sociallogin.user, roles=roles)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        # The page says little (an attacker learns nothing from it); the log says why.
        details = (extra_context or {}).get("saml_last_error_reason") or exception or error
        logger.warning("SSO sign-in through %s failed: %s", getattr(provider, "name", provider), details)
        super().on_authentication_error(request, provider, error, exception, extra_context)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        if not settings.SSO_CREATE_USERS:
            raise refuse(
                request,
                sociallogin,
                title="No account in Vendor Governance yet",
                reason="Accounts are not created at sign-in here. Ask an administrator to create your account "
                "(with the e-mail address your organisation signs you in with), then sign in again.",
            )
        return True

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Never the sign-up form: the IdP says who the person is.
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        """A person created at their first sign-in (``SSO_CREATE_USERS``), in the roles their groups give."""
        with audited(actor=None, action="user_sso_create"):
            user = super().save_user(request, sociallogin, form)
            user_sso_roles_set(user=user, roles=sociallogin.state.get(ROLES_KEY) or [])
        return user

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[Any, str] | None:
        """The existing person whose address (compared without case) the IdP sent; the IdP is the
        organisation's own directory (the provider's ``verified_email``). Break-glass accounts are
        never found this way."""
        User = get_user_model()
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin, address.email):
                continue
            users = list(User.objects.filter(email__iexact=address.email)[:2])
            if len(users) != 1:
                continue
            if _is_break_glass(users[0]):
                raise refuse(
                    context_request(),
                    sociallogin,
                    title="This account signs in with its password only",
                    reason="Its e-mail address belongs to a break-glass account of the workspace, which is "
                    "kept apart from single sign-on. Ask an administrator to give the account another address.",
                )
            return users[0], address.email
        return None


def context_request() -> HttpRequest:
    """The request being served (allauth keeps it; ``authenticate_by_email`` is not given it)."""
    from allauth.core import context

    return context.request
