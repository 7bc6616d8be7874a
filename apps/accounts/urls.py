from allauth.account import views as account_views
from django.urls import include, path
from django.views.generic import RedirectView

from apps.accounts import signin
from apps.accounts import views as token_views

urlpatterns = [
    # The names the workspace has always used for signing in and out, on django-allauth's views.
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    # Django's address for a forgotten password, which people and password managers try first.
    path("password_reset/", RedirectView.as_view(pattern_name="account_reset_password", permanent=False)),
    # E-mail addresses are an administrator's (or the identity provider's) to set: no page to add one's own,
    # which SSO's match by e-mail address would otherwise trust (apps/accounts/signin.py).
    path("email/", signin.email_addresses_page, name="account_email"),
    # API tokens: a person's own (an administrator's: everyone's), the key shown once (apps/accounts/views.py).
    path("tokens/", token_views.api_token_list, name="api-token-list"),
    path("tokens/new/", token_views.api_token_create, name="api-token-create"),
    path("tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api-token-revoke"),
    # Saved views of lists: the "Views" menu of every list's filter bar posts here (apps/accounts/views.py).
    path("views/save/", token_views.saved_view_save, name="saved-view-save"),
    path("views/<int:pk>/delete/", token_views.saved_view_delete, name="saved-view-delete"),
    # Single sign-on: the OpenID Connect views that always check the ID token's signature, ahead of
    # allauth's at the same addresses (apps/accounts/sso/oidc.py).
    path("", include("apps.accounts.sso.urls")),
    path("", include("allauth.urls")),
]
