"""The policy exception reminders, registered by this app at ``ready()`` because their records live in
``apps.core``, which is below the inbox and may not import it. When policy exceptions move to a domain
app above the inbox, this module moves with it as that app's ``reminders.py``.

- ``policy_exception_review`` (30 and 7 days before its review date) → the person who raised the
  exception (the executives when nobody is named).
- ``policy_exception_expired``: past its review date and not closed, a finding reminded once → the
  same and every executive. A renewal moves the date, so the new date is reminded again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from apps.accounts.choices import Role
from apps.core.selectors import policy_exception_list
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import (
    OCCASION_EXPIRED,
    DueReminder,
    RoleMembers,
    day_label,
    days_ago,
    in_days,
    register_reminder_rule,
)

EXCEPTION_REVIEW_THRESHOLDS = (30, 7)  # days before a policy exception's review date, earliest first


def policy_exceptions_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Open policy exceptions within ``EXCEPTION_REVIEW_THRESHOLDS[0]`` days of their review date, or
    past it (expired: a finding). A renewal moves the date, so the new date is reminded again."""
    exceptions = (
        policy_exception_list(as_of=as_of)
        .filter(closed_on__isnull=True, review_on__lte=as_of + timedelta(days=max(EXCEPTION_REVIEW_THRESHOLDS)))
        .prefetch_related("subject")
        .order_by("review_on", "pk")
    )
    executives = roles(Role.EXECUTIVE)
    dues = []
    for exception in exceptions:
        review_on = exception.review_on
        days = (review_on - as_of).days
        occasions: tuple[tuple[str, str], ...] = tuple(
            (Kind.POLICY_EXCEPTION_REVIEW, f"{t}:{review_on}") for t in EXCEPTION_REVIEW_THRESHOLDS if days <= t
        )
        raiser = (exception.raised_by,) if exception.raised_by_id else executives
        subject = exception.subject if exception.subject is not None else "a deleted record"
        if days >= 0:
            recipients = raiser
            title = f"Policy exception due for review {in_days(days)}: {subject}"
            body = (
                f"The policy exception “{exception.summary}” is to be reviewed by {day_label(review_on)} "
                f"({in_days(days)}). Renew it with a new justification and review date, or close it "
                "once the departure has ended."
            )
        else:
            occasions += ((Kind.POLICY_EXCEPTION_EXPIRED, f"{OCCASION_EXPIRED}:{review_on}"),)
            recipients = tuple(dict.fromkeys((*raiser, *executives)))
            title = f"Policy exception expired: {subject}"
            body = (
                f"The policy exception “{exception.summary}” was due for review on {day_label(review_on)} "
                f"({days_ago(-days)}) and is now a finding: the departure is no longer accepted. Renew it "
                "or close it."
            )
        dues.append(
            DueReminder(
                item_key=f"policy_exception:{exception.pk}",
                occasions=occasions,
                recipients=recipients,
                title=title,
                body=body,
                url=f"{reverse('exception-list')}#exception-{exception.pk}",
            )
        )
    return dues


register_reminder_rule(
    name="policy_exceptions",
    kinds=(Kind.POLICY_EXCEPTION_REVIEW, Kind.POLICY_EXCEPTION_EXPIRED),
    collect=policy_exceptions_due,
)
