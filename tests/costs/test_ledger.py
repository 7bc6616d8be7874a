"""The ledger's rules on a hand-computed month (docs/architecture/costs.md, "The ledger's rules").

October 2026, vendor V: owners Erin (engineering manager, 95 an hour) and Paul (procurement, 70).
- C1, managed services (2 h a week per owner), in force all month, its own cost of delay 1,000 a week:
  overhead 2 × 2 h × 31/7 = 17.71 h → (95 + 70) × 2 × 31/7 = 1,461.43; half a 2-hour review held on the
  20th by Cora (executive, 150) and Erin → 2 h, (2×150 + 2×95) / 2 = 245.00; Erin logs 5 h → 475.00;
  management 2,181.43. Invoiced: EUR 20,000 approved (160 + 100 h) + USD 1,000 paid at 0.9 → 20,900.00; a
  received EUR 5,000 and a GBP invoice without a rate are not counted (the latter is named). Rework:
  4 escaped defects × 6 h × 85 = 2,040.00. Delay: 10 due − 8 on time = 2 × 1,000 = 2,000.00. Credits:
  1,000.00 owed (a waived 700 is not). TCO 20,900 + 2,181.43 + 2,040 + 2,000 − 1,000 = 26,121.43;
  260 billed hours: effective rate 100.47, billed rate 80.38; 50 points: 522.43 a point.
- C2, project-based (3 h), in force from the 16th (16 days), no cost of delay of its own but its function's
  500: overhead 2 × 3 × 16/7 = 13.71 h → 165 × 3 × 16/7 = 1,131.43; the other half of the review, 245.00.
  Telemetry says 3 reverts and hot-fixes (a typed defect rate says 10: telemetry wins) → 3 × 6 × 85 =
  1,530.00; one milestone missed × 500.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from apps.contracts.models import Contract
from apps.core.models import FxRate
from apps.costs.ledger import ledger_lines, totals_by, totals_of
from apps.costs.models import InvoiceHours, OwnerHours
from apps.kpis.models import KpiDefinition
from tests import factories

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def measure(contract: Any, code: str, numerator: int, denominator: int, *, source: str = "api") -> None:
    factories.MeasurementFactory(
        contract=contract,
        kpi=kpi(code),
        numerator=Decimal(numerator),
        denominator=Decimal(denominator),
        value=Decimal(100 * numerator / denominator if denominator else 0).quantize(Decimal("0.01")),
        source=source,
    )


@pytest.fixture
def october() -> dict[str, Any]:
    erin = factories.UserFactory(username="erin", role="engineering_manager")
    paul = factories.UserFactory(username="paul", role="procurement")
    cora = factories.UserFactory(username="cora", role="executive")
    vendor = factories.VendorFactory(engineering_owner=erin, delivery_owner=paul, security_contact=None)
    function = factories.FunctionFactory(cost_of_delay_per_week=Decimal(500))
    c1 = factories.ContractFactory(vendor=vendor, cost_of_delay_per_week=Decimal(1000))
    c2 = factories.ContractFactory(
        vendor=vendor, engagement_model="project_based", start_date=dt.date(2026, 10, 16), renewal="none"
    )
    c2.functions.add(function)
    review = factories.ServiceReviewFactory(
        vendor=vendor, status="held", held_on=dt.date(2026, 10, 20), duration_hours=Decimal(2)
    )
    review.attendees.add(cora, erin)
    OwnerHours.objects.create(contract=c1, person=erin, week_of=dt.date(2026, 10, 5), hours=Decimal(5))
    approved = factories.InvoiceFactory(
        contract=c1, period_start=OCTOBER, period_end=dt.date(2026, 10, 31), amount=Decimal(20000), status="approved"
    )
    InvoiceHours.objects.create(invoice=approved, role="Senior developer", hours=Decimal(160), seniority="senior")
    InvoiceHours.objects.create(invoice=approved, role="Developer", hours=Decimal(100))
    FxRate.objects.create(currency="USD", valid_on=dt.date(2026, 10, 1), rate=Decimal("0.9"))
    factories.InvoiceFactory(
        contract=c1,
        period_start=OCTOBER,
        period_end=dt.date(2026, 10, 31),
        amount=Decimal(1000),
        currency="USD",
        status="paid",
    )
    factories.InvoiceFactory(contract=c1, period_start=OCTOBER, period_end=dt.date(2026, 10, 31), amount=Decimal(5000))
    factories.InvoiceFactory(
        contract=c1,
        period_start=OCTOBER,
        period_end=dt.date(2026, 10, 30),
        amount=Decimal(300),
        currency="GBP",
        status="approved",
    )
    measure(c1, "defect_rate", 4, 100)
    measure(c1, "on_time_delivery_rate", 8, 10)
    measure(c1, "say_do_ratio", 50, 60)
    measure(c1, "change_failure_rate", 1, 12)
    measure(c2, "defect_rate", 10, 100)
    measure(c2, "rework_rate", 3, 40, source="telemetry")
    measure(c2, "on_time_delivery_rate", 3, 4)
    term = factories.SlaTermFactory(contract=c1)
    factories.BreachFactory(evaluation__term=term, credit_amount=Decimal(1000))
    waived = factories.SlaTermFactory(contract=c1, kpi=kpi("say_do_ratio"), target=Decimal(85))
    factories.BreachFactory(
        evaluation__term=waived,
        credit_amount=Decimal(700),
        status="waived",
        waived_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        waived_by=cora,
        waiver_reason="Our own outage caused it.",
    )
    return {"vendor": vendor, "c1": c1, "c2": c2}


def test_a_hand_computed_month(october: dict[str, Any]) -> None:
    lines = ledger_lines(start=OCTOBER, end=OCTOBER)
    by_contract = {line.contract_id: line for line in lines}
    one, two = by_contract[october["c1"].pk], by_contract[october["c2"].pk]

    assert one.overhead_hours == Decimal("17.71") and one.overhead_cost == Decimal("1461.43")
    assert one.review_hours == Decimal("2.00") and one.review_cost == Decimal("245.00")
    assert one.logged_hours == 5 and one.logged_cost == Decimal("475.00")
    assert one.management == Decimal("2181.43")
    assert one.invoiced == Decimal("20900.00") and one.billed_hours == 260
    assert len(one.missing) == 1 and "300.00 GBP" in one.missing[0] and "no GBP rate" in one.missing[0]
    assert (one.escaped_defects, one.escaped_source, one.rework) == (4, "defects", Decimal("2040.00"))
    assert (one.late_milestones, one.delay_rate, one.delay) == (2, Decimal(1000), Decimal("2000.00"))
    assert one.credits == Decimal("1000.00")
    assert one.tco == Decimal("26121.43")
    assert (one.points, one.deployments) == (50, 12)

    totals = totals_of([one])
    assert totals.effective_rate == Decimal("100.47") and totals.billed_rate == Decimal("80.38")
    assert totals.cost_per_point == Decimal("522.43") and totals.cost_per_deployment == Decimal("2176.79")

    assert two.in_force_days == 16
    assert two.overhead_hours == Decimal("13.71") and two.overhead_cost == Decimal("1131.43")
    assert two.review_cost == Decimal("245.00")
    assert (two.escaped_defects, two.escaped_source, two.rework) == (3, "telemetry", Decimal("1530.00"))
    assert (two.late_milestones, two.delay_rate, two.delay) == (1, Decimal(500), Decimal("500.00"))
    assert two.points is None and two.deployments is None
    assert two.tco == Decimal("1131.43") + Decimal("245.00") + Decimal("1530.00") + Decimal("500.00")

    vendor = totals_by(lines, "vendor_id")[october["vendor"].pk]
    assert vendor.tco == one.tco + two.tco and vendor.lines == 2


def test_a_contract_alone_still_shares_the_review_with_its_siblings(october: dict[str, Any]) -> None:
    lines = ledger_lines(contracts=Contract.objects.filter(pk=october["c1"].pk), start=OCTOBER, end=OCTOBER)
    assert [line.contract_id for line in lines] == [october["c1"].pk]
    assert lines[0].review_cost == Decimal("245.00") and lines[0].tco == Decimal("26121.43")


def test_cost_settings_change_the_figures(october: dict[str, Any]) -> None:
    from apps.costs.selectors import cost_settings

    rates = cost_settings()
    rates.fix_hours_per_defect = Decimal(10)
    rates.save()
    one = next(line for line in ledger_lines(start=OCTOBER, end=OCTOBER) if line.contract_id == october["c1"].pk)
    assert one.rework == 4 * 10 * Decimal(85)


def test_no_cost_of_delay_is_not_set_and_costs_nothing(october: dict[str, Any]) -> None:
    Contract.objects.filter(pk=october["c1"].pk).update(cost_of_delay_per_week=None)
    one = next(line for line in ledger_lines(start=OCTOBER, end=OCTOBER) if line.contract_id == october["c1"].pk)
    assert (one.late_milestones, one.delay_rate, one.delay) == (2, None, 0)
    assert totals_of([one]).delay_not_set == 1


def test_a_draft_contract_costs_no_overhead_and_an_idle_month_has_no_line(october: dict[str, Any]) -> None:
    draft = factories.ContractFactory(vendor=october["vendor"], status="draft")
    lines = ledger_lines(contracts=Contract.objects.filter(pk=draft.pk), start=OCTOBER, end=OCTOBER)
    assert lines == []
    september = ledger_lines(
        contracts=Contract.objects.filter(pk=october["c2"].pk), start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 1)
    )
    assert september == []


def test_the_query_count_does_not_grow_with_contracts(october: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(12):
        ledger_lines(start=OCTOBER, end=dt.date(2026, 12, 1))
    for _ in range(5):
        vendor = factories.VendorFactory()
        contract = factories.ContractFactory(vendor=vendor)
        factories.InvoiceFactory(contract=contract, status="approved", period_end=dt.date(2026, 10, 31))
        measure(contract, "defect_rate", 1, 10)
        review = factories.ServiceReviewFactory(vendor=vendor, status="held", held_on=dt.date(2026, 11, 3))
        review.attendees.add(factories.UserFactory())
    with django_assert_num_queries(12):
        lines = ledger_lines(start=OCTOBER, end=dt.date(2026, 12, 1))
    assert len({line.contract_id for line in lines}) == 7
