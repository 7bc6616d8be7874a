"""The spend rows are summed in the database; over generated portfolios of master agreements, statements of
work and single contracts in several currencies and statuses, each row equals the rule worked out in
Python one contract at a time (``counted_annual``), with its contract count and next cancel-by date —
worked out from the contracts, and stored in the rollup and read back; and the overview's figures added up
from the stored rollup (the concentration panel, the spend tile and its charts) equal those added up from
the rows worked out, to the cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.contracts.models import Contract
from apps.core.fx import Conversion, fx_table
from apps.core.models import FxRate
from apps.dashboards.scope import Amount, Scope
from apps.dashboards.tiles.concentration import ConcentrationRow, concentration
from apps.dashboards.tiles.spend import (
    counted_annual,
    spend_breakdown,
    spend_figures,
    spend_per_currency,
    spend_rows,
    worked_out_spend_rows,
)
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = dt.date(2026, 6, 1)
RATES = {"USD": Decimal("0.9"), "PLN": Decimal("0.23")}  # GBP has none


CENT = Decimal("0.01")


def same_figures(stored: Any, worked_out: Any) -> bool:
    """A concentration row, an amount or a conversion of the stored path against the worked-out path's: the
    same keys, labels and rates, the money within a cent and the share within 0.1. The rollup stores twenty
    decimal places and PostgreSQL multiplies exactly, where Python works a master agreement's draws out to
    twenty-eight digits: an amount that lies on a half cent can round either way."""
    if stored is None or worked_out is None:
        return stored is worked_out
    if isinstance(stored, Conversion):
        return (
            (stored.currency, stored.on, stored.reporting, stored.rate, stored.rate_on)
            == (worked_out.currency, worked_out.on, worked_out.reporting, worked_out.rate, worked_out.rate_on)
            and abs(stored.amount - worked_out.amount) <= CENT
            and ((stored.converted is None) == (worked_out.converted is None))
            and (stored.converted is None or abs(stored.converted - worked_out.converted) <= CENT)
        )
    if isinstance(stored, ConcentrationRow):
        return (
            (stored.key, stored.label, stored.currency, stored.drill.url)
            == (worked_out.key, worked_out.label, worked_out.currency, worked_out.drill.url)
            and abs(stored.value - worked_out.value) <= CENT
            and ((stored.share is None) == (worked_out.share is None))
            and (stored.share is None or abs(stored.share - worked_out.share) <= Decimal("0.1"))
            and len(stored.conversions) == len(worked_out.conversions)
            and all(same_figures(a, b) for a, b in zip(stored.conversions, worked_out.conversions, strict=True))
        )
    assert isinstance(stored, Amount)
    return (
        (stored.currency, stored.drill.url) == (worked_out.currency, worked_out.drill.url)
        and abs(stored.amount - worked_out.amount) <= CENT
        and same_figures(stored.conversion, worked_out.conversion)
    )


def all_same(stored: Sequence[Any], worked_out: Sequence[Any]) -> bool:
    return len(stored) == len(worked_out) and all(same_figures(a, b) for a, b in zip(stored, worked_out, strict=True))


contract = st.fixed_dictionaries(
    {
        "vendor": st.integers(min_value=0, max_value=1),
        "master": st.sampled_from([None, 0, 0, 1, 2]),  # a SOW of the nth master, or a contract of its own
        "currency": st.sampled_from(["EUR", "USD", "PLN", "GBP"]),
        "same_currency": st.booleans(),  # a SOW in its master agreement's currency
        "status": st.sampled_from(["active", "active", "active", "draft", "expired"]),
        "model": st.sampled_from(["managed_services", "project_based"]),
        "value": st.decimals(min_value=0, max_value=900_000, places=2),
        "days": st.one_of(st.none(), st.integers(min_value=30, max_value=1000)),  # None: open-ended
        "cancel_by": st.one_of(st.none(), st.integers(min_value=-40, max_value=400)),  # days from today
    }
)


CLAMPED = {  # an active SOW worth more a year than its active master agreement: the agreement counts 0
    "vendor": 0,
    "master": 0,
    "currency": "EUR",
    "same_currency": True,
    "status": "active",
    "model": "managed_services",
    "value": Decimal("500000.00"),
    "days": None,
    "cancel_by": 10,
}


@example(
    masters=[{**CLAMPED, "value": Decimal("120000.00")}],
    others=[CLAMPED, {**CLAMPED, "currency": "USD", "same_currency": False}],
)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    masters=st.lists(contract, min_size=1, max_size=3),
    others=st.lists(contract, max_size=8),
)
def test_each_spend_row_is_the_sum_of_its_contracts_counted_one_by_one(masters: list[Any], others: list[Any]) -> None:
    with transaction.atomic():
        for currency, rate in RATES.items():
            FxRate.objects.create(currency=currency, valid_on=dt.date(2026, 1, 1), rate=rate)
        vendors = [factories.VendorFactory(), factories.VendorFactory()]

        def make(spec: dict[str, Any], parent: Contract | None) -> Contract:
            start = dt.date(2026, 1, 1)
            return factories.ContractFactory(
                vendor=parent.vendor if parent else vendors[spec["vendor"]],
                parent=parent,
                currency=parent.currency if parent and spec["same_currency"] else spec["currency"],
                status=spec["status"],
                engagement_model=spec["model"],
                value=spec["value"],
                start_date=start,
                end_date=start + dt.timedelta(days=spec["days"]) if spec["days"] else None,
                cancel_by=TODAY + dt.timedelta(days=spec["cancel_by"]) if spec["cancel_by"] is not None else None,
            )

        top = [make(spec, None) for spec in masters]
        children = [
            make(spec, top[spec["master"] % len(top)] if spec["master"] is not None else None) for spec in others
        ]
        every = top + children
        fx = fx_table()
        expected: dict[tuple[int, str, str], list[Any]] = defaultdict(lambda: [Decimal(0), 0, None])
        for each in every:
            if each.status != "active":
                continue
            sows = [c for c in every if c.parent_id == each.pk]
            group = expected[(each.vendor_id, each.engagement_model, each.currency)]
            group[0] += counted_annual(each, sows, on=TODAY, fx=fx)
            group[1] += 1
            if (
                each.cancel_by is not None
                and each.cancel_by >= TODAY
                and (group[2] is None or each.cancel_by < group[2])
            ):
                group[2] = each.cancel_by

        worked_out = worked_out_spend_rows(scope=Scope(), today=TODAY)
        stored = spend_rows(scope=Scope(), today=TODAY)  # the rollup, worked out and stored on this read
        read_again = spend_rows(scope=Scope(), today=TODAY)  # and read back

        for rows, with_cancel_by in ((worked_out, True), (stored, False), (read_again, False)):
            got = {(row.vendor_id, row.engagement_model, row.currency): row for row in rows}
            assert set(got) == set(expected)
            for key, (total, count, cancel_by) in expected.items():
                # The database divides with its own precision: equal to well under a cent.
                assert abs(got[key].annual - total) < Decimal("0.000001"), key
                assert got[key].contracts == count, key
                assert got[key].next_cancel_by == (cancel_by if with_cancel_by else None), key
        # The stored path of the overview adds up the same figures: the portfolio's groups and each vendor's
        # spend in the reporting currency summed in the database give the worked-out rows' concentration.
        figures = spend_figures(scope=Scope(), today=TODAY, fx=fx)
        assert figures.by_vendor is not None
        from_rows = concentration(scope=Scope(), spend=worked_out, today=TODAY, fx=fx)
        stored_spread = concentration(
            scope=Scope(), spend=figures.rows, today=TODAY, fx=fx, by_vendor=figures.by_vendor
        )
        for table in ("spend_by_vendor", "spend_by_country"):
            assert all_same(list(getattr(stored_spread, table)), list(getattr(from_rows, table))), table
        assert abs(stored_spread.spend_total - from_rows.spend_total) <= CENT
        assert all_same(stored_spread.spend_not_counted, from_rows.spend_not_counted)
        assert all_same(
            spend_per_currency(figures.rows, scope=Scope(), today=TODAY, fx=fx),
            spend_per_currency(worked_out, scope=Scope(), today=TODAY, fx=fx),
        )
        for by in ("geography", "engagement_model"):
            stored_parts = spend_breakdown(figures.rows, by=by, scope=Scope())
            worked_parts = spend_breakdown(worked_out, by=by, scope=Scope())
            assert [part.currency for part in stored_parts] == [part.currency for part in worked_parts], by
            for stored_part, worked_part in zip(stored_parts, worked_parts, strict=True):
                assert abs(stored_part.total - worked_part.total) <= CENT, by
                assert [(seg.key, seg.drill.url) for seg in stored_part.segments] == [
                    (seg.key, seg.drill.url) for seg in worked_part.segments
                ], by
                assert all(
                    abs(Decimal(a.value) - Decimal(b.value)) <= CENT
                    for a, b in zip(stored_part.segments, worked_part.segments, strict=True)
                ), by
        transaction.set_rollback(True)
