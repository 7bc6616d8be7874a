"""The SSO addresses the workspace answers itself, ahead of django-allauth's (same paths, same names)."""

from allauth.socialaccount import app_settings
from django.urls import include, path, re_path

from apps.accounts.sso import oidc, saml

_OIDC_PREFIX = f"{app_settings.OPENID_CONNECT_URL_PREFIX}/" if app_settings.OPENID_CONNECT_URL_PREFIX else ""

urlpatterns = [
    re_path(
        rf"^{_OIDC_PREFIX}(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", oidc.oidc_login, name="openid_connect_login"),
                path("login/callback/", oidc.oidc_callback, name="openid_connect_callback"),
            ]
        ),
    ),
    re_path(r"^saml/(?P<organization_slug>[^/]+)/acs/finish/$", saml.saml_finish_acs, name="saml_finish_acs"),
]
