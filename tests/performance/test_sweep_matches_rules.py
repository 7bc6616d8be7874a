"""The sweep's SQL (``apps.performance.sla.SWEEP_SQL``) applies the rules of ``apps.performance.evaluation``.

The rules are tested table by table in ``test_evaluation_rules.py``; here randomised terms (every window
kind, comparator, aggregation, minimum samples, warning band, open-ended and expiring contracts) and
measurements (ties on the period end, ratio KPIs, windows with no data) are swept, and every stored
evaluation and breach is compared with what the Python rules make of the same measurements.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from apps.performance.evaluation import (
    Aggregates,
    Window,
    aggregate_value,
    service_credit,
    window_containing,
    window_status,
    windows_between,
)
from apps.performance.models import Breach, Measurement, SlaEvaluation
from apps.performance.sla import lookback_days, sla_evaluate_window, sla_sweep
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = dt.date(2026, 11, 23)


def _decimal(rng: random.Random, low: float, high: float, places: int = 4) -> Decimal:
    return D(str(round(rng.uniform(low, high), places)))


def _reference_aggregates(rows: list[Measurement]) -> Aggregates:
    """The aggregates of a window's measurements, worked out in Python."""
    if not rows:
        return Aggregates()
    values = [m.value for m in rows]
    ratio_rows = [m for m in rows if m.denominator is not None]
    latest = max(rows, key=lambda m: (m.period_end, m.period_start, m.pk))
    return Aggregates(
        samples=len(rows),
        mean=sum(values, D(0)) / len(values),
        total=sum(values, D(0)),
        minimum=min(values),
        maximum=max(values),
        latest=latest.value,
        numerator_sum=sum((m.numerator or D(0) for m in ratio_rows), D(0)) if ratio_rows else None,
        denominator_sum=sum((m.denominator or D(0) for m in ratio_rows), D(0)) if ratio_rows else None,
        ratio_samples=len(ratio_rows),
    )


def _make_portfolio(rng: random.Random, terms: int) -> list[Any]:
    ratio_kpi = factories.KpiDefinitionFactory(code="ratio_check", aggregation="ratio", multiplier=D(100))
    plain_kpis = [
        factories.KpiDefinitionFactory(code=f"plain_{aggregation}", aggregation=aggregation)
        for aggregation in ("mean", "sum", "min", "max", "latest")
    ]
    made = []
    for index in range(terms):
        start = AS_OF - dt.timedelta(days=rng.choice([40, 95, 200, 400, 800]))
        end = rng.choice([None, AS_OF + dt.timedelta(days=rng.randint(10, 400)), AS_OF - dt.timedelta(days=25)])
        contract = factories.ContractFactory(
            start_date=start,
            end_date=end,
            status="expired" if end is not None and end < AS_OF else "active",
            value=rng.choice([D("0"), _decimal(rng, 10_000, 3_000_000, 2), _decimal(rng, 10_000, 3_000_000, 2)]),
            renewal="none",
        )
        kpi = ratio_kpi if index % 3 == 0 else rng.choice(plain_kpis)
        kind = rng.choice(["month", "month", "quarter", "rolling"])
        comparator = rng.choice(["gte", "lte"])
        target = _decimal(rng, 40, 60, 2)
        warning = None
        if rng.random() < 0.5:  # on the safe side of the target
            warning = target + D(5) if comparator == "gte" else target - D(5)
        term = factories.SlaTermFactory(
            contract=contract,
            kpi=kpi,
            comparator=comparator,
            target=target,
            warning_target=warning,
            window=kind,
            window_days=rng.choice([7, 14, 30, 45]) if kind == "rolling" else None,
            aggregation=rng.choice(["", "", "mean", "latest"]) if kpi is ratio_kpi else "",
            min_samples=rng.choice([1, 1, 2, 3]),
            severity=rng.choice(["minor", "major", "critical"]),
            credit_percent=rng.choice([D("0"), D("2.5"), D("5"), D("10")]),
        )
        for _ in range(rng.randint(0, 14)):
            period_end = AS_OF - dt.timedelta(days=rng.randint(0, 230))
            period_start = period_end - dt.timedelta(days=rng.choice([0, 0, 6, 13]))
            if kpi is ratio_kpi:
                denominator = D(rng.randint(1, 40))
                numerator = D(rng.randint(0, int(denominator)))
                fields = {"numerator": numerator, "denominator": denominator, "value": numerator * 100 / denominator}
            else:
                fields = {"value": _decimal(rng, 20, 80)}
            if Measurement.objects.filter(
                contract=contract, kpi=kpi, period_start=period_start, period_end=period_end
            ).exists():
                continue
            factories.MeasurementFactory(
                contract=contract, kpi=kpi, period_start=period_start, period_end=period_end, **fields
            )
        made.append(term)
    return made


def _expected(term: Any, measurements: list[Measurement]) -> dict[Window, tuple[Any, ...]]:
    """(value, samples, status, closed, credit if breached) per window, by the Python rules."""
    contract = term.contract
    first = max(contract.start_date, AS_OF - dt.timedelta(days=lookback_days()))
    last = min(AS_OF, contract.end_date) if contract.end_date else AS_OF
    windows = windows_between(
        kind=term.window, first_day=first, last_day=last, window_days=term.window_days, anchor=contract.start_date
    )
    expected = {}
    for window in windows:
        rows = [m for m in measurements if window.contains(m.period_end)]
        value, samples = aggregate_value(
            _reference_aggregates(rows), aggregation=term.effective_aggregation, multiplier=term.kpi.multiplier
        )
        closed = window.end < AS_OF
        status = window_status(
            value=value,
            samples=samples,
            closed=closed,
            comparator=term.comparator,
            target=term.target,
            warning_target=term.warning_target,
            min_samples=term.min_samples,
        )
        credit = None
        if closed and status == "breached":
            credit = service_credit(
                credit_percent=term.credit_percent,
                contract_value=contract.value,
                contract_start=contract.start_date,
                contract_end=contract.end_date,
                window=window,
            )
        expected[window] = (value, samples, str(status), closed, credit)
    return expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sweep_stores_what_the_rules_say(seed: int) -> None:
    rng = random.Random(seed)
    terms = _make_portfolio(rng, terms=45)
    result = sla_sweep(as_of=AS_OF)

    by_term: dict[tuple[int, int], list[Measurement]] = defaultdict(list)
    for measurement in Measurement.objects.all():
        by_term[(measurement.contract_id, measurement.kpi_id)].append(measurement)
    stored = {(e.term_id, Window(e.window_start, e.window_end)): e for e in SlaEvaluation.objects.all()}
    breaches = {(b.term_id, Window(b.window_start, b.window_end)): b for b in Breach.objects.all()}

    compared = 0
    seen: set[str] = set()
    for term in terms:
        expected = _expected(term, by_term[(term.contract_id, term.kpi_id)])
        assert {window for (term_id, window) in stored if term_id == term.pk} == set(expected), term
        for window, (value, samples, status, closed, credit) in expected.items():
            evaluation = stored[(term.pk, window)]
            got = (evaluation.value, evaluation.samples, evaluation.status, evaluation.is_closed)
            assert got == (value, samples, status, closed), (term, window)
            breach = breaches.get((term.pk, window))
            if credit is None:
                assert breach is None, (term, window)
            else:
                assert breach is not None, (term, window)
                assert (breach.value, breach.credit_amount, breach.severity) == (value, credit, term.severity)
            seen.add(status)
            compared += 1
    assert compared == result.windows == len(stored)
    # The random portfolio reaches every status, so every branch of the SQL was compared.
    assert len(seen) == 6, seen

    # A window evaluated again on its own (as a measurement's change does) changes nothing.
    term = terms[0]
    again = sla_evaluate_window(term=term, day=AS_OF - dt.timedelta(days=40), as_of=AS_OF)
    assert again.evaluations_written == 0
    assert sla_sweep(as_of=AS_OF).evaluations_written == 0


def test_a_measurement_before_the_contract_start_evaluates_no_window_before_it() -> None:
    """Rolling windows count from the contract's start (floor division before it), but a window that
    ends before the start is never evaluated: neither by the sweep nor by a measurement's own
    re-evaluation. The window holding the start is."""
    contract = factories.ContractFactory(start_date=dt.date(2026, 9, 10), end_date=None, renewal="none")
    term = factories.SlaTermFactory(contract=contract, window="rolling", window_days=14)
    day = dt.date(2026, 9, 3)
    assert window_containing(kind="rolling", day=day, window_days=14, anchor=contract.start_date) == Window(
        dt.date(2026, 8, 27), dt.date(2026, 9, 9)
    )
    factories.MeasurementFactory(contract=contract, kpi=term.kpi, period_start=day, period_end=day, value=D("99"))
    sla_evaluate_window(term=term, day=day, as_of=AS_OF)
    assert not SlaEvaluation.objects.filter(term=term).exists()
    later = dt.date(2026, 9, 12)
    factories.MeasurementFactory(contract=contract, kpi=term.kpi, period_start=later, period_end=later, value=D("98"))
    sla_evaluate_window(term=term, day=later, as_of=AS_OF)
    evaluation = SlaEvaluation.objects.get(term=term)
    assert Window(evaluation.window_start, evaluation.window_end) == Window(dt.date(2026, 9, 10), dt.date(2026, 9, 23))
    assert (evaluation.value, evaluation.status) == (D("98"), "met")
