"""Reads of vendors and their governance records. Everyone signed in reads everything.

Each ``<entity>_list`` carries the joins and annotations its serializer and list page need, so a
list costs the same number of queries however many rows it has.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.contracts.models import Contract
from apps.vendors.choices import VendorStatus
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)

# The findings of an access grant, in the order they are listed.
FINDING_EXPIRED = "expired"
FINDING_VENDOR_EXITED = "vendor_exited"
FINDINGS = (FINDING_EXPIRED, FINDING_VENDOR_EXITED)


def vendor_list(*, user: Any = None) -> QuerySet[Vendor]:
    return Vendor.objects.select_related("engineering_owner", "delivery_owner", "security_contact")


def vendor_detail(*, user: Any = None) -> QuerySet[Vendor]:
    """Vendors with what their page's tab bar counts: one query for the header of the page."""

    def count(model: type[models.Model], **extra: Any) -> Subquery:
        rows = model._default_manager.filter(vendor=OuterRef("pk"), **extra).order_by().values("vendor")
        return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())

    return vendor_list(user=user).annotate(
        vetting_count=Coalesce(count(VettingAssessment), 0),
        certification_count=Coalesce(count(Certification), 0),
        risk_count=Coalesce(count(VendorRisk), 0),
        access_count=Coalesce(count(AccessGrant), 0),
        review_count=Coalesce(count(ServiceReview), 0),
        contract_count=Coalesce(count(Contract), 0),
    )


def vendors_reviewable_by(*, user: Any, vendors: QuerySet[Vendor]) -> QuerySet[Vendor]:
    """The vendors whose service reviews ``user`` runs: an engineering manager only those they own
    (engineering or delivery owner); everyone else as their permissions allow (``can_manage_reviews``)."""
    from apps.accounts.choices import Role

    if user.is_superuser or user.has_role(Role.ADMIN) or not user.has_role(Role.ENGINEERING_MANAGER):
        return vendors
    return vendors.filter(Q(engineering_owner=user) | Q(delivery_owner=user))


def vendor_get(*, user: Any = None, pk: int) -> Vendor:
    return vendor_list(user=user).get(pk=pk)


def vetting_assessment_list(*, user: Any = None) -> QuerySet[VettingAssessment]:
    return VettingAssessment.objects.select_related("vendor", "assessor")


def certification_list(*, user: Any = None) -> QuerySet[Certification]:
    return Certification.objects.select_related("vendor")


def certification_superseded() -> Exists:
    """Whether a later certification of the same vendor, kind and name replaces the certification of
    the outer query (its renewal): an expiring certification so replaced needs nothing done."""
    return Exists(
        Certification.objects.filter(
            vendor=OuterRef("vendor"),
            kind=OuterRef("kind"),
            name=OuterRef("name"),
            expires_on__gt=OuterRef("expires_on"),
        )
    )


def vendor_risk_list(*, user: Any = None) -> QuerySet[VendorRisk]:
    """Risks with ``risk_score`` = likelihood × impact (1–25)."""
    return VendorRisk.objects.select_related("vendor", "owner").annotate(risk_score=F("likelihood") * F("impact"))


# -- access grants and their findings ------------------------------------------------------------
def _finding_conditions(as_of: date) -> dict[str, Q]:
    """The one definition of each finding, as SQL: an access grant not yet revoked on ``as_of``
    that is past its expiry, or whose vendor has exited."""
    unrevoked = Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)
    return {
        FINDING_EXPIRED: unrevoked & Q(expires_on__lt=as_of),
        FINDING_VENDOR_EXITED: unrevoked & Q(vendor__status=VendorStatus.EXITED),
    }


def access_grant_list(*, user: Any = None, as_of: date | None = None) -> QuerySet[AccessGrant]:
    """Grants annotated ``finding_expired`` and ``finding_vendor_exited`` as of ``as_of`` (default today)."""
    conditions = _finding_conditions(as_of or timezone.localdate())
    # CASE rather than the bare condition: a NULL expiry must read as "no finding", never as NULL.
    flags = {
        f"finding_{name}": Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
        for name, condition in conditions.items()
    }
    return AccessGrant.objects.select_related("vendor", "granted_by").annotate(**flags)


def access_grant_findings(*, as_of: date, user: Any = None) -> QuerySet[AccessGrant]:
    """Unrevoked grants that are past their expiry on ``as_of``, or whose vendor has exited."""
    return access_grant_list(user=user, as_of=as_of).filter(reduce(operator.or_, _finding_conditions(as_of).values()))


# Kept for callers written against the first name of this selector (seed_demo's tests).
access_grant_findings_list = access_grant_findings


def access_grant_finding_names(grant: AccessGrant, *, as_of: date | None = None) -> list[str]:
    """The findings of one grant (``["expired", "vendor_exited"]``): read from the annotations of
    ``access_grant_list`` when the grant came from it, else worked out from the row itself."""
    if as_of is None and all(hasattr(grant, f"finding_{name}") for name in FINDINGS):
        return [name for name in FINDINGS if getattr(grant, f"finding_{name}")]
    as_of = as_of or timezone.localdate()
    if grant.revoked_on is not None and grant.revoked_on <= as_of:
        return []
    found = {
        FINDING_EXPIRED: grant.expires_on is not None and grant.expires_on < as_of,
        FINDING_VENDOR_EXITED: grant.vendor.status == VendorStatus.EXITED,
    }
    return [name for name in FINDINGS if found[name]]


# -- service reviews -------------------------------------------------------------------------------
def service_review_list(*, user: Any = None) -> QuerySet[ServiceReview]:
    """Reviews with ``open_action_count`` (action items not done)."""
    return (
        ServiceReview.objects.select_related("vendor")
        .prefetch_related("attendees")
        .annotate(open_action_count=Count("action_items", filter=Q(action_items__done_on__isnull=True)))
    )


def action_item_list(*, user: Any = None) -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("review", "review__vendor", "owner")
