"""Team retention from the roster (``apps.roster.retention``) against hand-computed months, written as
``team_retention`` measurements with source ``roster`` that SLA terms breach on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from apps.kpis.models import KpiDefinition
from apps.performance.models import Breach, Measurement
from apps.performance.sla import sla_sweep
from apps.roster.retention import team_retention_measure, team_retention_months
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)  # the last complete month: October 2026
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def contract(**extra: Any) -> Any:
    return factories.ContractFactory(**{"start_date": dt.date(2025, 1, 1), "end_date": dt.date(2027, 12, 31), **extra})


def assign(on: Any, who: Any = None, *, start: dt.date = SEP, end: dt.date | None = None, **extra: Any) -> Any:
    who = who or factories.EngineerFactory(vendor=on.vendor)
    return factories.AssignmentFactory(contract=on, engineer=who, start_date=start, end_date=end, **extra)


def measured(on: Any) -> dict[dt.date, tuple[Decimal, Decimal | None, Decimal | None]]:
    return {
        m.period_start: (m.value, m.numerator, m.denominator)
        for m in Measurement.objects.filter(contract=on, kpi__code="team_retention", source="roster")
    }


def test_four_at_the_start_four_at_the_end_and_one_leaver_is_75_percent() -> None:
    c = contract()
    for _ in range(3):
        assign(c)
    assign(c, end=dt.date(2026, 10, 15))  # leaves
    assign(c, start=dt.date(2026, 10, 20))  # joins: 4 at the end
    summary = team_retention_measure(today=TODAY)
    assert (summary.months, summary.created, summary.refused) == (2, 2, 0)
    assert measured(c) == {
        SEP: (Decimal("100.0000"), Decimal("4.0000"), Decimal("4.0000")),  # 4 → 4, nobody left
        OCT: (Decimal("75.0000"), Decimal("3.0000"), Decimal("4.0000")),  # 100 × (1 − 1 ÷ 4)
    }
    october = Measurement.objects.get(contract=c, period_start=OCT)
    assert october.period_end == dt.date(2026, 10, 31)
    assert october.note == "Team roster: 4 engineers on 1 Oct 2026, 4 on 31 Oct 2026, 1 leaver: 100 × (1 − 1 ÷ 4)."


def test_an_approved_substitutions_leaver_counts_and_a_reallocation_does_not() -> None:
    c = contract()
    kept = assign(c)
    assign(c)
    # The same engineer carries on in another role the next day: not a leaver.
    first = assign(c, kept.engineer, end=dt.date(2026, 10, 9), role="Developer")
    assign(c, first.engineer, start=dt.date(2026, 10, 10), role="Tech lead")
    # An approved substitution: the leaver counts, the joiner is in the end headcount.
    leaver = assign(c, end=dt.date(2026, 10, 14))
    joiner = factories.EngineerFactory(vendor=c.vendor)
    factories.SubstitutionFactory(leaver_assignment=leaver, joiner=joiner, status="approved")
    assign(c, joiner, start=dt.date(2026, 10, 15))
    team_retention_measure(today=TODAY)
    # Start: 3 distinct engineers (kept twice), end: 3; 1 leaver → 100 × (1 − 1 ÷ 3) = 66.6667.
    assert measured(c)[OCT] == (Decimal("66.6667"), Decimal("2.0000"), Decimal("3.0000"))


def test_odd_averages_and_the_floor_at_zero() -> None:
    c = contract()
    assign(c, start=OCT, end=dt.date(2026, 10, 10))  # A: leaves
    assign(c, start=dt.date(2026, 10, 11), end=dt.date(2026, 10, 20))  # B: comes and goes
    assign(c, start=dt.date(2026, 10, 21))  # C: stays
    other = contract()
    assign(other, start=OCT)
    assign(other, start=OCT, end=dt.date(2026, 10, 31))  # their last day is the month's: a leaver
    assign(other, start=dt.date(2026, 10, 2))
    team_retention_measure(today=TODAY)
    # 1 at the start, 1 at the end, 2 leavers: 1 − 2 ÷ 1 < 0 → 0.
    assert measured(c) == {OCT: (Decimal("0.0000"), Decimal("0.0000"), Decimal("1.0000"))}
    # 2 at the start, 3 at the end (the leaver works the last day), 1 leaver: 100 × 1.5 ÷ 2.5 = 60.
    assert measured(other) == {OCT: (Decimal("60.0000"), Decimal("1.5000"), Decimal("2.5000"))}


def test_no_headcount_no_measurement_and_only_complete_months_of_the_contract() -> None:
    c = contract()
    assign(c, start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 9))  # nobody on the 1st nor the 31st
    assign(c, start=dt.date(2026, 11, 2))  # this month is not complete
    summary = team_retention_measure(today=TODAY)
    assert summary.skipped == 1 and summary.created == 0
    assert measured(c) == {}
    draft = contract(status="draft")
    assign(draft, start=SEP)
    ended = contract(end_date=dt.date(2026, 9, 30), status="expired")
    assign(ended, start=dt.date(2026, 8, 1), end=dt.date(2026, 9, 30))
    months = team_retention_months(today=TODAY)
    assert {(m.contract_id, m.month_start) for m in months} == {
        (c.pk, OCT),
        (ended.pk, dt.date(2026, 8, 1)),
        (ended.pk, SEP),
    }
    assert team_retention_measure(today=TODAY).refused == 0


def test_a_second_run_writes_nothing_and_a_changed_roster_updates_its_month() -> None:
    c = contract()
    for _ in range(3):
        assign(c)
    late = assign(c)
    team_retention_measure(today=TODAY)
    before = {m.pk: m.updated_at for m in Measurement.objects.filter(contract=c)}
    again = team_retention_measure(today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert {m.pk: m.updated_at for m in Measurement.objects.filter(contract=c)} == before
    late.end_date = dt.date(2026, 10, 20)
    late.save()
    changed = team_retention_measure(today=TODAY)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert measured(c)[OCT][0] == Decimal("71.4286")  # 4 → 3, 1 leaver: 100 × 2.5 ÷ 3.5


def test_an_sla_term_on_team_retention_breaches() -> None:
    c = contract()
    for _ in range(3):
        assign(c)
    assign(c, end=dt.date(2026, 10, 15))
    kpi = KpiDefinition.objects.get(code="team_retention")
    term = factories.SlaTermFactory(contract=c, kpi=kpi, comparator="gte", target=Decimal("95"), window="month")
    team_retention_measure(today=TODAY)
    sla_sweep(as_of=TODAY)
    breach = Breach.objects.get(term=term)
    assert breach.evaluation.window_start == OCT
    assert breach.evaluation.value == Decimal("71.4286")  # 4 → 3, 1 leaver
