"""What functions put in the calendar feeds (``apps.notifications.calendar``), registered on import
from ``FunctionsConfig.ready``:

- ``function_policy_exceptions``: the review date of each open policy exception on a function (a
  sourcing decision against the recommendation). A function belongs to no vendor, so it is in the feed
  of the person who raised the exception (and in the whole-portfolio feed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from apps.functions.models import Function
from apps.notifications.calendar.policy_exceptions import open_policy_exceptions_on, policy_exception_items
from apps.notifications.calendar.registry import CalendarItem, register_calendar_source


def function_policy_exception_items(
    *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
) -> Iterable[CalendarItem]:
    exceptions = open_policy_exceptions_on(Function, start=start, end=end)
    if vendor_ids is not None:
        exceptions = exceptions.filter(raised_by=user)
    found = list(exceptions)
    functions = Function.objects.in_bulk({exception.object_id for exception in found})

    def subject(exception: Any) -> str:
        function = functions.get(exception.object_id)
        return f"the function “{function}”" if function is not None else ""

    return policy_exception_items(found, subject=subject)


register_calendar_source(
    "function_policy_exceptions", function_policy_exception_items, label="Policy exception reviews (functions)"
)
