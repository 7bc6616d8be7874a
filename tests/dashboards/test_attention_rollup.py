"""The stored attention points of the vendors' own records (``apps.dashboards.ranking.ATTENTION_ROLLUP``,
decision 0026): after each kind of change a user makes — a breach acknowledged or resolved, a risk raised,
an access grant revoked, a certification renewed, a contract's cancel-by date moved, a vendor offboarded,
a gate override cleared, a policy exception closed, an FX rate entered — the league's ranking read from
the store scores every vendor as the statement working the same parts out does, and only what changed
is worked out again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.models import Contract
from apps.core.fx import fx_table
from apps.core.models import FxRate, PolicyException, StatusChange
from apps.dashboards.attention import attention_weights
from apps.dashboards.models import VendorAttentionRollup
from apps.dashboards.ranking import ORDER_ATTENTION, attention_rollup_serves, ranked_page, store_attention
from apps.dashboards.scope import Scope
from apps.dashboards.tiles.vendors import engaged_vendor_query
from apps.performance.models import Breach
from apps.performance.scorecards import MONTH, Period
from apps.vendors.models import AccessGrant, Certification, Vendor
from tests import factories
from tests.dashboards.test_attention import breach, contract, exception, override

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 10)
PERIOD = Period.last_closed(MONTH, today=TODAY)
STORED = Scope()
# Every contract here is of this model: narrowed by it, the ranking keeps every vendor but works the
# record parts out in its statement.
WORKED_OUT = Scope(engagement_model="managed_services")


def scores(scope: Scope, today: dt.date = TODAY) -> dict[str, Decimal]:
    """Each engaged vendor's attention score, by name, as the league's statement ranks them."""
    page = ranked_page(
        vendors=engaged_vendor_query(scope=scope),
        spend={},
        scope=scope,
        today=today,
        period_kind=MONTH,
        period_start=PERIOD.start,
        cost_window=(PERIOD.start, PERIOD.start),
        fx=fx_table(),
        weights=attention_weights(),
        order=ORDER_ATTENTION,
        offset=0,
        limit=100,
        first=0,
        user=None,
    )
    names = dict(Vendor.objects.values_list("pk", "name"))
    return {names[row.vendor_id]: row.score for row in page.rows}


@pytest.fixture
def portfolio() -> dict[str, Any]:
    """Three vendors with something of every kind of record; one with nothing."""
    made: dict[str, Any] = {}
    for name in ("Able", "Baker", "Carver"):
        vendor = factories.VendorFactory(name=name, status="active")
        main = contract(vendor, TODAY, cancel_in=20, engagement_model="managed_services")
        made[name] = {
            "vendor": vendor,
            "contract": main,
            "breach": breach(main, PERIOD, "major", credit="2500", currency="USD"),
            "risk": factories.VendorRiskFactory(vendor=vendor, likelihood=5, impact=5),
            "grant": factories.AccessGrantFactory(
                vendor=vendor,
                privilege="admin",
                named_account=False,
                mfa_enabled=False,
                granted_on=TODAY - dt.timedelta(days=100),
            ),
            "certification": factories.CertificationFactory(
                vendor=vendor, issued_on=TODAY - dt.timedelta(days=300), expires_on=TODAY - dt.timedelta(days=1)
            ),
            "override": override(main),
            "exception": exception(main, TODAY - dt.timedelta(days=1)),
        }
    quiet = factories.VendorFactory(name="Dormer", status="active")
    contract(quiet, TODAY, engagement_model="managed_services")
    FxRate.objects.create(currency="USD", valid_on=TODAY - dt.timedelta(days=20), rate=Decimal("0.9"))
    return made


def _unchanged(made: dict[str, Any]) -> None:
    """Nothing written: the next ranking reads what was stored."""


CHANGES: dict[str, Callable[[dict[str, Any]], object]] = {
    "nothing": _unchanged,
    "a breach resolved": lambda made: Breach.objects.filter(pk=made["Able"]["breach"].pk).update(status="resolved"),
    "a risk raised": lambda made: factories.VendorRiskFactory(vendor=made["Baker"]["vendor"], likelihood=5, impact=4),
    "an access grant revoked": lambda made: AccessGrant.objects.filter(pk=made["Able"]["grant"].pk).update(
        revoked_on=TODAY - dt.timedelta(days=2)
    ),
    "a certification renewed": lambda made: Certification.objects.filter(pk=made["Carver"]["certification"].pk).update(
        expires_on=TODAY + dt.timedelta(days=365)
    ),
    "a cancel-by date moved": lambda made: Contract.objects.filter(pk=made["Baker"]["contract"].pk).update(
        cancel_by=TODAY + dt.timedelta(days=200)
    ),
    "a vendor offboarded": lambda made: Vendor.objects.filter(pk=made["Carver"]["vendor"].pk).update(
        status="offboarding"
    ),
    "an override cleared": lambda made: StatusChange.objects.filter(pk=made["Able"]["override"].pk).update(
        cleared_on=TODAY
    ),
    "an exception closed": lambda made: PolicyException.objects.filter(pk=made["Baker"]["exception"].pk).update(
        closed_on=TODAY
    ),
    "a rate entered": lambda made: FxRate.objects.create(
        currency="USD", valid_on=TODAY - dt.timedelta(days=1), rate=Decimal("0.5")
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_stored_points_follow_every_change(portfolio: dict[str, Any], change: str) -> None:
    assert attention_rollup_serves(STORED) and not attention_rollup_serves(WORKED_OUT)
    before = scores(STORED)
    assert before == scores(WORKED_OUT)
    assert before["Dormer"] == 0 and all(before[name] > 0 for name in ("Able", "Baker", "Carver"))
    assert VendorAttentionRollup.objects.filter(on=TODAY).count() == 3  # a vendor whose records add nothing: no row
    CHANGES[change](portfolio)
    after = scores(STORED)
    assert after == scores(WORKED_OUT)
    assert (after == before) == (change == "nothing"), after


def test_a_new_day_works_every_vendor_out_again(portfolio: dict[str, Any]) -> None:
    scores(STORED)
    tomorrow = TODAY + dt.timedelta(days=1)
    assert scores(STORED, tomorrow) == scores(WORKED_OUT, tomorrow)
    assert set(VendorAttentionRollup.objects.values_list("on", flat=True)) == {tomorrow}


def test_a_changed_vendor_alone_is_worked_out_again(portfolio: dict[str, Any]) -> None:
    fx = fx_table()
    store_attention(today=TODAY, fx=fx)
    with CaptureQueriesContext(connection) as nothing:
        store_attention(today=TODAY, fx=fx)
    assert len(nothing) == 1  # the audit heads and the mark: nothing changed, nothing worked out
    baker = portfolio["Baker"]["vendor"].pk
    factories.VendorRiskFactory(vendor=portfolio["Baker"]["vendor"], likelihood=5, impact=5)
    with CaptureQueriesContext(connection) as captured:
        store_attention(today=TODAY, fx=fx)
    worked_out = [query["sql"] for query in captured.captured_queries if "SELECT id, points FROM" in query["sql"]]
    # Baker alone: its id the only one the statement's vendors are narrowed to.
    assert len(worked_out) == 1, worked_out
    assert f'WHERE "vendors_vendor"."id" IN ({baker})) AS q(id)' in worked_out[0], worked_out[0][:300]
    assert VendorAttentionRollup.objects.get(vendor_id=baker, on=TODAY).points == scores(WORKED_OUT)["Baker"]
