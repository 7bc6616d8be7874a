"""The league table's scorecards are stored (``league_scorecards``, ``apps.core.rollups``): read back in
three queries while nothing they are made of changes; a vendor whose measurements, terms or contracts
change is worked out again alone; a change every vendor reads (a KPI, a setting) drops them all; while
another writing transaction is in flight the rows are stored but the rollup's mark does not move."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from apps.contracts.models import Contract
from apps.core.models import RollupMark
from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.models import VendorScorecardRollup
from apps.performance.scorecards import (
    MONTH,
    SCORECARD_ROLLUP,
    Period,
    league_scorecards,
    store_league_scorecards,
    stored_league_scorecards,
    vendor_scorecards,
)
from apps.vendors.models import Vendor
from tests.factories import ContractFactory, SlaTermFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

PERIOD = Period(dt.date(2026, 10, 1), MONTH)
FRESH_QUERIES = 2  # the audit trails' heads with the rollup's mark, the stored rows


def portfolio(value: str = "30") -> tuple[Any, Any, Any]:
    manager = UserFactory(role="engineering_manager")
    vendor = VendorFactory(engineering_owner=manager)
    contract = ContractFactory(vendor=vendor)
    kpi = KpiDefinition.objects.get(code="sprint_velocity")
    term = SlaTermFactory(contract=contract, kpi=kpi, comparator="gte", target=Decimal("40"))
    measure(contract, term, value)
    return vendor, contract, term


def measure(contract: Any, term: Any, value: str) -> None:
    services.measurement_record(
        actor=None,
        data={
            "contract": contract,
            "kpi": term.kpi,
            "period_start": PERIOD.start,
            "period_end": PERIOD.end,
            "value": Decimal(value),
        },
        source="api",
    )


def scores(*vendor_ids: int) -> tuple[int, list[Decimal | None]]:
    with CaptureQueriesContext(connection) as captured:
        cards = league_scorecards(period=PERIOD, vendor_ids=vendor_ids)
    return len(captured), [cards[pk].score for pk in vendor_ids]


def stored(vendor_id: int) -> tuple[int, Decimal | None]:
    row = VendorScorecardRollup.objects.get(vendor_id=vendor_id, period_kind=MONTH, period_start=PERIOD.start)
    return row.pk, row.score


def test_stored_and_read_back_until_a_measurement_or_a_term_changes() -> None:
    vendor, contract, term = portfolio()
    expected = vendor_scorecards(period=PERIOD, vendor_ids=[vendor.pk])[vendor.pk].score
    first, (score,) = scores(vendor.pk)
    assert score == expected and score is not None and score < 100
    assert first > FRESH_QUERIES and stored(vendor.pk)[1] == score
    assert scores(vendor.pk) == (FRESH_QUERIES, [score])
    measure(contract, term, "45")  # a measurement changes: worked out again at once
    recomputed, (better,) = scores(vendor.pk)
    assert recomputed > FRESH_QUERIES and better == 100 == stored(vendor.pk)[1]
    assert scores(vendor.pk) == (FRESH_QUERIES, [better])
    # The SLA term's target changes (a raw update: the audit trigger sees it all the same).
    type(term).objects.filter(pk=term.pk).update(target=Decimal("90"))
    assert scores(vendor.pk)[1][0] < 100  # type: ignore[operator]  # the vendor has a score: its term is measured


def test_only_the_vendor_that_changed_is_worked_out_again() -> None:
    one, one_contract, one_term = portfolio("30")
    other, _contract, _term = portfolio("50")
    _, (one_score, other_score) = scores(one.pk, other.pk)
    other_row = stored(other.pk)
    measure(one_contract, one_term, "45")
    _, (one_now, other_now) = scores(one.pk, other.pk)
    assert one_now == 100 != one_score and other_now == other_score
    assert stored(other.pk) == other_row  # the same stored row: not worked out again
    assert stored(one.pk)[1] == 100


def test_a_contract_moved_to_another_vendor_changes_both() -> None:
    one, contract, _term = portfolio("30")
    other = VendorFactory()
    _, (one_score, other_score) = scores(one.pk, other.pk)
    assert one_score is not None and other_score is None
    Contract.objects.filter(pk=contract.pk).update(vendor=other)
    _, (one_now, other_now) = scores(one.pk, other.pk)
    assert (one_now, other_now) == (None, one_score)


def test_what_every_vendor_reads_drops_them_all() -> None:
    vendor, _contract, term = portfolio("30")
    _, (score,) = scores(vendor.pk)
    KpiDefinition.objects.filter(pk=term.kpi_id).update(score_tolerance_percent=Decimal("50"))
    assert stored(vendor.pk)[1] == score  # still stored: dropped by the next read
    _, (tolerant,) = scores(vendor.pk)
    assert tolerant == vendor_scorecards(period=PERIOD, vendor_ids=[vendor.pk])[vendor.pk].score != score
    with override_settings(SCORECARD_STANDINGS=[(0, "Only")]):
        queries, _ = scores(vendor.pk)  # a setting is in the rollup's key
        assert queries > FRESH_QUERIES
        assert league_scorecards(period=PERIOD, vendor_ids=[vendor.pk])[vendor.pk].standing.label == "Only"


def other_connection() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    return psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})


def marked() -> bool:
    return RollupMark.objects.filter(name=SCORECARD_ROLLUP.name).exists()


def test_while_another_writer_is_in_flight_the_rows_are_stored_but_the_mark_stays() -> None:
    vendor, contract, term = portfolio()
    other = other_connection()
    try:
        other.execute("SELECT txid_current()")  # a transaction with an id, not committed
        first, (score,) = scores(vendor.pk)
        assert score is not None and stored(vendor.pk)[1] == score and not marked()
        assert not SCORECARD_ROLLUP.settled()
        assert scores(vendor.pk) == (first, [score])  # no mark yet: worked out again
        other.commit()
        scores(vendor.pk)
        assert marked() and SCORECARD_ROLLUP.settled()
        assert scores(vendor.pk) == (FRESH_QUERIES, [score])  # kept now
        measure(contract, term, "35")
        assert not SCORECARD_ROLLUP.settled()  # a measurement since the mark
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_a_busy_read_is_not_missed() -> None:
    """A writer in flight holds an event id below those committed after it; a read meanwhile stores what
    it works out but leaves the mark where it was, so the writer's change is found once committed."""
    slow_vendor, slow_contract, _ = portfolio()
    busy_vendor, busy_contract, busy_term = portfolio()
    scores(slow_vendor.pk, busy_vendor.pk)
    assert marked() and scores(slow_vendor.pk, busy_vendor.pk)[0] == FRESH_QUERIES
    measurement = slow_contract.measurements.get()
    other = other_connection()
    try:
        other.execute("UPDATE kpis_measurement SET value = 45 WHERE id = %s", [measurement.pk])  # event id n
        measure(busy_contract, busy_term, "45")  # committed: event id n + 1
        _, (slow, busy) = scores(slow_vendor.pk, busy_vendor.pk)
        assert slow is not None and slow < 100 and busy == 100  # the writer's change is not visible yet
        other.commit()
        _, (slow, busy) = scores(slow_vendor.pk, busy_vendor.pk)
        assert slow == 100 == busy == stored(slow_vendor.pk)[1]
    finally:
        other.close()


def test_the_page_shows_the_same_league_stored(client: Any, user_with_role: Any) -> None:
    vendor, _contract, _term = portfolio()
    client.force_login(user_with_role("executive"))
    url = f"/dashboard/?period={PERIOD.key}"
    cold = client.get(url).context["overview"].league.rows
    warm = client.get(url).context["overview"].league.rows
    assert [(r.vendor.id, r.score, r.scorecard.trend) for r in cold] == [
        (r.vendor.id, r.score, r.scorecard.trend) for r in warm
    ]
    assert any(r.vendor.id == vendor.pk and r.score is not None for r in warm)


def test_working_out_2_or_20_vendors_takes_the_same_queries() -> None:
    def from_scratch(vendor_ids: list[int]) -> int:
        RollupMark.objects.all().delete()  # as after a change every vendor reads: all worked out again
        with CaptureQueriesContext(connection) as captured:
            league_scorecards(period=PERIOD, vendor_ids=vendor_ids)
        return len(captured)

    vendors = [portfolio(str(30 + i))[0].pk for i in range(2)]
    few = from_scratch(vendors)
    vendors += [portfolio(str(40 + i))[0].pk for i in range(18)]
    assert from_scratch(vendors) == few
    assert VendorScorecardRollup.objects.count() == 20


def test_ensure_stores_what_is_missing_or_changed_without_reading_the_rows() -> None:
    vendor, contract, term = portfolio()
    other, _, _ = portfolio("45")
    both = Vendor.objects.filter(pk__in=[vendor.pk, other.pk])
    with CaptureQueriesContext(connection) as first:
        store_league_scorecards(period=PERIOD, vendors=both)
    assert len(first) > FRESH_QUERIES and stored(other.pk)[1] == 100
    kept = stored(vendor.pk)
    with CaptureQueriesContext(connection) as fresh:
        store_league_scorecards(period=PERIOD, vendors=both)
    # The heads with the mark, then whether a vendor of the query has no row: nothing read, nothing stored.
    assert len(fresh) == FRESH_QUERIES and stored(vendor.pk) == kept
    VendorScorecardRollup.objects.filter(vendor=other).delete()  # a row gone (a vendor newly engaged)
    store_league_scorecards(period=PERIOD, vendors=both)
    assert stored(other.pk)[1] == 100 and stored(vendor.pk) == kept
    measure(contract, term, "45")  # a measurement changes: that vendor's row worked out again
    store_league_scorecards(period=PERIOD, vendors=both)
    assert stored(vendor.pk)[1] == 100 and stored(vendor.pk)[0] != kept[0]
    assert stored_league_scorecards(period=PERIOD, vendor_ids=[vendor.pk])[vendor.pk].score == 100
