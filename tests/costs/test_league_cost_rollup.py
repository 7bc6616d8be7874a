"""The league table's costs are stored (``league_vendor_costs``, ``apps.core.rollups``) until anything the
ledger reads changes: a vendor's invoice drops that vendor's sum alone; a review's attendees, a person's
role, the cost settings or an FX rate drop every vendor's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import FxRate
from apps.costs.ledger_rollup import league_vendor_costs, vendor_costs
from apps.costs.models import Invoice, InvoiceHours, VendorCostRollup
from apps.costs.selectors import cost_settings
from tests import factories

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 1)
FRESH_QUERIES = 2  # the audit trails' heads with the rollup's mark, the stored rows


def tco(vendor_id: int) -> tuple[int, Decimal]:
    rates = cost_settings()
    with CaptureQueriesContext(connection) as captured:
        costs = league_vendor_costs(vendor_ids=[vendor_id], start=START, end=END, rates=rates)
    return len(captured), costs[vendor_id].tco


def invoiced_vendor(amount: int = 10000, currency: str = "EUR") -> tuple[object, object, object]:
    manager = factories.UserFactory(role="engineering_manager")
    vendor = factories.VendorFactory(engineering_owner=manager, delivery_owner=None, security_contact=None)
    contract = factories.ContractFactory(vendor=vendor, currency=currency)
    invoice = factories.InvoiceFactory(contract=contract, status="approved", amount=Decimal(amount), currency=currency)
    InvoiceHours.objects.create(invoice=invoice, role="Developer", hours=Decimal(100))
    return manager, vendor, invoice


def test_stored_until_what_the_ledger_reads_changes() -> None:
    manager, vendor, invoice = invoiced_vendor()
    review = factories.ServiceReviewFactory(
        vendor=vendor, status="held", held_on=dt.date(2026, 3, 10), duration_hours=Decimal(2)
    )
    review.attendees.add(manager)

    first, total = tco(vendor.pk)
    expected = vendor_costs(vendor_ids=[vendor.pk], start=START, end=END, rates=cost_settings())[vendor.pk].tco
    assert total == expected and first > FRESH_QUERIES
    assert tco(vendor.pk) == (FRESH_QUERIES, total)

    Invoice.objects.filter(pk=invoice.pk).update(amount=Decimal(12000))
    queries, changed = tco(vendor.pk)
    assert queries > FRESH_QUERIES and changed == total + 2000
    assert tco(vendor.pk) == (FRESH_QUERIES, changed)

    review.attendees.add(factories.UserFactory(role="executive"))  # a link table without an audit trail
    assert tco(vendor.pk)[1] == changed + 2 * 150

    manager.groups.add(Group.objects.get(name="executive"))  # a role: the dearest rate counts
    dearer = tco(vendor.pk)[1]
    assert dearer > changed + 300

    rates = cost_settings()
    rates.hourly_cost_executive = Decimal(200)
    rates.save()
    assert tco(vendor.pk)[1] > dearer


def test_an_invoice_drops_its_vendor_alone_and_an_fx_rate_every_vendor() -> None:
    _, one, invoice = invoiced_vendor(10000)
    _, other, _ = invoiced_vendor(5000, "USD")
    costs = league_vendor_costs(vendor_ids=[one.pk, other.pk], start=START, end=END, rates=cost_settings())
    other_row = VendorCostRollup.objects.get(vendor=other)
    InvoiceHours.objects.filter(invoice=invoice).update(hours=Decimal(50))  # reached through its invoice
    again = league_vendor_costs(vendor_ids=[one.pk, other.pk], start=START, end=END, rates=cost_settings())
    assert again[one.pk].billed_hours == 50 and costs[one.pk].billed_hours == 100
    assert VendorCostRollup.objects.get(vendor=other).pk == other_row.pk  # not worked out again

    FxRate.objects.create(currency="USD", valid_on=dt.date(2025, 1, 1), rate=Decimal("0.5"))
    converted = league_vendor_costs(vendor_ids=[one.pk, other.pk], start=START, end=END, rates=cost_settings())
    assert VendorCostRollup.objects.get(vendor=other).pk != other_row.pk
    assert (
        converted[other.pk]
        == vendor_costs(vendor_ids=[other.pk], start=START, end=END, rates=cost_settings())[other.pk]
    )


def test_a_vendor_with_nothing_in_the_ledger_is_stored_as_such() -> None:
    vendor = factories.VendorFactory()
    assert league_vendor_costs(vendor_ids=[vendor.pk], start=START, end=END, rates=cost_settings()) == {}
    assert VendorCostRollup.objects.get(vendor=vendor).has_lines is False
    assert league_vendor_costs(vendor_ids=[vendor.pk], start=START, end=END, rates=cost_settings()) == {}
