"""Who serves the critical functions, counted in the database (``critical_serving``) and shown by the
concentration panel (``functions_by_vendor``, ``functions_by_country``): over generated portfolios — critical
and other functions, active and other contracts covering them, vendor names in and out of code-point order,
several countries — the vendors' counts, shares, flags and order equal the rules worked out here from the
stored pairs, whether the panel reads the first rows and the flagged ones (the page) or every row (the CSV);
and narrowed to one vendor (the functions its active contracts cover), that vendor's row alone."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.dashboards.scope import Scope, percent
from apps.dashboards.tiles.concentration import concentration
from apps.dashboards.tiles.sourcing import critical_serving, function_rows, serving_pairs, store_serving
from apps.functions.models import Function
from apps.vendors.models import Vendor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = dt.date(2026, 6, 10)
THRESHOLD = Decimal(30)

vendor = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["Acme", "acme", "Zeta", "Émile", "émile", "Ärger", "Bolt"]),
        "country": st.sampled_from(["PL", "IN", "VN"]),
        # (status of the contract, indexes of the functions it covers)
        "contracts": st.lists(
            st.tuples(st.sampled_from(["active", "active", "draft", "expired"]), st.sets(st.integers(0, 5))),
            max_size=3,
        ),
    }
)
# Six functions: critical (strategic, sensitive or velocity-critical) or not.
functions = st.lists(st.sampled_from(["strategic", "sensitive", "velocity", "plain"]), min_size=6, max_size=6)


def _expected(shown: int) -> tuple[list[tuple[int, str, int, Decimal | None]], list[Any], dict[str, int], int]:
    critical = {f.pk for f in Function.objects.all() if f.strategic >= 4 or f.sensitive >= 4 or f.velocity_critical}
    pairs = {(f, v) for f, v in serving_pairs() if f in critical}
    total = len({f for f, _ in pairs})
    names = dict(Vendor.objects.values_list("pk", "name"))
    countries = dict(Vendor.objects.values_list("pk", "country"))
    per_vendor: dict[int, int] = defaultdict(int)
    per_country: dict[str, set[int]] = defaultdict(set)
    for f, v in pairs:
        per_vendor[v] += 1
        per_country[str(countries[v])].add(f)
    every = sorted(
        ((v, names[v], n, percent(n, total)) for v, n in per_vendor.items()),
        key=lambda row: (-(row[3] or 0), row[1], row[0]),
    )
    head = [row for i, row in enumerate(every) if i < shown or (row[3] is not None and row[3] > THRESHOLD)]
    return head, every, {country: len(ids) for country, ids in per_country.items()}, total


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vendors=st.lists(vendor, min_size=1, max_size=6), kinds=functions, shown=st.integers(1, 4))
def test_the_counts_shares_and_order_are_the_rules(vendors: list[dict[str, Any]], kinds: list[str], shown: int) -> None:
    with transaction.atomic():
        made = [
            factories.FunctionFactory(
                strategic=5 if kind == "strategic" else 2,
                sensitive=5 if kind == "sensitive" else 2,
                velocity_critical=kind == "velocity",
            )
            for kind in kinds
        ]
        for number, spec in enumerate(vendors):
            one = factories.VendorFactory(name=f"{spec['name']} {number}", country=spec["country"])
            for status, covered in spec["contracts"]:
                contract = factories.ContractFactory(vendor=one, status=status)
                contract.functions.add(*(made[i] for i in covered))
        store_serving()
        head, every, by_country, total = _expected(shown)

        found = critical_serving(scope=Scope(), shown=shown, threshold=THRESHOLD)
        assert found.by_vendor == head
        assert found.vendors == len(every) and found.total == total
        assert dict(found.by_country) == by_country
        assert found.read_all() == every

        # The panel: the page reads the first rows and every flagged one; the CSV all of them, in order.
        panel = concentration(scope=Scope(), spend=[], critical=found, today=TODAY)
        rows = panel.functions_by_vendor
        assert len(rows) == len(every)
        assert [row.key for row in rows.flagged()] == [
            str(v) for v, _, _, share in every if share and share > THRESHOLD
        ]
        assert [(int(row.key), row.label, row.value, row.share) for row in rows] == every
        assert panel.critical_functions == total
        assert {row.key: row.value for row in panel.functions_by_country} == by_country

        # Narrowed to one vendor: the functions in scope are those its active contracts cover, so its row
        # alone, holding all of them.
        if every:
            vendor_id, name, n, _ = every[-1]
            alone = critical_serving(scope=Scope(vendor=vendor_id), shown=shown, threshold=THRESHOLD)
            assert alone.by_vendor == [(vendor_id, name, n, Decimal("100.0"))] and alone.total == n
        transaction.set_rollback(True)


def test_a_function_names_its_first_vendors_and_counts_them_all() -> None:
    served = factories.FunctionFactory(name="Payments core")
    for name in ("Delta", "alpha", "Charlie", "Bravo", "Echo"):
        factories.ContractFactory(vendor=factories.VendorFactory(name=name), status="active").functions.add(served)
    factories.ContractFactory(vendor=factories.VendorFactory(name="Aardvark"), status="draft").functions.add(served)
    factories.FunctionFactory(name="Unserved")
    shown = {row.name: row for row in function_rows(scope=Scope())}
    every = {row.name: row for row in function_rows(scope=Scope(), every_vendor=True)}
    # By name in the database's collation (as the list pages sort names), the draft contract's vendor left out.
    database_order = list(Vendor.objects.exclude(name="Aardvark").order_by("name", "pk").values_list("pk", "name"))
    assert shown["Payments core"].vendors == tuple(database_order[:3]) and shown["Payments core"].vendor_count == 5
    assert shown["Payments core"].more_vendors == 2
    assert every["Payments core"].vendors == tuple(database_order) and every["Payments core"].more_vendors == 0
    assert shown["Unserved"].vendors == () and shown["Unserved"].vendor_count == 0
