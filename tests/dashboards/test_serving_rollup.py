"""Who serves which function, stored (``SERVING_ROLLUP``): after every kind of change the stored pairs are
the pairs worked out from the contracts, and a vendor's change works that vendor out alone; many changed
vendors (and the stored spend's) are worked out with the whole portfolio."""

from __future__ import annotations

from typing import Any

import pytest

from apps.dashboards.models import VendorFunctionRollup, VendorSpendRollup
from apps.dashboards.scope import Scope
from apps.dashboards.tiles.sourcing import SERVING_ROLLUP, serving_pairs, store_serving
from apps.dashboards.tiles.spend import store_spend, worked_out_spend_rows
from tests import factories

pytestmark = pytest.mark.django_db


def stored() -> set[tuple[int, int]]:
    return set(VendorFunctionRollup.objects.values_list("function_id", "vendor_id"))


def test_the_stored_pairs_follow_contracts_and_their_functions() -> None:
    build, run, audit = factories.FunctionFactory(), factories.FunctionFactory(), factories.FunctionFactory()
    first, second = factories.VendorFactory(), factories.VendorFactory()
    active = factories.ContractFactory(vendor=first, status="active")
    active.functions.add(build, run)
    draft = factories.ContractFactory(vendor=second, status="draft")
    draft.functions.add(audit)
    other = factories.ContractFactory(vendor=second, status="active")
    other.functions.add(build)

    store_serving()
    assert stored() == set(serving_pairs()) == {(build.pk, first.pk), (run.pk, first.pk), (build.pk, second.pk)}

    # A contract's status: the vendor's pairs worked out again, the other vendor's rows kept as stored.
    kept = VendorFunctionRollup.objects.get(vendor=first, function=build).pk
    draft.status = "active"
    draft.save()
    store_serving()
    assert stored() == set(serving_pairs())
    assert (audit.pk, second.pk) in stored()
    assert VendorFunctionRollup.objects.get(vendor=first, function=build).pk == kept

    # A contract's functions (a link table without an audit trail): every pair worked out again.
    active.functions.remove(run)
    active.functions.add(audit)
    store_serving()
    assert stored() == set(serving_pairs())
    assert (run.pk, first.pk) not in stored() and (audit.pk, first.pk) in stored()

    # A function deleted takes its links and its stored pairs with it.
    audit.delete()
    store_serving()
    assert stored() == set(serving_pairs()) == {(build.pk, first.pk), (build.pk, second.pk)}
    assert SERVING_ROLLUP.settled()


def test_nothing_changed_costs_one_query(django_assert_num_queries: Any) -> None:
    factories.ContractFactory(status="active").functions.add(factories.FunctionFactory())
    store_serving()
    with django_assert_num_queries(1):
        store_serving()


def test_many_changed_vendors_are_worked_out_with_the_whole_portfolio(monkeypatch: Any) -> None:
    """Past ``READ_BY_ID`` changed vendors, the pairs (and the spend) are worked out for the whole portfolio
    and the changed vendors' picked (a statement takes at most 65,535 parameters): the same rows, no
    vendor stored twice."""
    from apps.core import rollups

    function = factories.FunctionFactory()
    contracts = [factories.ContractFactory(status="active") for _ in range(4)]
    for contract in contracts:
        contract.functions.add(function)
    today = contracts[0].start_date
    store_serving()
    store_spend(today=today)
    monkeypatch.setattr(rollups, "READ_BY_ID", 1)
    for contract in contracts[:3]:  # three vendors changed, one not
        contract.value += 1
        contract.save()
    store_serving()
    store_spend(today=today)
    assert stored() == set(serving_pairs())
    assert sorted(VendorSpendRollup.objects.values_list("vendor_id", "annual")) == sorted(
        (row.vendor_id, row.annual) for row in worked_out_spend_rows(scope=Scope(), today=today)
    )
