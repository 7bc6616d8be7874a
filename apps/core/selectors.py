"""The exceptions register: policy exceptions (with their review status as of a day) and the gate
overrides still open."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, CharField, IntegerField, QuerySet, Value, When
from django.utils import timezone

from apps.core.models import PolicyException, StatusChange

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
