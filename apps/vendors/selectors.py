"""Reads of vendors and their governance records. Everyone signed in reads everything.

Each ``<entity>_list`` carries the joins and annotations its serializer and list page need, so a
list costs the same number of queries however many rows it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
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

from apps.core.annotations import registered_annotations
from apps.vendors import findings, ownership
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    Engineer,
    ServiceReview,
    Vendor,
    VendorRisk,
    VendorWatch,
    VettingAssessment,
)

# The findings of an access grant, in the order they are listed (the rules: ``apps.vendors.findings``).
FINDINGS = findings.FINDING_CODES
# The name under which the apps above add what the vendor page's tabs count (``apps.core.annotations``).
VENDOR_DETAIL = "vendors.vendor_detail"


def vendor_list(*, user: Any = None) -> QuerySet[Vendor]:
    return Vendor.objects.select_related("engineering_owner", "delivery_owner", "security_contact")


def vendor_choice_list(*, user: Any = None) -> QuerySet[Vendor]:
    """The vendors a filter menu offers (every signed-in person reads every vendor): ids and names only,
    by name — one query however many lists use it."""
    return Vendor.objects.only("pk", "name").order_by("name", "pk")


def vendor_detail(*, user: Any = None) -> QuerySet[Vendor]:
    """Vendors with what their page's tab bar counts: one query for the header of the page. The tabs
    of the apps above count what they register under ``VENDOR_DETAIL`` (contracts: ``contract_count``)."""

    def count(model: type[models.Model], **extra: Any) -> Subquery:
        rows = model._default_manager.filter(vendor=OuterRef("pk"), **extra).order_by().values("vendor")
        return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())

    return vendor_list(user=user).annotate(
        vetting_count=Coalesce(count(VettingAssessment), 0),
        certification_count=Coalesce(count(Certification), 0),
        risk_count=Coalesce(count(VendorRisk), 0),
        access_count=Coalesce(count(AccessGrant), 0),
        engineer_count=Coalesce(count(Engineer, anonymised_on__isnull=True), 0),
        review_count=Coalesce(count(ServiceReview), 0),
        **registered_annotations(VENDOR_DETAIL),
    )


def vendors_reviewable_by(*, user: Any, vendors: QuerySet[Vendor]) -> QuerySet[Vendor]:
    """The vendors whose service reviews ``user`` runs: an engineering manager only those they own
    (engineering or delivery owner); everyone else as their permissions allow (``apps.vendors.ownership``)."""
    return vendors.filter(ownership.parents_q(user, ServiceReview))


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


def certifications_to_renew(*, as_of: date, within_days: int, user: Any = None) -> QuerySet[Certification]:
    """Certifications expired or expiring within ``within_days`` of ``as_of`` that still need a renewal:
    no later certification of the same vendor, kind and name replaces them (``certification_superseded``)
    and the vendor has not exited (an exited vendor's certifications are retired). An expired one stays
    here, however old, until it is renewed, retired or deleted."""
    return (
        certification_list(user=user)
        .filter(expires_on__lte=as_of + timedelta(days=within_days))
        .exclude(certification_superseded())
        .exclude(vendor__status=VendorStatus.EXITED)
    )


def vendor_risk_list(*, user: Any = None) -> QuerySet[VendorRisk]:
    """Risks with ``risk_score`` = likelihood × impact (1–25)."""
    return VendorRisk.objects.select_related("vendor", "owner").annotate(risk_score=F("likelihood") * F("impact"))


# -- the team roster -------------------------------------------------------------------------------
def engineer_list(*, user: Any = None) -> QuerySet[Engineer]:
    """The vendors' engineers (anonymised ones too: their assignments still count), with their vendor."""
    return Engineer.objects.select_related("vendor")


def engineer_choice_list(*, vendor: Vendor | int, keep: int | None = None) -> QuerySet[Engineer]:
    """The engineers a form offers for ``vendor`` (an access grant's person): those not anonymised, and
    ``keep`` (the one already chosen) whatever it is."""
    vendor_id = vendor.pk if isinstance(vendor, Vendor) else vendor
    current = Q(anonymised_on__isnull=True) | Q(pk=keep) if keep is not None else Q(anonymised_on__isnull=True)
    return Engineer.objects.filter(current, vendor_id=vendor_id).order_by("name", "pk")


# -- access grants and their findings ------------------------------------------------------------
def access_grant_list(*, user: Any = None, as_of: date | None = None) -> QuerySet[AccessGrant]:
    """Grants annotated with their findings as of ``as_of`` (default today): ``finding_<code>`` for each
    rule of ``apps.vendors.findings``, ``finding_severity`` (the worst, "" without any), ``finding_rank``
    (high 2, medium 1, none 0) and ``finding_count``."""
    annotations = findings.finding_annotations(as_of or timezone.localdate())
    return AccessGrant.objects.select_related("vendor", "granted_by").annotate(**annotations)


def access_grant_findings(*, as_of: date, user: Any = None) -> QuerySet[AccessGrant]:
    """Grants with at least one finding on ``as_of``."""
    return access_grant_list(user=user, as_of=as_of).filter(findings.any_finding_condition(as_of))


# Kept for callers written against the first name of this selector (seed_demo's tests).
access_grant_findings_list = access_grant_findings


def access_grant_finding_list(grant: AccessGrant, *, as_of: date | None = None) -> list[findings.Finding]:
    """The findings of one grant, worst first: read from the annotations of ``access_grant_list`` when
    the grant came from it (and no other day is asked for), else worked out from the row itself."""
    found = findings.annotated_findings(grant) if as_of is None else None
    if found is None:
        found = findings.grant_findings(grant, as_of=as_of or timezone.localdate())
    rank = findings.SEVERITY_RANK
    return sorted(found, key=lambda finding: -rank[finding.severity])


def access_grant_finding_names(grant: AccessGrant, *, as_of: date | None = None) -> list[str]:
    """The codes of the findings of one grant (``["shared_privileged", "expired"]``), worst first."""
    return [finding.code for finding in access_grant_finding_list(grant, as_of=as_of)]


def access_findings_per_vendor_query(*, vendor_ids: Iterable[int] | None = None, today: date | None = None) -> Any:
    """The rows of ``access_findings_per_vendor``: ``vendor_id`` then one count per severity
    (``findings.SEVERITIES_WORST_FIRST``, each named by its value), one row per vendor with a finding."""
    as_of = today or timezone.localdate()
    grants = AccessGrant.objects.filter(findings.any_finding_condition(as_of))
    if vendor_ids is not None:
        grants = grants.filter(vendor_id__in=list(vendor_ids))
    return (
        grants.order_by()
        .values("vendor_id")
        .annotate(
            **{
                str(severity): findings.findings_count_expression(severity, as_of)
                for severity in findings.SEVERITIES_WORST_FIRST
            }
        )
    )


def access_findings_per_vendor(
    *, vendor_ids: Iterable[int] | None = None, today: date | None = None
) -> dict[int, dict[str, int]]:
    """Findings (one per rule a grant breaks) per vendor and severity, in one query:
    ``{vendor_id: {"high": n, "medium": m}}``. Vendors without a finding are left out."""
    counts: dict[int, dict[str, int]] = {}
    for row in access_findings_per_vendor_query(vendor_ids=vendor_ids, today=today):
        values: dict[str, Any] = dict(row)
        counts[values["vendor_id"]] = {str(s): int(values[str(s)]) for s in findings.SEVERITIES_WORST_FIRST}
    return counts


# -- service reviews -------------------------------------------------------------------------------
def review_overdue_condition(as_of: date) -> Q:
    """A review is overdue when it is still scheduled and its date has passed (it was neither recorded
    as held nor cancelled)."""
    return Q(status=ReviewStatus.SCHEDULED, scheduled_for__lt=as_of)


def service_review_list(*, user: Any = None, as_of: date | None = None) -> QuerySet[ServiceReview]:
    """Reviews with ``open_action_count`` (action items not done), ``is_overdue`` as of ``as_of``
    (default today), and what the "attention" order sorts by: ``attention_rank`` (overdue 0, upcoming 1,
    held or cancelled 2) and ``open_date`` (the date of a scheduled review, else NULL) — overdue first,
    the oldest first; then upcoming, the soonest first; then the rest, the latest first
    (``REVIEW_ATTENTION_ORDER``)."""
    as_of = as_of or timezone.localdate()
    overdue = review_overdue_condition(as_of)
    return (
        ServiceReview.objects.select_related("vendor")
        .prefetch_related("attendees")
        .annotate(
            open_action_count=Count("action_items", filter=Q(action_items__done_on__isnull=True)),
            is_overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
            attention_rank=Case(
                When(overdue, then=Value(0)),
                When(status=ReviewStatus.SCHEDULED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            open_date=Case(
                When(status=ReviewStatus.SCHEDULED, then=F("scheduled_for")), default=None, output_field=DateField()
            ),
        )
    )


# Overdue first (the oldest), then upcoming (the soonest), then held and cancelled (the latest).
REVIEW_ATTENTION_ORDER = ("attention_rank", "open_date", "-scheduled_for")


def action_item_list(*, user: Any = None) -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("review", "review__vendor", "owner")


# -- watching ---------------------------------------------------------------------------------------------
def vendor_watched(*, user: Any, vendor: Vendor) -> bool:
    """Whether ``user`` watches ``vendor`` (the vendor 360's watch button)."""
    if user is None or not user.is_authenticated:
        return False
    return VendorWatch.objects.filter(user=user, vendor=vendor).exists()


def vendor_ids_followed(*, user: Any) -> set[int]:
    """The vendors whose dates are in ``user``'s calendar feed: those they are a named owner of
    (engineering owner, delivery owner or security contact) and those they watch. One query."""
    if user is None or not user.is_authenticated:
        return set()
    watched = VendorWatch.objects.filter(user=user, vendor=OuterRef("pk"))
    followed = Q(engineering_owner=user) | Q(delivery_owner=user) | Q(security_contact=user) | Q(Exists(watched))
    return set(Vendor.objects.filter(followed).values_list("pk", flat=True))
