"""What an invoice is flagged for, computed when it is read (never stored): docs/architecture/costs.md,
"Flags".

- *Over the remaining value*: the contract's value less what is already invoiced against it — its
  approved and paid invoices in the contract's currency *before* this one — is less than this invoice's
  amount. For an approved or paid invoice, "before" is the counted invoices with an earlier period end
  (the same end: a smaller id), so the flag marks the invoice that crossed the value; a received or
  disputed invoice is compared with everything already counted (approving it would add it on top).
- *Currency differs*: an invoice in another currency than the contract's is not compared with its value
  (never converted silently), and says so.
- *Outside the term*: its period starts before the contract's start or ends after its end date.

``invoice_flags`` is the rule for one invoice; ``with_invoiced_before`` annotates a list's invoices with
what was counted before each in one subquery, so a list reads its flags without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from apps.core.formatting import format_date, format_money
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.models import Invoice

OVER_REMAINING_VALUE = "over_remaining_value"
CURRENCY_DIFFERS = "currency_differs"
OUTSIDE_TERM = "outside_term"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Flag:
    """One thing worth a look about an invoice: a stable ``code`` and a sentence saying why."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def invoice_flags(invoice: Invoice, *, remaining: Decimal | None, contract: Any) -> list[Flag]:
    """The flags of ``invoice`` on ``contract``, given ``remaining``: the contract's value less its
    counted invoices in its currency before this one (``invoice_remaining``; ignored when the currencies
    differ). No query."""
    flags: list[Flag] = []
    if invoice.currency != contract.currency:
        flags.append(
            Flag(
                CURRENCY_DIFFERS,
                f"The currency ({invoice.currency}) differs from the contract's ({contract.currency}): "
                "not compared with its value.",
            )
        )
    elif remaining is not None and remaining < invoice.amount:
        left = format_money(max(remaining, ZERO), contract.currency)
        flags.append(
            Flag(
                OVER_REMAINING_VALUE,
                f"Over the contract's remaining value: {format_money(invoice.amount, invoice.currency)} with "
                f"{left} left of {format_money(contract.value, contract.currency)}.",
            )
        )
    starts_before = invoice.period_start < contract.start_date
    ends_after = contract.end_date is not None and invoice.period_end > contract.end_date
    if starts_before or ends_after:
        term = f"{format_date(contract.start_date)} – " + (
            format_date(contract.end_date) if contract.end_date else "open-ended"
        )
        flags.append(Flag(OUTSIDE_TERM, f"The invoiced period is outside the contract's term ({term})."))
    return flags


def _counted_total(before: Q) -> Coalesce:
    """The amount of the outer invoice's contract's counted invoices in the contract's currency, other
    than the outer invoice, matching ``before`` (references to the outer invoice through ``OuterRef``)."""
    counted = (
        Invoice.objects.filter(
            contract=OuterRef("contract"),
            status__in=INVOICE_COUNTED_STATUSES,
            currency=OuterRef("contract__currency"),
        )
        .exclude(pk=OuterRef("pk"))
        .filter(before)
        .order_by()
        .values("contract")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(counted), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def with_invoiced_before(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """``invoiced_before`` on each invoice: what its contract had counted before it (module docstring)."""
    earlier = Q(period_end__lt=OuterRef("period_end")) | Q(period_end=OuterRef("period_end"), pk__lt=OuterRef("pk"))
    return queryset.annotate(
        invoiced_before=Case(
            When(status__in=INVOICE_COUNTED_STATUSES, then=_counted_total(earlier)),
            default=_counted_total(Q()),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


def invoice_remaining(invoice: Invoice) -> Decimal:
    """The contract's value less what was counted before ``invoice`` (annotated, or one query)."""
    before = getattr(invoice, "invoiced_before", None)
    if before is None and invoice.pk is not None:
        before = (
            with_invoiced_before(Invoice.objects.filter(pk=invoice.pk))
            .values_list("invoiced_before", flat=True)  # type: ignore[misc]  # an annotation
            .first()
        )
    elif before is None:  # not saved yet: compared with everything counted so far
        before = Invoice.objects.filter(
            contract_id=invoice.contract_id,
            status__in=INVOICE_COUNTED_STATUSES,
            currency=invoice.contract.currency,
        ).aggregate(total=Sum("amount"))["total"]
    return invoice.contract.value - (before or ZERO)


def flags_of(invoice: Invoice) -> list[Flag]:
    """``invoice_flags`` of a read invoice (its contract joined; ``invoiced_before`` annotated or read)."""
    return invoice_flags(invoice, remaining=invoice_remaining(invoice), contract=invoice.contract)
