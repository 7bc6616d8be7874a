"""The league table's scorecards are cached (``league_scorecards``) until anything they are made of
changes, and never while another writing transaction is in flight."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.scorecards import MONTH, Period, league_scorecards, vendor_scorecards
from tests.factories import ContractFactory, SlaTermFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

PERIOD = Period(dt.date(2026, 10, 1), MONTH)
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "scorecards"}}


@pytest.fixture(autouse=True)
def cache_on() -> Any:
    with override_settings(SCORECARD_CACHE_SECONDS=600, CACHES=LOCAL_CACHE):
        from django.core.cache import cache

        cache.clear()
        yield


def portfolio() -> tuple[Any, Any, Any]:
    manager = UserFactory(role="engineering_manager")
    vendor = VendorFactory(engineering_owner=manager)
    contract = ContractFactory(vendor=vendor)
    kpi = KpiDefinition.objects.get(code="sprint_velocity")
    term = SlaTermFactory(contract=contract, kpi=kpi, comparator="gte", target=Decimal("40"))
    services.measurement_record(
        actor=manager,
        data={
            "contract": contract,
            "kpi": kpi,
            "period_start": PERIOD.start,
            "period_end": PERIOD.end,
            "value": Decimal("30"),
        },
        source="api",
    )
    return vendor, contract, term


def scores(vendor_id: int) -> tuple[int, Decimal | None]:
    with CaptureQueriesContext(connection) as captured:
        cards = league_scorecards(period=PERIOD, vendor_ids=[vendor_id])
    return len(captured), cards[vendor_id].score


def test_cached_until_a_measurement_or_a_term_changes() -> None:
    vendor, contract, term = portfolio()
    expected = vendor_scorecards(period=PERIOD, vendor_ids=[vendor.pk])[vendor.pk].score
    first, score = scores(vendor.pk)
    assert score == expected and score is not None and score < 100
    again, cached = scores(vendor.pk)
    assert (again, cached) == (1, score)  # only the version query
    # A measurement changes: worked out again at once.
    services.measurement_record(
        actor=None,
        data={
            "contract": contract,
            "kpi": term.kpi,
            "period_start": PERIOD.start,
            "period_end": PERIOD.end,
            "value": Decimal("45"),
        },
        source="api",
    )
    recomputed, better = scores(vendor.pk)
    assert recomputed == first and better == 100
    assert scores(vendor.pk) == (1, better)
    # The SLA term's target changes (a raw update: the audit trigger sees it all the same).
    type(term).objects.filter(pk=term.pk).update(target=Decimal("90"))
    assert scores(vendor.pk)[1] < 100  # type: ignore[operator]  # the vendor has a score: its term is measured


def test_nothing_is_kept_while_another_writer_is_in_flight() -> None:
    vendor, _contract, _term = portfolio()
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")})
    try:
        other.execute("SELECT txid_current()")  # a transaction with an id, not committed
        first, _ = scores(vendor.pk)
        assert scores(vendor.pk)[0] == first  # not kept: worked out again
        other.commit()
        scores(vendor.pk)
        assert scores(vendor.pk)[0] == 1  # kept now
    finally:
        other.close()


def test_the_page_shows_the_same_league_with_the_cache_on(client: Any, user_with_role: Any) -> None:
    vendor, _contract, _term = portfolio()
    client.force_login(user_with_role("executive"))
    url = f"/dashboard/?period={PERIOD.key}"
    cold = client.get(url).context["overview"].league
    warm = client.get(url).context["overview"].league
    assert [(r.vendor.id, r.score, r.scorecard.trend) for r in cold] == [
        (r.vendor.id, r.score, r.scorecard.trend) for r in warm
    ]
    assert any(r.vendor.id == vendor.pk and r.score is not None for r in warm)
