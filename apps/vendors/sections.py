"""The tabs of the vendor page that the vendors app owns. Apps above vendors add their own tabs
(contracts: *Contracts*; performance: *Performance*) and the overview's panels the same way."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.core.audit import record_history
from apps.core.sections import register_section, section_contexts
from apps.vendors import roster_access, selectors
from apps.vendors.choices import ReviewStatus
from apps.vendors.models import Vendor

VENDOR_PAGE = "vendors.vendor"
# The panels of the vendor page's overview tab that other apps register (e.g. the open SLA breaches).
VENDOR_OVERVIEW = "vendors.vendor.overview"
CERTIFICATION_WARN_DAYS = 90


@register_section(VENDOR_PAGE, key="overview", label="Overview", template="vendors/tabs/overview.html", order=10)
def overview_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    user = request.user
    return {
        "open_actions": selectors.action_item_list(user=user)
        .filter(review__vendor=vendor, done_on__isnull=True)
        .order_by("due_on"),
        "next_review": selectors.service_review_list(user=user)
        .filter(vendor=vendor, status=ReviewStatus.SCHEDULED)
        .order_by("scheduled_for")
        .first(),
        "latest_assessment": selectors.vetting_assessment_list(user=user)
        .filter(vendor=vendor)
        .order_by("-assessed_on", "-pk")
        .first(),
        "overview_panels": section_contexts(VENDOR_OVERVIEW, request, vendor),
    }


@register_section(
    VENDOR_PAGE, key="vetting", label="Vetting", template="vendors/tabs/vetting.html", order=30, count="vetting_count"
)
def vetting_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return {
        "assessments": selectors.vetting_assessment_list(user=request.user)
        .filter(vendor=vendor)
        .order_by("-assessed_on", "-pk")
    }


@register_section(
    VENDOR_PAGE,
    key="certifications",
    label="Certifications",
    template="vendors/tabs/certifications.html",
    order=40,
    count="certification_count",
)
def certifications_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return {
        "certifications": selectors.certification_list(user=request.user).filter(vendor=vendor).order_by("expires_on"),
        "warn_days": CERTIFICATION_WARN_DAYS,
    }


@register_section(
    VENDOR_PAGE, key="risks", label="Risks", template="vendors/tabs/risks.html", order=50, count="risk_count"
)
def risks_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    risks = selectors.vendor_risk_list(user=request.user).filter(vendor=vendor)
    return {"risks": risks.order_by("-risk_score", "title")}  # type: ignore[misc]  # an annotation of the selector


@register_section(
    VENDOR_PAGE, key="access", label="Access", template="vendors/tabs/access.html", order=60, count="access_count"
)
def access_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    grants = selectors.access_grant_list(user=request.user).filter(vendor=vendor)
    return {"grants": grants.order_by("-finding_rank", "revoked_on", "system", "person")}  # type: ignore[misc]  # an annotation of the selector


@register_section(
    VENDOR_PAGE, key="team", label="Team", template="vendors/tabs/team.html", order=65, count="engineer_count"
)
def team_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    """The vendor's engineers (the current ones; the anonymised former ones are only counted). Their
    assignments to contracts are on each contract's Team panel (``apps.roster``)."""
    from apps.vendors.tables import EngineerTable  # tables read this module's constants

    engineers = selectors.engineer_list(user=request.user).filter(vendor=vendor)
    return {
        "team_table": EngineerTable(engineers.filter(anonymised_on__isnull=True).order_by("name", "pk")),
        "anonymised_count": engineers.filter(anonymised_on__isnull=False).count(),
        "can_manage_roster": roster_access.may_manage_roster(request.user, vendor),
    }


@register_section(
    VENDOR_PAGE, key="reviews", label="Reviews", template="vendors/tabs/reviews.html", order=80, count="review_count"
)
def reviews_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    user = request.user
    return {
        "reviews": selectors.service_review_list(user=user)
        .filter(vendor=vendor)
        .order_by(*selectors.REVIEW_ATTENTION_ORDER),
        "open_actions": selectors.action_item_list(user=user)
        .filter(review__vendor=vendor, done_on__isnull=True)
        .order_by("due_on"),
    }


@register_section(VENDOR_PAGE, key="history", label="History", template="vendors/tabs/history.html", order=90)
def history_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return {"events": record_history(vendor)}
