"""SAML 2.0 sign-in: django-allauth's views, with a refused response ending on a clear page.

allauth (python3-saml underneath, strict mode) checks the response: signed by the identity provider's
certificate, for this service provider (audience, destination), in its time window, and answering a
request this browser made (its InResponseTo is a state stashed in the session, used once). A response
whose state is gone — one posted a second time, or from another browser — makes allauth raise
``PermissionDenied``; here it ends on the sign-in error page instead of the generic 403.
"""

from __future__ import annotations

import logging

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from allauth.socialaccount.providers.saml.views import finish_acs
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


@login_not_required
def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        logger.warning("SAML response refused: it answers no sign-in this browser started (replayed?)")
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        response = render_authentication_error(request, provider)
        response.status_code = 403
        return response
