"""The vendor records that carry evidence files (``apps.documents``): a certification its report or
certificate, a vetting assessment its report, a service review its minutes, a risk its evidence; and
the vendor page's *Evidence* tab listing them all with their upload forms. Registered from
``VendorsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from apps.core.sections import register_section
from apps.documents.choices import EvidenceKind
from apps.documents.panels import evidence_section_context
from apps.documents.registry import register_evidence_subject
from apps.vendors import ownership, selectors
from apps.vendors.models import Certification, ServiceReview, Vendor, VendorRisk, VettingAssessment
from apps.vendors.sections import VENDOR_PAGE


def _visible(selector: Any) -> Any:
    def may_view(user: Any, obj: Any) -> bool:
        return bool(selector(user=user).filter(pk=obj.pk).exists())

    return may_view


def _may_change(permission: str) -> Any:
    def may_upload(user: Any, obj: Any) -> bool:
        return bool(user.has_perm(permission))

    return may_upload


def _may_upload_review(user: Any, review: ServiceReview) -> bool:
    # Engineering managers keep the minutes of the reviews of the vendors they own (apps.vendors.ownership).
    return bool(user.has_perm("vendors.change_servicereview")) and ownership.may_write(user, review)


def register_vendor_evidence() -> None:
    other = EvidenceKind.OTHER
    register_evidence_subject(
        Certification,
        kinds=[EvidenceKind.SOC2_REPORT, EvidenceKind.ISO_CERTIFICATE, other],
        may_view=_visible(selectors.certification_list),
        may_upload=_may_change("vendors.change_certification"),
    )
    register_evidence_subject(
        VettingAssessment,
        kinds=[EvidenceKind.VETTING_REPORT, other],
        may_view=_visible(selectors.vetting_assessment_list),
        may_upload=_may_change("vendors.change_vettingassessment"),
    )
    register_evidence_subject(
        ServiceReview,
        kinds=[EvidenceKind.REVIEW_MINUTES, other],
        may_view=_visible(selectors.service_review_list),
        may_upload=_may_upload_review,
    )
    register_evidence_subject(
        VendorRisk,
        kinds=[EvidenceKind.RISK_EVIDENCE, other],
        may_view=_visible(selectors.vendor_risk_list),
        may_upload=_may_change("vendors.change_vendorrisk"),
    )


@register_section(VENDOR_PAGE, key="evidence", label="Evidence", template="documents/evidence_section.html", order=85)
def evidence_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    """Every vendor record that carries evidence, grouped by kind, with its files and upload form."""
    user = request.user
    groups: list[tuple[str, list[Any]]] = [
        (
            "Certifications",
            list(selectors.certification_list(user=user).filter(vendor=vendor).order_by("expires_on", "pk")),
        ),
        (
            "Vetting assessments",
            list(selectors.vetting_assessment_list(user=user).filter(vendor=vendor).order_by("-assessed_on", "-pk")),
        ),
        (
            "Service reviews",
            list(selectors.service_review_list(user=user).filter(vendor=vendor).order_by("-scheduled_for", "-pk")),
        ),
        ("Risks", list(selectors.vendor_risk_list(user=user).filter(vendor=vendor).order_by("title", "pk"))),
    ]
    return evidence_section_context(
        request,
        groups,
        next_url=reverse("vendors:vendor-tab", args=[vendor.pk, "evidence"]),
        hint="Reports, certificates, minutes and risk evidence, versioned; downloads are recorded.",
    )
