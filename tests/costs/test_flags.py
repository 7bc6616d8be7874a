"""The invoice flags, hand-computed: over the contract's remaining value (counted: approved and paid in
the contract's currency before the invoice), a different currency not compared, outside the term; the
list's annotation gives the same flags as the one-invoice rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.costs import flags
from apps.costs.models import Invoice
from apps.costs.selectors import invoice_list
from tests.factories import ContractFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def codes(invoice: Invoice) -> list[str]:
    return [flag.code for flag in flags.flags_of(invoice)]


def test_over_remaining_value_hand_computed() -> None:
    # Value 240,000 EUR: approved 150,000 (Jan), paid 80,000 (Feb) → 10,000 left before March.
    contract = ContractFactory(value=Decimal("240000.00"), currency="EUR")
    jan = InvoiceFactory(
        contract=contract,
        amount=Decimal("150000"),
        status="approved",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
    )
    feb = InvoiceFactory(
        contract=contract,
        amount=Decimal("80000"),
        status="paid",
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
    )
    within = InvoiceFactory(contract=contract, amount=Decimal("10000"))  # exactly what is left: not flagged
    over = InvoiceFactory(contract=contract, amount=Decimal("10000.01"))
    rows = {invoice.pk: invoice for invoice in invoice_list()}
    assert flags.invoice_remaining(rows[jan.pk]) == Decimal("240000")
    assert flags.invoice_remaining(rows[feb.pk]) == Decimal("90000")
    assert flags.invoice_remaining(rows[within.pk]) == Decimal("10000")
    assert codes(rows[jan.pk]) == [] and codes(rows[feb.pk]) == []
    assert codes(rows[within.pk]) == []
    assert codes(rows[over.pk]) == [flags.OVER_REMAINING_VALUE]
    assert "10,000.01 EUR with 10,000.00 EUR left of 240,000.00 EUR" in flags.flags_of(rows[over.pk])[0].message
    # Read one at a time (no annotation), the rule answers the same.
    fresh = type(over).objects.select_related("contract").get(pk=over.pk)
    assert codes(fresh) == [flags.OVER_REMAINING_VALUE]


def test_the_approved_invoice_that_crosses_the_value_is_the_one_flagged() -> None:
    contract = ContractFactory(value=Decimal("100.00"))
    first = InvoiceFactory(contract=contract, amount=Decimal("60"), status="approved", period_end=dt.date(2026, 3, 30))
    second = InvoiceFactory(contract=contract, amount=Decimal("60"), status="approved")
    rows = {invoice.pk: invoice for invoice in invoice_list()}
    assert codes(rows[first.pk]) == [] and codes(rows[second.pk]) == [flags.OVER_REMAINING_VALUE]


def test_another_currency_is_not_compared_nor_counted() -> None:
    contract = ContractFactory(value=Decimal("100.00"), currency="EUR")
    usd = InvoiceFactory(contract=contract, amount=Decimal("500"), currency="USD", status="approved")
    eur = InvoiceFactory(contract=contract, amount=Decimal("100"))
    rows = {invoice.pk: invoice for invoice in invoice_list()}
    assert codes(rows[usd.pk]) == [flags.CURRENCY_DIFFERS]
    assert "not compared" in flags.flags_of(rows[usd.pk])[0].message
    assert codes(rows[eur.pk]) == []  # the USD invoice is not subtracted from the EUR value


def test_outside_the_term() -> None:
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    before = InvoiceFactory(contract=contract, period_start=dt.date(2025, 12, 15), period_end=dt.date(2026, 1, 15))
    after = InvoiceFactory(contract=contract, period_start=dt.date(2026, 12, 1), period_end=dt.date(2027, 1, 31))
    inside = InvoiceFactory(contract=contract, period_start=dt.date(2026, 12, 1), period_end=dt.date(2026, 12, 31))
    rows = {invoice.pk: invoice for invoice in invoice_list()}
    assert codes(rows[before.pk]) == [flags.OUTSIDE_TERM] and codes(rows[after.pk]) == [flags.OUTSIDE_TERM]
    assert codes(rows[inside.pk]) == []
    open_ended = ContractFactory(end_date=None, renewal="none")
    late = InvoiceFactory(contract=open_ended, period_start=dt.date(2030, 1, 1), period_end=dt.date(2030, 1, 31))
    assert codes(invoice_list().get(pk=late.pk)) == []
