"""What contracts put in the calendar feeds (``apps.notifications.calendar``), registered on import
from ``ContractsConfig.ready``. A contract is its vendor's: it is in the feed of the vendor's named
owners and watchers.

- ``contract_dates``: an active contract's cancel-by date (the last day to give notice or to renew),
  and the end of its term — when it renews automatically, ends unless renewed, or simply ends — for
  active contracts and for expired ones (the recent past stays in the calendar).
- ``contract_policy_exceptions``: the review date of each open policy exception on a contract (covering
  a function policy keeps in-house), for the vendor's followers and the person who raised it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q

from apps.contracts.choices import ContractStatus, Renewal
from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.notifications.calendar.policy_exceptions import open_policy_exceptions_on, policy_exception_items
from apps.notifications.calendar.registry import CalendarItem, register_calendar_source
from apps.notifications.reminders import day_label

CATEGORY = "Contract"
# The contracts whose term end is shown: in force, or ended by date (not drafts, not terminated ones).
TERM_END_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


def _end_wording(contract: Contract) -> tuple[str, str]:
    """(the summary's lead, what the description says happens) at the end of ``contract``'s term."""
    if contract.status == ContractStatus.EXPIRED:
        return "Contract ended", "ended"
    if contract.renewal == Renewal.AUTOMATIC:
        return "Contract renews", "renews automatically unless notice was given"
    if contract.renewal == Renewal.EXPLICIT:
        return "Contract ends unless renewed", "ends unless it is renewed"
    return "Contract ends", "ends"


def contract_date_items(
    *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
) -> Iterable[CalendarItem]:
    cancel_by = Q(status=ContractStatus.ACTIVE, cancel_by__gte=start, cancel_by__lte=end)
    term_end = Q(status__in=TERM_END_STATUSES, end_date__gte=start, end_date__lte=end)
    contracts = contract_list().prefetch_related(None).filter(cancel_by | term_end).order_by("pk")
    if vendor_ids is not None:
        contracts = contracts.filter(vendor_id__in=vendor_ids)
    for contract in contracts:
        vendor, url = contract.vendor, contract.get_absolute_url()
        named = f"{contract.title} ({vendor})"
        if contract.status == ContractStatus.ACTIVE and contract.cancel_by and start <= contract.cancel_by <= end:
            if contract.renewal == Renewal.AUTOMATIC:
                what = "renews automatically unless notice is given by this day"
            else:
                what = "ends unless it is renewed by this day"
            term = f" Its term ends on {day_label(contract.end_date)}." if contract.end_date else ""
            yield CalendarItem(
                uid=f"contract-{contract.pk}-cancel-by",
                day=contract.cancel_by,
                summary=f"Cancel-by date: {named}",
                description=(
                    f"“{contract.title}” with {vendor} {what} ({day_label(contract.cancel_by)}).{term} "
                    "Decide before it: renew, renegotiate or give notice."
                ),
                url=url,
                categories=(CATEGORY, "Cancel-by date"),
                updated_at=contract.updated_at,
            )
        if contract.end_date and start <= contract.end_date <= end and contract.status in TERM_END_STATUSES:
            lead, what = _end_wording(contract)
            yield CalendarItem(
                uid=f"contract-{contract.pk}-end",
                day=contract.end_date,
                summary=f"{lead}: {named}",
                description=f"The term of “{contract.title}” with {vendor} {what} on {day_label(contract.end_date)}.",
                url=url,
                categories=(CATEGORY, "Contract end"),
                updated_at=contract.updated_at,
            )


def contract_policy_exception_items(
    *, user: Any, vendor_ids: frozenset[int] | None, start: date, end: date
) -> Iterable[CalendarItem]:
    exceptions = open_policy_exceptions_on(Contract, start=start, end=end)
    if vendor_ids is not None:
        followed = Contract.objects.filter(vendor_id__in=vendor_ids).values("pk")
        exceptions = exceptions.filter(Q(raised_by=user) | Q(object_id__in=followed))
    found = list(exceptions)
    contracts = contract_list().prefetch_related(None).in_bulk({exception.object_id for exception in found})

    def subject(exception: Any) -> str:
        contract = contracts.get(exception.object_id)
        return f"the contract “{contract.title}” with {contract.vendor}" if contract is not None else ""

    return policy_exception_items(found, subject=subject)


register_calendar_source("contract_dates", contract_date_items, label="Contract cancel-by, end and renewal dates")
register_calendar_source(
    "contract_policy_exceptions", contract_policy_exception_items, label="Policy exception reviews (contracts)"
)
