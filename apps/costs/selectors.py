"""Reads of the invoices: the scoped list the API and the list page share (each invoice with what its
contract had counted before it, for its flags), and what one contract's *Invoices* panel shows.

Everyone signed in reads every contract (``apps.contracts.selectors``), so ``user`` narrows nothing yet; it
is taken so every caller already passes it. Each read joins what its callers show, so a page costs the same
number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.flags import ZERO, with_invoiced_before
from apps.costs.models import CostSettings, Invoice, InvoiceHours, OwnerHours

# Who writes invoices (procurement and administrators, apps.accounts.roles).
ADD_INVOICE_PERMISSION = "costs.add_invoice"
CHANGE_INVOICE_PERMISSION = "costs.change_invoice"


def invoice_list(*, user: Any | None = None) -> QuerySet[Invoice]:
    """Every invoice with its contract and vendor, its billed hours and ``invoiced_before`` (the flags)."""
    return with_invoiced_before(
        Invoice.objects.select_related("contract__vendor").prefetch_related(
            Prefetch("hours", queryset=InvoiceHours.objects.order_by("role"))
        )
    )


def invoices_for(contract: Any, *, user: Any | None = None) -> QuerySet[Invoice]:
    return invoice_list(user=user).filter(contract=contract).order_by("-period_end", "-id")


@dataclass
class InvoiceTotals:
    """What a contract's invoices add up to: approved and paid in the contract's currency against its
    value, and the counted amounts in other currencies, listed apart (never added)."""

    currency: str
    value: Decimal
    invoiced: Decimal = ZERO
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def remaining(self) -> Decimal:
        return self.value - self.invoiced

    @property
    def over(self) -> bool:
        return self.invoiced > self.value


def invoice_totals(contract: Any, invoices: list[Invoice]) -> InvoiceTotals:
    """The totals of ``contract`` from its invoices already read (no query)."""
    totals = InvoiceTotals(currency=contract.currency, value=contract.value)
    for invoice in invoices:
        if invoice.status not in INVOICE_COUNTED_STATUSES:
            continue
        if invoice.currency == contract.currency:
            totals.invoiced += invoice.amount
        else:
            totals.other_currencies[invoice.currency] = (
                totals.other_currencies.get(invoice.currency, ZERO) + invoice.amount
            )
    return totals


def cost_settings() -> CostSettings:
    """The figures the total cost of ownership is computed with: the one row administrators keep, or —
    before anyone saved it — the defaults (one query)."""
    return CostSettings.objects.filter(pk=1).first() or CostSettings(pk=1)


# -- owner hours (docs/architecture/costs.md, "Owner hours") ---------------------------------------------
# Who logs: each named owner of the contract's vendor (its engineering owner, delivery owner and security
# contact) logs their own hours on its contracts; administrators log (and correct, and delete) anyone's.
# Nobody else does, whatever their role. ``None`` is the system itself (a command, the demo data). A week is
# named by its Monday.
# The vendor's fields naming the people who log hours on its contracts.
NAMED_OWNER_FIELDS = ("engineering_owner", "delivery_owner", "security_contact")


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week (Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


# -- who may log ----------------------------------------------------------------------------------------
def is_hours_admin(user: Any) -> bool:
    """Administrators (and superusers) log, correct and delete anyone's hours."""
    return bool(getattr(user, "is_authenticated", False)) and (user.is_superuser or user.has_role(Role.ADMIN))


def named_owner_ids(vendor: Any) -> set[int]:
    """The ids of ``vendor``'s named owners (engineering owner, delivery owner, security contact)."""
    ids = (getattr(vendor, f"{name}_id", None) for name in NAMED_OWNER_FIELDS)
    return {pk for pk in ids if pk is not None}


def may_log_hours(user: Any, *, contract: Contract, person: Any) -> bool:
    """Whether ``user`` may log (change, delete) ``person``'s hours on ``contract``: ``person`` themselves
    when they are a named owner of its vendor; an administrator for anyone; ``None`` (the system) always."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if is_hours_admin(user):
        return True
    person_id = getattr(person, "pk", person)
    return person_id == user.pk and user.pk in named_owner_ids(contract.vendor)


def loggable_contracts(user: Any) -> QuerySet[Contract]:
    """The contracts ``user`` may log their own hours on (an administrator: every contract), with their vendor."""
    contracts = Contract.objects.select_related("vendor").order_by("vendor__name", "title")
    if user is None or is_hours_admin(user):
        return contracts
    if not getattr(user, "is_authenticated", False):
        return contracts.none()
    owns = Q()
    for name in NAMED_OWNER_FIELDS:
        owns |= Q(**{f"vendor__{name}": user})
    return contracts.filter(owns)


def owner_hours_list(*, user: Any | None = None) -> QuerySet[OwnerHours]:
    """Every entry with its contract, vendor and person (everyone signed in reads them, as the contracts)."""
    return OwnerHours.objects.select_related("contract__vendor", "person")
