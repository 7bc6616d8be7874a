"""The league table's costs are cached (``league_vendor_costs``) until anything the ledger reads changes:
an invoice, a review's attendees, a person's role, the cost settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from apps.costs.ledger_rollup import league_vendor_costs, vendor_costs
from apps.costs.models import Invoice, InvoiceHours
from apps.costs.selectors import cost_settings
from tests import factories

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 1)
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "costs"}}


@pytest.fixture(autouse=True)
def cache_on() -> Any:
    with override_settings(SCORECARD_CACHE_SECONDS=600, CACHES=LOCAL_CACHE):
        from django.core.cache import cache

        cache.clear()
        yield


def tco(vendor_id: int) -> tuple[int, Decimal]:
    with CaptureQueriesContext(connection) as captured:
        costs = league_vendor_costs(vendor_ids=[vendor_id], start=START, end=END, rates=cost_settings())
    return len(captured) - 1, costs[vendor_id].tco  # less the settings' read


def test_cached_until_what_the_ledger_reads_changes() -> None:
    manager = factories.UserFactory(role="engineering_manager")
    vendor = factories.VendorFactory(engineering_owner=manager, delivery_owner=None, security_contact=None)
    contract = factories.ContractFactory(vendor=vendor)
    invoice = factories.InvoiceFactory(contract=contract, status="approved", amount=Decimal(10000))
    InvoiceHours.objects.create(invoice=invoice, role="Developer", hours=Decimal(100))
    review = factories.ServiceReviewFactory(
        vendor=vendor, status="held", held_on=dt.date(2026, 3, 10), duration_hours=Decimal(2)
    )
    review.attendees.add(manager)

    first, total = tco(vendor.pk)
    expected = vendor_costs(vendor_ids=[vendor.pk], start=START, end=END, rates=cost_settings())[vendor.pk].tco
    assert total == expected and first == 2
    assert tco(vendor.pk) == (1, total)  # only the version query

    Invoice.objects.filter(pk=invoice.pk).update(amount=Decimal(12000))
    queries, changed = tco(vendor.pk)
    assert (queries, changed) == (2, total + 2000)
    assert tco(vendor.pk) == (1, changed)

    review.attendees.add(factories.UserFactory(role="executive"))  # a link table without an audit trail
    assert tco(vendor.pk)[1] == changed + 2 * 150

    manager.groups.add(Group.objects.get(name="executive"))  # a role: the dearest rate counts
    dearer = tco(vendor.pk)[1]
    assert dearer > changed + 300

    rates = cost_settings()
    rates.hourly_cost_executive = Decimal(200)
    rates.save()
    assert tco(vendor.pk)[1] > dearer
