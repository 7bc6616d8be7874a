"""The review pack by e-mail: before each scheduled service review, the vendor's named owners (engineering
owner, delivery owner, security contact) get its review pack — the vendor 360 as PDF — attached to a
``review_pack`` notification, ``REVIEW_PACK_DAYS_BEFORE`` days ahead (default 2).

It is a reminder rule of the inbox (``apps.notifications.reminders``), so the daily reminders run
(``notifications.send_reminders`` at ``REMINDER_HOUR``, or ``manage.py send_reminders``) sends it, and
the inbox's ledger makes it go out once: the claim is (``review_pack``, ``service_review:<id>``,
``due:<date>``). Running twice sends once; a review rescheduled to another date gets the pack again
before its new date (an occasion names the date it is about); a review first seen after its date gets
none (the pack is for preparing the meeting; ``review_overdue`` speaks of the missed one).

The PDF is made when the e-mail is sent (``register_email_attachments``: in the e-mail task, once per
recipient, as that person sees the data on the day it goes out), never stored. The notification links to
the vendor 360, whose "Download PDF" gives the same pack again.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse

from apps.dashboards.pdf import PDF_CONTENT_TYPE, vendor_pack
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.emails import EmailAttachment, register_email_attachments
from apps.notifications.models import Notification
from apps.notifications.reminders import (
    OCCASION_DUE,
    DueReminder,
    RoleMembers,
    day_label,
    in_days,
    register_reminder_rule,
)
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.models import Vendor
from apps.vendors.selectors import service_review_list

ITEM_PREFIX = "service_review:"
# The notification's dedupe key (apps.notifications.reminders): reminder:<kind>:<item key>:<occasion>.
_REVIEW_OF_KEY = re.compile(rf"^reminder:{Kind.REVIEW_PACK}:{ITEM_PREFIX}(\d+):")


def review_packs_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """The scheduled service reviews from today to ``REVIEW_PACK_DAYS_BEFORE`` days ahead, of vendors that
    have not exited."""
    reviews = (
        service_review_list(as_of=as_of)
        .prefetch_related(None)  # not the attendees
        .filter(
            status=ReviewStatus.SCHEDULED,
            scheduled_for__gte=as_of,
            scheduled_for__lte=as_of + timedelta(days=settings.REVIEW_PACK_DAYS_BEFORE),
        )
        .exclude(vendor__status=VendorStatus.EXITED)
        .select_related("vendor__engineering_owner", "vendor__delivery_owner", "vendor__security_contact")
        .order_by("scheduled_for", "pk")
    )
    dues = []
    for review in reviews:
        vendor, day = review.vendor, review.scheduled_for
        dues.append(
            DueReminder(
                item_key=f"{ITEM_PREFIX}{review.pk}",
                occasions=((Kind.REVIEW_PACK, f"{OCCASION_DUE}:{day}"),),
                recipients=(vendor.engineering_owner, vendor.delivery_owner, vendor.security_contact),
                title=f"Review pack for the service review with {vendor} {in_days((day - as_of).days)}",
                body=(
                    f"The service review with {vendor} is scheduled for {day_label(day)}. Its review pack is "
                    "attached to the e-mail as a PDF: the scorecard and KPI trends, SLA terms, breaches and "
                    "credits, open actions, risks, certifications, access findings and contracts."
                ),
                url=reverse("dashboards:vendor-360", args=[vendor.pk]),
            )
        )
    return dues


def review_of(notification: Notification) -> int | None:
    """The id of the service review a ``review_pack`` notification is about (from its dedupe key)."""
    match = _REVIEW_OF_KEY.match(notification.dedupe_key)
    return int(match[1]) if match else None


def review_pack_attachments(notification: Notification) -> list[EmailAttachment]:
    """The pack, as the recipient sees it today; nothing when the review has gone since."""
    review_id = review_of(notification)
    review = service_review_list().prefetch_related(None).filter(pk=review_id).first() if review_id else None
    if review is None:
        return []
    try:
        filename, pdf = vendor_pack(vendor_id=review.vendor_id, user=notification.recipient, review=review)
    except Vendor.DoesNotExist:
        return []
    return [(filename, pdf, PDF_CONTENT_TYPE)]


register_reminder_rule(name="review_packs", kinds=(Kind.REVIEW_PACK,), collect=review_packs_due)
register_email_attachments(kind=Kind.REVIEW_PACK, build=review_pack_attachments)
