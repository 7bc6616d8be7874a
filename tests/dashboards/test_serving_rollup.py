"""Who serves which function, stored (``SERVING_ROLLUP``): after every kind of change the stored pairs are
the pairs worked out from the contracts, and a vendor's change works that vendor out alone."""

from __future__ import annotations

from typing import Any

import pytest

from apps.dashboards.models import VendorFunctionRollup
from apps.dashboards.tiles.sourcing import SERVING_ROLLUP, serving_pairs, store_serving
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
