"""The landing page's overview: counts and the short lists of what needs attention, each from the
owning app's selectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.selectors import contract_list, contracts_renewing_within
from apps.core.models import PolicyException, StatusChange
from apps.functions.selectors import policy_conflicts
from apps.vendors.choices import VendorStatus
from apps.vendors.findings import FindingSeverity
from apps.vendors.selectors import access_grant_list, action_item_list, certifications_to_renew, vendor_list

ATTENTION_DAYS = 90
SHORT_LIST = 6


def workspace_overview(*, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    by_status = dict(vendor_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "vendor_counts": [(status, label, by_status.get(status, 0)) for status, label in VendorStatus.choices],
        "active_contracts": contract_list(user=user).filter(status=ContractStatus.ACTIVE).count(),
        "renewals": list(
            contracts_renewing_within(as_of=today, days=ATTENTION_DAYS, user=user).order_by("cancel_by")[:SHORT_LIST]
        ),
        "conflicts": list(policy_conflicts(user=user).order_by("name")[:SHORT_LIST]),
        "overdue_actions": list(
            action_item_list(user=user).filter(done_on__isnull=True, due_on__lt=today).order_by("due_on")[:SHORT_LIST]
        ),
        # Expired ones first (the oldest first), however long ago, until renewed or retired.
        "expiring_certifications": list(
            certifications_to_renew(as_of=today, within_days=ATTENTION_DAYS, user=user).order_by("expires_on", "pk")[
                :SHORT_LIST
            ]
        ),
        "access_findings": access_grant_list(user=user, as_of=today).aggregate(
            total=Count("pk", filter=Q(finding_count__gt=0)),
            high=Count("pk", filter=Q(finding_severity=FindingSeverity.HIGH)),
        ),
        "today": today,
        "attention_days": ATTENTION_DAYS,
    }


# -- the exceptions register: policy exceptions and open gate overrides --------------------------------
EXCEPTION_DUE_DAYS = 30  # an exception within this many days of its review date is "due for review"
EXCEPTION_STATUS_OPEN = "open"
EXCEPTION_STATUS_DUE = "due"
EXCEPTION_STATUS_EXPIRED = "expired"
EXCEPTION_STATUS_CLOSED = "closed"
EXCEPTION_STATUS_LABELS = {
    EXCEPTION_STATUS_OPEN: "Open",
    EXCEPTION_STATUS_DUE: "Due for review",
    EXCEPTION_STATUS_EXPIRED: "Expired",
    EXCEPTION_STATUS_CLOSED: "Closed",
}


def _exception_status(as_of: date) -> Any:
    from django.db.models import Case, CharField, Value, When

    return Case(
        When(closed_on__isnull=False, then=Value(EXCEPTION_STATUS_CLOSED)),
        When(review_on__lt=as_of, then=Value(EXCEPTION_STATUS_EXPIRED)),
        When(review_on__lte=as_of + timedelta(days=EXCEPTION_DUE_DAYS), then=Value(EXCEPTION_STATUS_DUE)),
        default=Value(EXCEPTION_STATUS_OPEN),
        output_field=CharField(),
    )


def policy_exception_list(*, user: Any = None, as_of: date | None = None) -> QuerySet[PolicyException]:
    """Every policy exception, annotated with ``status`` as of the day: open, due (review within
    ``EXCEPTION_DUE_DAYS`` days), expired (past its review date, not closed) or closed. Expired first,
    then by review date."""
    from django.db.models import Case, IntegerField, Value, When

    day = as_of or timezone.localdate()
    order = Case(
        When(status=EXCEPTION_STATUS_EXPIRED, then=Value(0)),
        When(status=EXCEPTION_STATUS_DUE, then=Value(1)),
        When(status=EXCEPTION_STATUS_OPEN, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        PolicyException.objects.select_related("raised_by", "content_type")
        .annotate(status=_exception_status(day))
        .annotate(status_order=order)
        .order_by("status_order", "review_on", "pk")
    )


def expired_policy_exceptions(*, as_of: date | None = None, user: Any = None) -> QuerySet[PolicyException]:
    """Policy exceptions past their review date and not closed: each is a finding until renewed or
    closed. For counting (the attention ranking, the overview)."""
    day = as_of or timezone.localdate()
    return policy_exception_list(user=user, as_of=day).filter(closed_on__isnull=True, review_on__lt=day)


def open_overrides(*, user: Any = None) -> QuerySet[StatusChange]:
    """Gate overrides still open: an executive passed unmet conditions and they have not cleared."""
    return (
        StatusChange.objects.filter(cleared_on__isnull=True)
        .exclude(overridden=[])
        .select_related("actor", "content_type")
        .order_by("-changed_at", "-pk")
    )
