"""Properties of the ledger over generated months: TCO is the sum of its components at every level; no
currency is ever added to another (a figure converts at its own day's rate or is named as not counted);
importing the same invoices file again changes no figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.models import FxRate
from apps.costs.ledger import COMPONENTS, cents, ledger_lines, totals_by, totals_of
from apps.kpis.models import KpiDefinition
from apps.performance.imports import import_job_create, import_job_run, import_job_start
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 1)
RATES = {"EUR": Decimal(1), "USD": Decimal("0.9"), "PLN": Decimal("0.23")}  # GBP has none

invoice = st.tuples(
    st.sampled_from(["EUR", "USD", "PLN", "GBP"]),
    st.integers(min_value=0, max_value=2),  # the contract
    st.sampled_from([7, 8, 9]),  # the month its period ends in
    st.decimals(min_value=0, max_value=100_000, places=2),
    st.sampled_from(["approved", "paid", "received", "disputed"]),
)
measurement = st.tuples(
    st.integers(min_value=0, max_value=2),
    st.sampled_from([7, 8, 9]),
    st.sampled_from(["defect_rate", "on_time_delivery_rate", "say_do_ratio"]),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=40, max_value=80),
)


def _month_end(month: int) -> dt.date:
    return (dt.date(2026, month + 1, 1) if month < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    invoices=st.lists(invoice, max_size=12),
    measurements=st.lists(measurement, max_size=8, unique_by=lambda m: m[:3]),
    credit=st.booleans(),
)
def test_tco_is_the_sum_of_its_components_and_currencies_never_mix(
    invoices: list[Any], measurements: list[Any], credit: bool
) -> None:
    with transaction.atomic():
        for currency, rate in RATES.items():
            if currency != "EUR":
                FxRate.objects.create(currency=currency, valid_on=dt.date(2026, 1, 1), rate=rate)
        vendor = factories.VendorFactory()
        contracts = [
            factories.ContractFactory(vendor=vendor, cost_of_delay_per_week=Decimal(250) if i else None)
            for i in range(3)
        ]
        expected_invoiced: dict[tuple[int, dt.date], Decimal] = {}
        expected_missing = 0
        groups: set[tuple[int, dt.date, str]] = set()
        for n, (currency, index, month, amount, status) in enumerate(invoices):
            contract = contracts[index]
            factories.InvoiceFactory(
                contract=contract,
                number=f"P-{n}",
                period_start=dt.date(2026, month, 1),
                period_end=_month_end(month),
                amount=amount,
                currency=currency,
                status=status,
            )
            if status not in ("approved", "paid"):
                continue
            key = (contract.pk, dt.date(2026, month, 1))
            if currency in RATES:
                expected_invoiced[key] = expected_invoiced.get(key, Decimal(0)) + amount * RATES[currency]
            elif (contract.pk, key[1], currency) not in groups:
                expected_missing += 1
            groups.add((contract.pk, key[1], currency))
        for index, month, code, numerator, denominator in measurements:
            factories.MeasurementFactory(
                contract=contracts[index],
                kpi=KpiDefinition.objects.get(code=code),
                period_start=dt.date(2026, month, 1),
                period_end=_month_end(month),
                numerator=Decimal(numerator),
                denominator=Decimal(denominator),
                value=Decimal(numerator * 100 // denominator),
            )
        if credit:
            factories.BreachFactory(
                evaluation__term__contract=contracts[0],
                evaluation__window_start=dt.date(2026, 8, 1),
                evaluation__window_end=dt.date(2026, 8, 31),
                credit_amount=Decimal("1234.56"),
                currency="USD",
            )

        lines = ledger_lines(start=START, end=END)

        for line in lines:
            parts = line.invoiced + line.management + line.rework + line.delay - line.credits
            assert line.tco == parts
            assert line.invoiced == cents(expected_invoiced.get((line.contract_id, line.month), Decimal(0)))
            assert all(line.component(name) == cents(line.component(name)) for name in COMPONENTS)
        assert sum(len(line.missing) for line in lines) == expected_missing
        assert all("GBP" in text for line in lines for text in line.missing)
        total = totals_of(lines)
        assert total.tco == sum((line.tco for line in lines), Decimal(0))
        assert total.tco == total.invoiced + total.management + total.rework + total.delay - total.credits
        for grouping in ("contract_id", "month", "vendor_id"):
            assert sum((t.tco for t in totals_by(lines, grouping).values()), Decimal(0)) == total.tco
        assert total.credits == (cents(Decimal("1234.56") * RATES["USD"]) if credit else 0)
        transaction.set_rollback(True)


HEADER = "contract,number,period start,period end,amount,currency,status,received on,note,hours\n"


def _import(content: bytes, actor: Any) -> Any:
    job = import_job_create(actor=actor, file_name="invoices.csv", content=content, register="invoices")
    import_job_start(instance=job, actor=actor, enqueue=False)
    import_job_run(import_id=job.pk)
    job.refresh_from_db()
    return job


def test_reimporting_the_invoices_changes_no_figure(user_with_role: Any) -> None:
    actor = user_with_role("procurement")
    factories.ContractFactory(reference="SOW-9")
    rows = [
        f"SOW-9,INV-{m},2026-0{m}-01,{_month_end(m)},{1000 * m}.50,EUR,approved,,,Developer: {10 * m}; QA: 5"
        for m in (7, 8, 9)
    ]
    content = (HEADER + "\n".join(rows) + "\n").encode()
    first = _import(content, actor)
    assert first.created_count == 3, first.errors
    before = ledger_lines(start=START, end=END)
    again = _import(content, actor)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    after = ledger_lines(start=START, end=END)
    assert after == before
    assert [line.invoiced for line in after] == [Decimal("7000.50"), Decimal("8000.50"), Decimal("9000.50")]
    assert [line.billed_hours for line in after] == [75, 85, 95]
