"""Policy exception review dates as calendar items, for the apps whose records policy exceptions are
about (contracts, functions): each registers the exceptions on its own records, since only it knows
whose they are, and words them with this one function.

Policy exceptions live in ``apps.core`` (below the inbox), so this module may read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse

from apps.core.models import PolicyException
from apps.notifications.calendar.registry import CalendarItem
from apps.notifications.reminders import day_label

CATEGORY = "Policy exception review"


def open_policy_exceptions_on(model: type[Model], *, start: date, end: date) -> QuerySet[PolicyException]:
    """The exceptions on ``model``'s rows not closed whose review date falls between ``start`` and
    ``end`` (an expired one stays: its review is overdue). By the content type's natural key, a join:
    no lookup query on a cold cache."""
    return PolicyException.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        closed_on__isnull=True,
        review_on__gte=start,
        review_on__lte=end,
    ).order_by("review_on", "pk")


def policy_exception_items(
    exceptions: Iterable[PolicyException], *, subject: Callable[[PolicyException], Any]
) -> list[CalendarItem]:
    """One item per exception, on its review date; ``subject(exception)`` names what it is about."""
    items = []
    for exception in exceptions:
        about = subject(exception) or "a deleted record"
        items.append(
            CalendarItem(
                uid=f"policy-exception-{exception.pk}-review",
                day=exception.review_on,
                summary=f"Policy exception review: {exception.summary}",
                description=(
                    f"The policy exception on {about} is to be reviewed by {day_label(exception.review_on)}: "
                    "renew it with a new justification and review date, or close it once the departure has "
                    f"ended. Past this date it is a finding.\n\nJustification: {exception.justification}"
                ),
                url=f"{reverse('exception-list')}#exception-{exception.pk}",
                categories=(CATEGORY,),
                updated_at=exception.updated_at,
            )
        )
    return items
