"""The vendor reminders, registered with the inbox (``apps.notifications.reminders``) at ``ready()``:

- ``review_due``: a scheduled service review in the next 2 days → the vendor's engineering and
  delivery owners; ``review_overdue``: its date has passed → the same. A review first seen overdue
  gets only the overdue reminder.
- ``certification_expiring`` (60, 30 and 7 days before the expiry date) and ``certification_expired``
  → the vendor's security contact and everyone with the security role. A certification first seen
  expired gets one "expired" reminder.
- ``access_finding``: an access grant breaking an access rule (``apps.vendors.findings``: shared
  account with privileged access, no MFA, no expiry, past its expiry, vendor offboarding or exited)
  → the same. Each (grant, finding) is reminded once: a grant that gains a new finding is reminded
  again, listing all of them; a past-expiry finding is tied to its expiry date.

Left out on purpose: certifications superseded by a later one of the same vendor and kind, reviews
and certifications of exited vendors.
"""

from __future__ import annotations

from datetime import date, timedelta

from apps.accounts.choices import Role
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import (
    OCCASION_DUE,
    OCCASION_EXPIRED,
    OCCASION_OVERDUE,
    DueReminder,
    RoleMembers,
    day_label,
    days_ago,
    in_days,
    register_reminder_rule,
)
from apps.notifications.webhooks.events import subject_ref, vendor_ref
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.findings import EXPIRED as FINDING_EXPIRED
from apps.vendors.models import ServiceReview
from apps.vendors.selectors import (
    access_grant_finding_list,
    access_grant_findings,
    certification_list,
    certification_superseded,
)

REVIEW_DUE_DAYS = 2
CERTIFICATION_THRESHOLDS = (60, 30, 7)  # days before the expiry date, earliest first


def reviews_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Scheduled service reviews due in the next ``REVIEW_DUE_DAYS`` days or overdue."""
    reviews = (
        ServiceReview.objects.filter(
            status=ReviewStatus.SCHEDULED, scheduled_for__lte=as_of + timedelta(days=REVIEW_DUE_DAYS)
        )
        .exclude(vendor__status=VendorStatus.EXITED)
        .select_related("vendor__engineering_owner", "vendor__delivery_owner")
        .order_by("scheduled_for", "pk")
    )
    dues = []
    for review in reviews:
        vendor, day = review.vendor, review.scheduled_for
        days = (day - as_of).days
        occasions: tuple[tuple[str, str], ...] = ((Kind.REVIEW_DUE, f"{OCCASION_DUE}:{day}"),)
        if days >= 0:
            title = f"Service review with {vendor} {in_days(days)}"
            body = (
                f"The service review with {vendor} is scheduled for {day_label(day)}. "
                "Prepare the delivery figures and the open action items."
            )
        else:
            occasions += ((Kind.REVIEW_OVERDUE, f"{OCCASION_OVERDUE}:{day}"),)
            title = f"Service review with {vendor} is overdue"
            body = (
                f"The service review with {vendor} was scheduled for {day_label(day)} ({days_ago(-days)}) and "
                "has not been recorded as held. Record the meeting, or reschedule or cancel it."
            )
        dues.append(
            DueReminder(
                item_key=f"service_review:{review.pk}",
                occasions=occasions,
                recipients=(vendor.engineering_owner, vendor.delivery_owner),
                title=title,
                body=body,
                url=review.get_absolute_url(),
                webhook={
                    "subject": subject_ref("service_review", review.pk),
                    "vendor": vendor_ref(vendor),
                    "review": {"id": review.pk, "scheduled_for": day, "title": f"Service review with {vendor}"},
                },
            )
        )
    return dues


def certifications_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Certifications expiring within ``CERTIFICATION_THRESHOLDS[0]`` days or expired, unless a later
    one of the same vendor and kind supersedes them."""
    certifications = (
        certification_list()
        .filter(expires_on__lte=as_of + timedelta(days=max(CERTIFICATION_THRESHOLDS)))
        .exclude(vendor__status=VendorStatus.EXITED)
        .exclude(certification_superseded())
        .select_related("vendor__security_contact")
        .order_by("expires_on", "pk")
    )
    security = roles(Role.SECURITY)
    dues = []
    for certification in certifications:
        vendor, expires = certification.vendor, certification.expires_on
        days = (expires - as_of).days
        occasions = tuple(
            (Kind.CERTIFICATION_EXPIRING, f"{t}:{expires}") for t in CERTIFICATION_THRESHOLDS if days <= t
        )
        label = str(certification).rsplit(" — ", 1)[0]
        if days >= 0:
            title = f"{label} of {vendor} expires {in_days(days)}"
            body = (
                f"The {label} certification of {vendor} expires on {day_label(expires)} ({in_days(days)}). "
                "Ask the vendor for the renewed certificate and record it."
            )
        else:
            occasions += ((Kind.CERTIFICATION_EXPIRED, f"{OCCASION_EXPIRED}:{expires}"),)
            title = f"{label} of {vendor} has expired"
            body = (
                f"The {label} certification of {vendor} expired on {day_label(expires)} ({days_ago(-days)}). "
                "Record the renewed certificate, or the risk of working without it."
            )
        dues.append(
            DueReminder(
                item_key=f"certification:{certification.pk}",
                occasions=occasions,
                recipients=(vendor.security_contact, *security),
                title=title,
                body=body,
                url=certification.get_absolute_url(),
                webhook={
                    "subject": subject_ref("certification", certification.pk),
                    "vendor": vendor_ref(vendor),
                    "certification": {"id": certification.pk, "name": label, "expires_on": expires},
                    "days_left": days,
                },
            )
        )
    return dues


def access_findings_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Access grants with findings: one reminder per grant, claiming one occasion per finding (its code;
    ``expired:<expiry>`` for a past expiry, so a grant extended and expired again is reminded again)."""
    grants = access_grant_findings(as_of=as_of).select_related("vendor__security_contact").order_by("pk")
    security = roles(Role.SECURITY)
    dues = []
    for grant in grants:
        vendor = grant.vendor
        findings = access_grant_finding_list(grant)
        if not findings:
            continue
        occasions = tuple(
            (
                Kind.ACCESS_FINDING,
                f"{OCCASION_EXPIRED}:{grant.expires_on}" if finding.code == FINDING_EXPIRED else finding.code,
            )
            for finding in findings
        )
        worst = findings[0].severity
        expiry = f"expires on {day_label(grant.expires_on)}" if grant.expires_on else "no expiry date"
        reasons = "\n".join(f"- {finding.message} ({finding.severity})" for finding in findings)
        privilege, worst_finding = grant.get_privilege_display().lower(), findings[0].message
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        dues.append(
            DueReminder(
                item_key=f"access_grant:{grant.pk}",
                occasions=occasions,
                recipients=(vendor.security_contact, *security),
                title=f"Access finding ({worst}): {grant.person} → {grant.system} ({vendor})",
                body=(
                    f"{grant.person} of {vendor} has {privilege} access to {grant.system} "
                    f"(account {grant.account_name}{'' if grant.named_account else ', shared'}; {expiry}):\n"
                    f"{reasons}\nFix it, or revoke the access and record the date."
                ),
                url=grant.get_absolute_url(),
                webhook={
                    "summary": f"{grant.person} of {vendor} has {privilege} access to {grant.system}: {worst_finding}{more}",
                    "subject": subject_ref("access_grant", grant.pk),
                    "vendor": vendor_ref(vendor),
                    "access_grant": {"id": grant.pk, "account": grant.account_name, "system": grant.system},
                    "finding": findings[0].as_dict(),
                    "findings": [finding.as_dict() for finding in findings],
                },
            )
        )
    return dues


register_reminder_rule(name="service_reviews", kinds=(Kind.REVIEW_DUE, Kind.REVIEW_OVERDUE), collect=reviews_due)
register_reminder_rule(
    name="certifications",
    kinds=(Kind.CERTIFICATION_EXPIRING, Kind.CERTIFICATION_EXPIRED),
    collect=certifications_due,
)
register_reminder_rule(name="access_findings", kinds=(Kind.ACCESS_FINDING,), collect=access_findings_due)
