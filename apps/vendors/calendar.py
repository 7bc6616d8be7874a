"""What the vendors put in the calendar feeds (``apps.notifications.calendar``), registered on import
from ``VendorsConfig.ready``:

- the *scope*: the vendors whose dates are in a person's own feed — those they are a named owner of
  (engineering owner, delivery owner, security contact) and those they watch (``VendorWatch``);
- ``service_reviews``: a scheduled review on its date, a held one on the day it was held (cancelled
  ones are left out, and scheduled ones of exited vendors, as the reminders do), for the vendor's
  followers and the review's attendees;
- ``certifications``: each certification's expiry date, unless a later one of the same vendor, kind
  and name supersedes it (its renewal) or the vendor has exited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q

from apps.notifications.calendar.registry import CalendarItem, register_calendar_scope, register_calendar_source
from apps.notifications.reminders import day_label
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.models import ServiceReview
from apps.vendors.selectors import certification_list, certification_superseded, vendor_ids_followed


def followed_vendor_ids(user: Any) -> set[int]:
    return vendor_ids_followed(user=user)


def service_review_items(
    *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
) -> Iterable[CalendarItem]:
    scheduled = Q(status=ReviewStatus.SCHEDULED, scheduled_for__gte=start, scheduled_for__lte=end) & ~Q(
        vendor__status=VendorStatus.EXITED
    )
    held = Q(status=ReviewStatus.HELD, held_on__gte=start, held_on__lte=end)
    reviews = ServiceReview.objects.filter(scheduled | held).select_related("vendor").order_by("pk")
    if vendor_ids is not None:
        attends = ServiceReview.attendees.through.objects.filter(servicereview=OuterRef("pk"), user=user)
        reviews = reviews.filter(Q(vendor_id__in=vendor_ids) | Q(Exists(attends)))
    for review in reviews:
        vendor = review.vendor
        if review.status == ReviewStatus.HELD and review.held_on is not None:
            day = review.held_on
            summary = f"Service review with {vendor} (held)"
            quality = f" Delivery quality: {review.delivery_quality} of 5." if review.delivery_quality else ""
            description = f"The service review with {vendor} was held on {day_label(day)}.{quality}"
        else:
            day = review.scheduled_for
            summary = f"Service review with {vendor}"
            description = (
                f"The service review with {vendor} is scheduled for {day_label(day)}. "
                "Prepare the delivery figures and the open action items."
            )
        yield CalendarItem(
            uid=f"service-review-{review.pk}",
            day=day,
            summary=summary,
            description=description,
            url=review.get_absolute_url(),
            categories=("Service review",),
            updated_at=review.updated_at,
        )


def certification_items(
    *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
) -> Iterable[CalendarItem]:
    certifications = (
        certification_list()
        .filter(expires_on__gte=start, expires_on__lte=end)
        .exclude(vendor__status=VendorStatus.EXITED)
        .exclude(certification_superseded())
        .order_by("pk")
    )
    if vendor_ids is not None:
        certifications = certifications.filter(vendor_id__in=vendor_ids)
    for certification in certifications:
        vendor, expires = certification.vendor, certification.expires_on
        label = str(certification).rsplit(" — ", 1)[0]
        yield CalendarItem(
            uid=f"certification-{certification.pk}-expiry",
            day=expires,
            summary=f"{label} of {vendor} expires",
            description=(
                f"The {label} certification of {vendor} expires on {day_label(expires)}. "
                "Ask the vendor for the renewed certificate and record it."
            ),
            url=certification.get_absolute_url(),
            categories=("Certification expiry",),
            updated_at=certification.updated_at,
        )


register_calendar_scope(followed_vendor_ids)
register_calendar_source("service_reviews", service_review_items, label="Service reviews")
register_calendar_source("certifications", certification_items, label="Certification expiries")
