"""The league's one ranking statement (``apps.dashboards.ranking``) against the rules worked out in Python:
over generated portfolios — breaches of every severity and status owing credits in three currencies (one
without a rate), high and low risks, access and roster findings, expired certifications, cancel-by dates,
open overrides, expired policy exceptions, stored scorecards and costs of every shape, spend shares on
both sides of the threshold, names in and out of code-point order — and generated weights, every vendor's score in the
statement equals ``score_of`` of its facts read one part at a time, and each of the three orders equals
the order the rules state (``apps.dashboards.tiles.league``) — with the parts of the vendors' own records read
from their store (the whole portfolio) and worked out in the statement (narrowed by engagement model)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.fx import fx_table
from apps.core.models import FxRate
from apps.costs.ledger import trailing_months
from apps.costs.ledger_rollup import stored_league_vendor_costs
from apps.costs.models import VendorCostRollup
from apps.dashboards.attention import attention_scores, attention_weights
from apps.dashboards.ranking import (
    ORDER_ATTENTION,
    ORDER_COST_ADJUSTED,
    ORDER_SCORECARD,
    attention_rollup_serves,
    ranked_page,
    spend_shares,
)
from apps.dashboards.scope import Scope
from apps.dashboards.tiles.concentration import concentration
from apps.dashboards.tiles.league import LEAGUE_COST_MONTHS, cost_adjusted_score
from apps.dashboards.tiles.spend import spend_rows
from apps.dashboards.tiles.vendors import engaged_vendor_query, engaged_vendors
from apps.performance.models import VendorScorecardRollup
from apps.performance.scorecards import MONTH, Period, stored_league_scorecards
from apps.roster.choices import FindingKind
from apps.vendors.models import Vendor
from tests import factories
from tests.dashboards.test_attention import breach, contract, exception, override

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = dt.date(2026, 6, 10)
PERIOD = Period.last_closed(MONTH, today=TODAY)
SCORES = [None, Decimal("12.5"), Decimal("45.0"), Decimal("61.3"), Decimal("74.9"), Decimal("75.0"), Decimal("99.9")]

vendor = st.fixed_dictionaries(
    {
        # Names are unique whatever their case: the order of equal scores is the code-point order of names.
        "name": st.sampled_from(["Acme", "acme", "Zeta", "Émile", "émile", "Ärger"]),
        "spend": st.sampled_from(["0", "1000", "1000", "50000", "250000"]),
        "breaches": st.lists(
            st.tuples(
                st.sampled_from(["critical", "major", "minor"]),
                st.sampled_from(["open", "acknowledged", "resolved", "waived"]),
                st.sampled_from(["0", "499.99", "1500.05", "12000"]),
                st.sampled_from(["EUR", "USD", "GBP"]),
            ),
            max_size=3,
        ),
        "risks": st.lists(st.sampled_from([(5, 5), (3, 5), (2, 2)]), max_size=2),
        "admin_without_mfa": st.booleans(),
        "roster": st.lists(st.sampled_from(list(FindingKind)), max_size=3),
        "expired_certification": st.booleans(),
        "cancel_in": st.sampled_from([None, 5, 30, 31, 60, 90, 120]),
        "override": st.booleans(),
        "exception": st.booleans(),
        "score": st.sampled_from(SCORES),
        "previous": st.sampled_from(SCORES),
        "cost": st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from(["0", "900.00", "15000.00", "30000.00"]),  # TCO
                st.sampled_from(["0", "600.00", "10000.00", "20000.00"]),  # invoiced
                st.sampled_from(["0", "10.00", "200.00", "333.33"]),  # billed hours
            ),
        ),
    }
)
weights = st.dictionaries(
    st.sampled_from(["breach_minor", "credits_per_thousand", "falling_trend", "hidden_cost", "roster_finding_medium"]),
    st.sampled_from([0, Decimal("0.25"), Decimal("1.5"), 7]),
    max_size=3,
)


def _build(number: int, spec: dict[str, Any], cost_window: tuple[dt.date, dt.date]) -> None:
    one = factories.VendorFactory(name=f"{spec['name']} {number}")
    main = contract(one, TODAY, value=spec["spend"], cancel_in=spec["cancel_in"], engagement_model="managed_services")
    for severity, status, credit, currency in spec["breaches"]:
        breach(main, PERIOD, severity, status=status, credit=credit, currency=currency)
    for likelihood, impact in spec["risks"]:
        factories.VendorRiskFactory(vendor=one, likelihood=likelihood, impact=impact)
    if spec["admin_without_mfa"]:
        factories.AccessGrantFactory(vendor=one, privilege="admin", named_account=False, mfa_enabled=False)
    for kind in spec["roster"]:
        factories.RosterFindingFactory(contract=main, kind=kind)
    if spec["expired_certification"]:
        factories.CertificationFactory(
            vendor=one, issued_on=TODAY - dt.timedelta(days=300), expires_on=TODAY - dt.timedelta(days=1)
        )
    if spec["override"]:
        override(main)
    if spec["exception"]:
        exception(main, TODAY - dt.timedelta(days=1))
    VendorScorecardRollup.objects.create(
        vendor=one, period_kind=MONTH, period_start=PERIOD.start, score=spec["score"], previous_score=spec["previous"]
    )
    tco, invoiced, hours = spec["cost"] or ("0", "0", "0")
    VendorCostRollup.objects.create(
        vendor=one,
        first_month=cost_window[0],
        last_month=cost_window[1],
        has_lines=spec["cost"] is not None,
        tco=Decimal(tco),
        invoiced=Decimal(invoiced),
        billed_hours=Decimal(hours),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vendors=st.lists(vendor, min_size=1, max_size=5), chosen=weights)
def test_the_statement_scores_and_orders_every_vendor_as_the_rules_do(
    vendors: list[dict[str, Any]], chosen: dict[str, Any]
) -> None:
    with transaction.atomic(), override_settings(ATTENTION_WEIGHTS=chosen):
        FxRate.objects.create(currency="USD", valid_on=TODAY - dt.timedelta(days=20), rate=Decimal("0.9"))
        cost_window = trailing_months(PERIOD.start, LEAGUE_COST_MONTHS)
        for number, spec in enumerate(vendors):
            _build(number, spec, cost_window)
        # The whole portfolio reads the record parts from their store (``ATTENTION_ROLLUP``); narrowed by the
        # engagement model every contract here has, the statement works them out: both score as the rules do.
        for scope in (Scope(), Scope(engagement_model="managed_services")):
            assert attention_rollup_serves(scope) == (not scope.engagement_model)
            fx = fx_table()
            engaged = engaged_vendors(scope=scope)
            ids = [each.id for each in engaged]
            spend = spend_rows(scope=scope, today=TODAY, fx=fx)
            spread = concentration(scope=scope, spend=spend, today=TODAY, fx=fx)
            scorecards = stored_league_scorecards(period=PERIOD, vendor_ids=ids)
            costs = stored_league_vendor_costs(vendor_ids=ids, start=cost_window[0], end=cost_window[1])
            expected = attention_scores(
                vendor_ids=ids,
                scope=scope,
                today=TODAY,
                scorecards=scorecards,
                spend=spend,
                spend_shares=spread.spend_by_vendor.shares_of(ids),
                fx=fx,
                costs=costs,
                cost_window=cost_window,
            )
            rates = [rate for cost in costs.values() if (rate := cost.effective_rate) is not None]
            median = Decimal(statistics.median(rates)) if rates else None
            adjusted = {
                pk: cost_adjusted_score(
                    card.score if (card := scorecards.get(pk)) else None,
                    cost.effective_rate if (cost := costs.get(pk)) else None,
                    median,
                )
                for pk in ids
            }

            def by_attention(row: Any, expected: dict[int, Any] = expected) -> tuple[Decimal, Decimal, str]:
                return (-expected[row.id].score, -expected[row.id].facts.spend.amount, row.name)

            def by_score(value: Decimal | None, row: Any) -> tuple[int, Decimal, str]:
                return (0, -value, row.name) if value is not None else (1, Decimal(0), row.name)

            rules = {
                ORDER_ATTENTION: sorted(engaged, key=by_attention),
                ORDER_SCORECARD: sorted(engaged, key=lambda row: by_score(scorecards[row.id].score, row)),
                ORDER_COST_ADJUSTED: sorted(engaged, key=lambda row: by_score(adjusted[row.id], row)),
            }
            for order, ruled in rules.items():
                page = ranked_page(
                    vendors=engaged_vendor_query(scope=scope),
                    spend=spend_shares(spread, fx.reporting),
                    scope=scope,
                    today=TODAY,
                    period_kind=MONTH,
                    period_start=PERIOD.start,
                    cost_window=cost_window,
                    fx=fx,
                    weights=attention_weights(),
                    order=order,
                    offset=0,
                    limit=len(ids),
                    first=3,
                    user=None,
                )
                assert {row.vendor_id: row.score for row in page.rows} == {pk: expected[pk].score for pk in ids}
                assert [row.vendor_id for row in page.rows] == [each.id for each in ruled], order
                assert [row.vendor_id for row in page.first] == [each.id for each in rules[ORDER_ATTENTION][:3]]
                assert page.median_rate == median
        transaction.set_rollback(True)


def _sorts(plan: dict[str, Any]) -> list[str]:
    """The sort space type (Memory, Disk) of every sort of an ``EXPLAIN (ANALYZE, FORMAT JSON)`` plan node."""
    found = [plan["Sort Space Type"]] if "Sort Space Type" in plan else []
    for child in plan.get("Plans", []):
        found.extend(_sorts(child))
    return found


def test_the_order_sorts_in_memory_however_many_vendors_have_costs() -> None:
    """The median effective rate of the cost-adjusted score is one number (a materialised common table
    expression). Inlined, the planner carried the array of every vendor's rate into each vendor's row: at
    20,000 vendors with costs the order's sort spilled 3 GB to disk and took 9 s. With 1,000 such vendors
    and 4 MB to sort in, every sort of the statement stays in memory."""
    owner = factories.UserFactory()
    vendors = Vendor.objects.bulk_create(
        [
            factories.VendorFactory.build(engineering_owner=owner, delivery_owner=owner, security_contact=owner)
            for _ in range(1000)
        ]
    )
    cost_window = trailing_months(PERIOD.start, LEAGUE_COST_MONTHS)
    VendorCostRollup.objects.bulk_create(
        VendorCostRollup(
            vendor=vendor,
            first_month=cost_window[0],
            last_month=cost_window[1],
            tco=Decimal(10_000 + n),
            invoiced=Decimal(8_000),
            billed_hours=Decimal(100 + n % 7),
        )
        for n, vendor in enumerate(vendors)
    )
    with CaptureQueriesContext(connection) as captured:
        page = ranked_page(
            vendors=engaged_vendor_query(scope=Scope()),
            spend={},
            scope=Scope(),
            today=TODAY,
            period_kind=MONTH,
            period_start=PERIOD.start,
            cost_window=cost_window,
            fx=fx_table(),
            weights=attention_weights(),
            order=ORDER_COST_ADJUSTED,
            offset=0,
            limit=25,
            first=3,
            user=None,
        )
    assert page.median_rate is not None and len(page.rows) == 25
    statement = next(query["sql"] for query in captured.captured_queries if query["sql"].startswith("WITH vendor AS"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '4MB'")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")  # the statement just run
        (plan,) = cursor.fetchone()
    sorts = _sorts((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    assert sorts and set(sorts) == {"Memory"}, sorts
