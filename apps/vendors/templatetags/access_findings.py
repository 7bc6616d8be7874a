"""Template filters for the access rules (``apps.vendors.findings``)."""

from __future__ import annotations

from django import template

from apps.vendors.findings import Finding
from apps.vendors.models import AccessGrant
from apps.vendors.selectors import access_grant_finding_list

register = template.Library()


@register.filter
def access_findings(grant: AccessGrant) -> list[Finding]:
    """``{% for f in grant|access_findings %}``: the grant's findings, worst first (from the list's
    annotations, so no query)."""
    return access_grant_finding_list(grant)
