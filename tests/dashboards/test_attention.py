"""The attention ranking (``apps.dashboards.attention``): every part of the score worked out by hand on
vendors built to have only that part, the weights read from settings, the top three reasons as one
sentence whose links list exactly their rows, the scenario the league table used to get wrong, the query
budget, and the pages (overview, vendor 360, CSV) that show it.

Every vendor below is active and small next to "Ballast", whose EUR 10,000,000 a year keeps every other
vendor's share of spend under the 30 % threshold (Ballast's own share is above it: 3 points)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.core.models import FxRate, PolicyException, StatusChange
from apps.dashboards.attention import (
    DEFAULT_ATTENTION_WEIGHTS,
    HIGH_RISK_SCORE,
    Reason,
    VendorFacts,
    attention_weights,
    reasons_sentence,
    score_of,
)
from apps.dashboards.scope import Drill, Scope
from apps.dashboards.tiles.league import LeaguePage, LeagueRow, league_page, league_table
from apps.dashboards.vendor import HIGH_RISK_SCORE as VENDOR_360_HIGH_RISK_SCORE
from apps.dashboards.vendor import vendor_360
from apps.performance.scorecards import MONTH, Period
from tests import factories
from tests.rollups import read_until_settled

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboards:overview")


# -- building blocks ---------------------------------------------------------------------------------------
@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def period(today: dt.date) -> Period:
    return Period.last_closed(MONTH, today=today)


@pytest.fixture
def ballast(db: None, today: dt.date) -> Any:
    vendor = factories.VendorFactory(name="Ballast Ltd")
    contract(vendor, today, value="10000000")
    return vendor


@pytest.fixture
def signed_in(client: Client, user_with_role: Callable[[str], Any]) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def contract(
    vendor: Any,
    today: dt.date,
    *,
    value: str = "1000",
    currency: str = "EUR",
    cancel_in: int | None = None,
    **extra: Any,
) -> Contract:
    """An active contract of ``vendor``: open-ended (its value is yearly), or with a cancel-by date
    ``cancel_in`` days from today (automatic renewal, 30 days' notice)."""
    dates: dict[str, Any]
    if cancel_in is None:
        dates = {"end_date": None, "renewal": "none", "notice_days": 0}
    else:
        dates = {"end_date": today + dt.timedelta(days=cancel_in + 30), "renewal": "automatic", "notice_days": 30}
    return factories.ContractFactory(
        vendor=vendor,
        start_date=today - dt.timedelta(days=100),
        value=Decimal(value),
        currency=currency,
        **{**dates, **extra},
    )


def breach(
    on: Contract, period: Period, severity: str, status: str = "open", credit: str = "0", currency: str = "EUR"
) -> Any:
    term = factories.SlaTermFactory(contract=on, severity=severity)
    evaluation = factories.SlaEvaluationFactory(
        term=term, window_start=period.start, window_end=period.end, status="breached"
    )
    extra = {"waiver_reason": "Agreed at the review."} if status == "waived" else {}
    return factories.BreachFactory(
        evaluation=evaluation, status=status, credit_amount=Decimal(credit), currency=currency, **extra
    )


def scored(on: Contract, period: Period, value: str, previous: str | None = None) -> None:
    """A KPI held to "at least 95" by an SLA term, measured at ``value`` in the period (and ``previous``
    the month before). Scores: 97 → 100, 94 → 98.9, 60 → 63.2 (needs attention), 30 → 31.6 (critical)."""
    term = factories.SlaTermFactory(contract=on, severity="minor")
    factories.MeasurementFactory(
        contract=on, kpi=term.kpi, period_start=period.start, period_end=period.end, value=Decimal(value)
    )
    if previous is not None:
        before = period.previous()
        factories.MeasurementFactory(
            contract=on, kpi=term.kpi, period_start=before.start, period_end=before.end, value=Decimal(previous)
        )


def override(subject: Any, *, cleared: dt.date | None = None, unmet: bool = True) -> StatusChange:
    return StatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        from_status="pilot",
        to_status="active",
        reason="The board asked for it.",
        overridden=[{"code": "pilot_passed", "label": "Pilot passed", "detail": ""}] if unmet else [],
        cleared_on=cleared,
    )


def exception(subject: Any, review_on: dt.date, *, closed: dt.date | None = None) -> PolicyException:
    return PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind="in_house_function",
        summary=f"{subject} departs from policy",
        justification="No one in-house can do it this year.",
        review_on=review_on,
        closed_on=closed,
    )


def ranked(today: dt.date, period: Period, **extra: Any) -> list[LeagueRow]:
    return league_table(scope=Scope(), period=period, today=today, **extra)


def row_of(rows: list[LeagueRow], vendor: Any) -> LeagueRow:
    return next(row for row in rows if row.vendor.id == vendor.pk)


# -- each part alone, by hand ------------------------------------------------------------------------------
def _critical_breaches(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    breach(c, period, "critical", "open")
    breach(c, period, "critical", "acknowledged")
    breach(c, period, "critical", "resolved")  # no longer open
    breach(c, period, "critical", "waived")
    breach(c, period, "critical", "retracted")


def _major_breach(v: Any, today: dt.date, period: Period) -> None:
    breach(contract(v, today), period, "major", "open")


def _minor_breach(v: Any, today: dt.date, period: Period) -> None:
    breach(contract(v, today), period, "minor", "acknowledged")


def _credits(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    breach(c, period, "major", "resolved", credit="2500")  # resolving does not cancel the credit
    breach(c, period, "major", "waived", credit="5000")
    breach(c, period, "major", "retracted", credit="9999")


def _credits_converted(v: Any, today: dt.date, period: Period) -> None:
    FxRate.objects.create(currency="USD", valid_on=today - dt.timedelta(days=40), rate=Decimal("0.9"))
    FxRate.objects.create(currency="USD", valid_on=today - dt.timedelta(days=3), rate=Decimal("0.5"))
    FxRate.objects.create(currency="USD", valid_on=today + dt.timedelta(days=3), rate=Decimal("2"))  # not yet
    breach(contract(v, today), period, "major", "resolved", credit="4000", currency="USD")  # EUR 2,000


def _standing_critical(v: Any, today: dt.date, period: Period) -> None:
    scored(contract(v, today), period, "30")


def _standing_needs_attention(v: Any, today: dt.date, period: Period) -> None:
    scored(contract(v, today), period, "60")


def _falling_trend(v: Any, today: dt.date, period: Period) -> None:
    scored(contract(v, today), period, "94", previous="97")  # 100 → 98.9: still excellent, down 1.1


def _high_risks(v: Any, today: dt.date, period: Period) -> None:
    factories.VendorRiskFactory(vendor=v, likelihood=5, impact=3, status="open")  # 15
    factories.VendorRiskFactory(vendor=v, likelihood=4, impact=4, status="mitigating")  # 16
    factories.VendorRiskFactory(vendor=v, likelihood=2, impact=5, status="accepted")  # 10
    factories.VendorRiskFactory(vendor=v, likelihood=5, impact=5, status="closed")


def _access_high(v: Any, today: dt.date, period: Period) -> None:
    # A shared admin account, with MFA and an expiry: one high finding.
    factories.AccessGrantFactory(
        vendor=v, privilege="admin", named_account=False, mfa_enabled=True, expires_on=today + dt.timedelta(days=30)
    )
    factories.AccessGrantFactory(  # revoked: no finding
        vendor=v, privilege="admin", named_account=False, mfa_enabled=False, revoked_on=today
    )


def _access_medium(v: Any, today: dt.date, period: Period) -> None:
    factories.AccessGrantFactory(vendor=v, privilege="admin", mfa_enabled=True, expires_on=None)  # no expiry


def _access_both(v: Any, today: dt.date, period: Period) -> None:
    # A shared admin account without MFA or expiry breaks three rules: high + high + medium.
    factories.AccessGrantFactory(vendor=v, privilege="admin", named_account=False, mfa_enabled=False, expires_on=None)


def _roster_high(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    factories.RosterFindingFactory(contract=c, kind="unapproved_swap")
    factories.RosterFindingFactory(contract=c, kind="leaver_with_access")
    factories.RosterFindingFactory(contract=c, kind="unapproved_swap", closed_at=timezone.now())  # closed


def _roster_medium(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    for kind in ("seniority_drift", "understaffed", "unlisted_contributor"):
        factories.RosterFindingFactory(contract=c, kind=kind)


def _expired_certification(v: Any, today: dt.date, period: Period) -> None:
    factories.CertificationFactory(
        vendor=v, kind="iso27001", issued_on=today - dt.timedelta(days=400), expires_on=today - dt.timedelta(days=5)
    )
    # Expired but renewed by a later one of the same kind: nothing to do.
    factories.CertificationFactory(
        vendor=v, kind="soc2_type2", issued_on=today - dt.timedelta(days=400), expires_on=today - dt.timedelta(days=1)
    )
    factories.CertificationFactory(vendor=v, kind="soc2_type2", expires_on=today + dt.timedelta(days=300))
    factories.CertificationFactory(vendor=v, kind="iso9001", expires_on=today + dt.timedelta(days=10))  # not yet


def _cancel_by_soon(v: Any, today: dt.date, period: Period) -> None:
    contract(v, today, cancel_in=0)
    contract(v, today, cancel_in=30)


def _cancel_by_later(v: Any, today: dt.date, period: Period) -> None:
    contract(v, today, cancel_in=31)
    contract(v, today, cancel_in=90)
    contract(v, today, cancel_in=91)  # too far
    contract(v, today, cancel_in=10, status="draft")  # nothing to decide yet


def _open_overrides(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    override(v)
    override(c)
    override(c, cleared=today)  # its conditions are met now
    override(v, unmet=False)  # a plain status change


def _expired_exceptions(v: Any, today: dt.date, period: Period) -> None:
    c = contract(v, today)
    function = factories.FunctionFactory()
    c.functions.add(function)
    exception(c, today - dt.timedelta(days=1))
    exception(function, today - dt.timedelta(days=30))
    exception(c, today - dt.timedelta(days=9), closed=today - dt.timedelta(days=2))  # closed
    exception(c, today)  # its review is today: not expired yet
    other = factories.FunctionFactory()  # no active contract of this vendor covers it
    exception(other, today - dt.timedelta(days=3))


def _spend_share(v: Any, today: dt.date, period: Period) -> None:
    contract(v, today, value="5000000")  # a third of 15 million


PARTS = [
    ("breach_critical", _critical_breaches, "20.0"),
    ("breach_major", _major_breach, "5.0"),
    ("breach_minor", _minor_breach, "2.0"),
    ("credits_per_thousand", _credits, "2.5"),
    ("credits_per_thousand", _credits_converted, "2.0"),
    ("standing_critical", _standing_critical, "8.0"),
    ("standing_needs_attention", _standing_needs_attention, "4.0"),
    ("falling_trend", _falling_trend, "2.0"),
    ("high_risk", _high_risks, "6.0"),
    ("access_finding_high", _access_high, "3.0"),
    ("access_finding_medium", _access_medium, "1.0"),
    ("roster_finding_high", _roster_high, "8.0"),
    ("roster_finding_medium", _roster_medium, "6.0"),
    ("expired_certification", _expired_certification, "3.0"),
    ("cancel_by_30_days", _cancel_by_soon, "8.0"),
    ("cancel_by_90_days", _cancel_by_later, "4.0"),
    ("open_override", _open_overrides, "6.0"),
    ("expired_policy_exception", _expired_exceptions, "6.0"),
    ("spend_share", _spend_share, "3.0"),
]


@pytest.mark.parametrize(("key", "build", "points"), PARTS, ids=[f"{key}-{b.__name__}" for key, b, _ in PARTS])
def test_each_part_alone_scores_as_worked_out_by_hand(
    key: str, build: Callable[..., None], points: str, ballast: Any, today: dt.date, period: Period
) -> None:
    vendor = factories.VendorFactory(name="Solo")
    build(vendor, today, period)
    rows = ranked(today, period)
    solo = row_of(rows, vendor).attention
    assert solo is not None
    assert [(part.key, part.points) for part in solo.parts] == [(key, Decimal(points))]
    assert solo.score == Decimal(points)
    # Ballast owes nothing and is only big.
    assert [part.key for part in row_of(rows, ballast).attention.parts] == ["spend_share"]


def test_access_findings_count_one_per_rule_a_grant_breaks(ballast: Any, today: dt.date, period: Period) -> None:
    vendor = factories.VendorFactory()
    _access_both(vendor, today, period)
    attention = row_of(ranked(today, period), vendor).attention
    assert {part.key: part.points for part in attention.parts} == {
        "access_finding_high": Decimal(6),
        "access_finding_medium": Decimal(1),
    }


def test_a_vendor_with_nothing_wrong_scores_zero_and_says_so(
    ballast: Any, today: dt.date, period: Period, signed_in: Client
) -> None:
    vendor = factories.VendorFactory(name="Quiet Co")
    contract(vendor, today)
    row = row_of(ranked(today, period), vendor)
    assert row.attention.score == 0 and row.attention.parts == () and row.attention.sentence == ""
    html = signed_in.get(OVERVIEW).content.decode()
    assert "Nothing needs attention." in html


def test_only_engaged_vendors_in_scope_are_ranked(ballast: Any, today: dt.date, period: Period) -> None:
    exited = factories.VendorFactory(status="exited")
    breach(contract(exited, today), period, "critical")
    offshore = factories.VendorFactory(geography="offshore")
    breach(contract(offshore, today), period, "critical")
    assert exited.pk not in {row.vendor.id for row in ranked(today, period)}
    narrowed = league_table(scope=Scope(geography="offshore"), period=period, today=today)
    assert [(row.vendor.id, row.attention.score) for row in narrowed] == [(offshore.pk, Decimal("13.0"))]  # + share


# -- FX ------------------------------------------------------------------------------------------------------
def test_money_without_an_fx_rate_is_left_out_and_said(ballast: Any, today: dt.date, period: Period) -> None:
    vendor = factories.VendorFactory(name="Sterling")
    c = contract(vendor, today, value="50000", currency="GBP")
    breach(c, period, "minor", "resolved", credit="3000", currency="GBP")
    attention = row_of(ranked(today, period), vendor).attention
    facts = attention.facts
    assert facts.credits.amount == 0 and facts.credits.unconverted == (("GBP", Decimal("3000.00")),)
    assert facts.spend.amount == 0 and facts.spend.unconverted == (("GBP", Decimal("50000")),)
    assert attention.score == 0
    assert attention.reasons[0].text == "GBP 3,000 of service credits owed (no FX rate: not counted)"

    FxRate.objects.create(currency="GBP", valid_on=today - dt.timedelta(days=1), rate=Decimal("1.2"))
    breach(c, period, "minor", "resolved", credit="500", currency="CHF")
    attention = row_of(ranked(today, period), vendor).attention
    assert attention.facts.credits.amount == Decimal("3600.00") and attention.score == Decimal("3.6")
    assert attention.facts.spend.amount == Decimal("60000.00")
    assert attention.reasons[0].text == "EUR 3,600 of service credits owed (+ CHF 500 not counted: no FX rate)"


# -- weights and tolerance are settings ---------------------------------------------------------------------------
def test_the_weights_are_settings_and_change_the_order(ballast: Any, today: dt.date, period: Period) -> None:
    breached = factories.VendorFactory(name="Breached")
    breach(contract(breached, today), period, "critical")
    risky = factories.VendorFactory(name="Risky")
    for _ in range(3):
        factories.VendorRiskFactory(vendor=risky, likelihood=5, impact=5)
    order = [row.vendor.name for row in ranked(today, period)]
    assert order.index("Breached") < order.index("Risky")  # 10 against 9
    with override_settings(ATTENTION_WEIGHTS={"high_risk": 5}):
        rows = ranked(today, period)
        assert row_of(rows, risky).attention.score == Decimal(15) and row_of(rows, breached).attention.score == 10
        order = [row.vendor.name for row in rows]
        assert order.index("Risky") < order.index("Breached")
    with override_settings(ATTENTION_WEIGHTS={"breach_critical": 0}):
        assert row_of(ranked(today, period), breached).attention.parts == ()


def test_the_shipped_settings_hold_the_documented_defaults() -> None:
    from django.conf import settings

    assert settings.ATTENTION_WEIGHTS == DEFAULT_ATTENTION_WEIGHTS
    assert attention_weights()["breach_critical"] == Decimal(10)
    with override_settings(ATTENTION_WEIGHTS={"breach_critcal": 1}), pytest.raises(ValueError, match="breach_critcal"):
        attention_weights()


def test_the_falling_tolerance_is_a_setting(ballast: Any, today: dt.date, period: Period) -> None:
    vendor = factories.VendorFactory()
    _falling_trend(vendor, today, period)  # down 1.1 points
    with override_settings(ATTENTION_FALLING_TREND_POINTS=2):
        assert row_of(ranked(today, period), vendor).attention.parts == ()
    with override_settings(ATTENTION_FALLING_TREND_POINTS="1.1"):
        assert [p.key for p in row_of(ranked(today, period), vendor).attention.parts] == ["falling_trend"]


def test_the_standing_weights_follow_the_standings_setting(ballast: Any, today: dt.date, period: Period) -> None:
    vendor = factories.VendorFactory()
    _standing_needs_attention(vendor, today, period)  # 63.2
    standings = [(90, "Excellent"), (70, "Good"), (40, "Watch"), (0, "Failing")]
    with override_settings(SCORECARD_STANDINGS=standings):
        parts = row_of(ranked(today, period), vendor).attention.parts
        assert [(p.key, p.points) for p in parts] == [("standing_needs_attention", Decimal(4))]  # "Watch"


# -- reasons: the top three as a sentence, each a link to its rows ---------------------------------------------------
def test_the_top_three_reasons_make_one_sentence_of_links(
    ballast: Any, today: dt.date, period: Period, signed_in: Client
) -> None:
    vendor = factories.VendorFactory(name="Many Troubles")
    c = contract(vendor, today, cancel_in=20)
    breach(c, period, "critical", "open")  # 10
    breach(c, period, "major", "acknowledged")  # 5
    factories.VendorRiskFactory(vendor=vendor, likelihood=4, impact=4)  # 3
    factories.AccessGrantFactory(vendor=vendor, privilege="admin", expires_on=None)  # 1 (medium)
    attention = row_of(ranked(today, period), vendor).attention
    assert [(r.key, r.points) for r in attention.reasons] == [
        ("breach_critical", Decimal(10)),
        ("breach_major", Decimal(5)),
        ("cancel_by_30_days", Decimal(4)),
        ("high_risk", Decimal(3)),
        ("access_finding_medium", Decimal(1)),
    ]
    assert attention.score == Decimal(23)
    assert attention.sentence == ("1 open critical breach, 1 open major breach and 1 cancel-by date within 30 days.")
    assert attention.more_reasons == 2
    # Each reason's link lists exactly its rows.
    critical, major, cancel_by, high_risk, access = attention.reasons
    assert f"vendor={vendor.pk}" in critical.drill.url and "severity=critical" in critical.drill.url
    for reason in (critical, major, cancel_by, high_risk):
        response = signed_in.get(reason.drill.url)
        assert response.status_code == 200
        assert response.context["paginator"].count == reason.drill.value == 1, reason
    assert access.drill.url.startswith(reverse("vendors:access-list"))
    grants = signed_in.get(access.drill.url).context["filterset"].qs
    assert [g.vendor_id for g in grants] == [vendor.pk]
    # The page: the sentence with its links, on the league table and at the top of the overview.
    html = signed_in.get(OVERVIEW).content.decode()
    for reason in attention.top_reasons:
        assert f'href="{reason.drill.url.replace("&", "&amp;")}" data-reason="{reason.key}"' in html
    assert ">1 open critical breach</a>, <a " in html and "1 cancel-by date within 30 days</a>." in html
    assert "+2 more" in html


def test_reasons_sentence_joins_with_and() -> None:
    def reason(text: str) -> Reason:
        return Reason("high_risk", Decimal(1), text, Drill(1, "/"))

    assert reasons_sentence([]) == ""
    assert reasons_sentence([reason("a scorecard of 31.6 (critical)")]) == "A scorecard of 31.6 (critical)."
    assert reasons_sentence([reason("x"), reason("y")]) == "X and y."
    assert reasons_sentence([reason("x"), reason("y"), reason("z")]) == "X, y and z."
    assert score_of(VendorFacts(1, open_breaches={"minor": 2})).score == Decimal(4)


# -- the scenario that was seen -------------------------------------------------------------------------------------
@pytest.fixture
def seen(db: None, today: dt.date, period: Period) -> dict[str, Any]:
    """ "Excellent 99.8" Acme: 6 open breaches none acknowledged (2 major, 4 minor), USD 7,600 of credits
    owed (EUR 6,840 at 0.9), a high risk, two cancel-by dates within 90 days (in 20 and 60 days) and
    87.5 % of the spend (EUR 700,000 of 800,000). Struggler: a critical, falling scorecard and one open
    major breach, EUR 100,000 a year.

    Acme: 2 × 5 + 4 × 2 + 6.84 → 6.8 + 3 + 4 + 2 + 3 = 36.8. Struggler: 8 + 2 + 5 = 15."""
    FxRate.objects.create(currency="USD", valid_on=today - dt.timedelta(days=10), rate=Decimal("0.9"))
    acme = factories.VendorFactory(name="Acme Delivery")
    soon = factories.ContractFactory(
        vendor=acme,
        start_date=today + dt.timedelta(days=50) - dt.timedelta(days=364),
        end_date=today + dt.timedelta(days=50),
        renewal="automatic",
        notice_days=30,
        value=Decimal("350000"),
        currency="EUR",
    )
    later = factories.ContractFactory(
        vendor=acme,
        start_date=today + dt.timedelta(days=90) - dt.timedelta(days=364),
        end_date=today + dt.timedelta(days=90),
        renewal="explicit",
        notice_days=30,
        value=Decimal("350000"),
        currency="EUR",
    )
    credits = ["2000", "2000", "1000", "1000", "800", "800"]
    for i, severity in enumerate(["major", "major", "minor", "minor", "minor", "minor"]):
        breach(soon if i % 2 else later, period, severity, "open", credit=credits[i], currency="USD")
    factories.VendorRiskFactory(vendor=acme, likelihood=5, impact=4, status="open")
    scored(soon, period, "99")  # excellent
    struggler = factories.VendorFactory(name="Struggler")
    c = contract(struggler, today, value="100000")
    scored(c, period, "30", previous="97")
    breach(c, period, "major", "open")
    return {"acme": acme, "struggler": struggler}


def test_the_seen_scenario_ranks_the_excellent_vendor_first_with_its_reasons(
    seen: dict[str, Any], today: dt.date, period: Period, signed_in: Client
) -> None:
    by_scorecard = ranked(today, period, sort="scorecard")
    assert [row.vendor.name for row in by_scorecard] == ["Acme Delivery", "Struggler"]
    assert by_scorecard[0].scorecard.standing.label == "Excellent"

    rows = ranked(today, period)
    assert [(row.rank, row.vendor.name, row.attention_score) for row in rows] == [
        (1, "Acme Delivery", Decimal("36.8")),
        (2, "Struggler", Decimal("15.0")),
    ]
    top = rows[0].attention
    assert {part.key: part.points for part in top.parts} == {
        "breach_major": Decimal(10),
        "breach_minor": Decimal(8),
        "credits_per_thousand": Decimal("6.8"),
        "high_risk": Decimal(3),
        "cancel_by_30_days": Decimal(4),
        "cancel_by_90_days": Decimal(2),
        "spend_share": Decimal(3),
    }
    assert top.facts.spend_share == Decimal("87.5")
    assert top.facts.credits.amount == Decimal("6840.00") and top.facts.spend.amount == Decimal("700000.00")
    assert top.sentence == "2 open major breaches, 4 open minor breaches and EUR 6,840 of service credits owed."
    assert {part.key: part.points for part in rows[1].attention.parts} == {
        "standing_critical": Decimal(8),
        "falling_trend": Decimal(2),
        "breach_major": Decimal(5),
    }
    assert rows[1].attention.reasons[0].text == "a scorecard of 31.6 (critical)"

    # The CTO's first screen names Acme, why, and what it costs.
    html = signed_in.get(OVERVIEW).content.decode()
    first = html[html.index("data-attention-first") :]
    first = first[: first.index("</section>")]
    assert "Acme Delivery" in first and "Struggler" in first
    assert first.index("Acme Delivery") < first.index("Struggler")
    assert "2 open major breaches</a>" in first
    assert "<strong>EUR 6,840</strong> credits owed" in first and "EUR 700,000 a year" in first
    assert "87.5 % of spend" in first
    # The league table is in the same order, the scorecard order one click away.
    league = signed_in.get(OVERVIEW).context["league_rows"]
    assert [row.vendor.name for row in league] == ["Acme Delivery", "Struggler"]
    scorecard_first = signed_in.get(f"{OVERVIEW}?rank_by=scorecard")
    assert scorecard_first.context["overview"].league_sort == "scorecard"
    assert 'name="rank_by" value="scorecard"' in scorecard_first.content.decode()
    assert signed_in.get(f"{OVERVIEW}?rank_by=nonsense").context["overview"].league_sort == "attention"


def test_every_reason_of_the_seen_scenario_lists_its_rows(
    seen: dict[str, Any], today: dt.date, period: Period, signed_in: Client
) -> None:
    overview = signed_in.get(OVERVIEW).context["overview"]
    checked = 0
    for row in overview.league.rows:
        for reason in row.attention.reasons:
            response = signed_in.get(reason.drill.url.split("#")[0])
            assert response.status_code == 200, reason
            if reason.on_list_page:
                assert response.context["paginator"].count == reason.drill.value, reason
                checked += 1
            elif reason.key == "credits_per_thousand":  # the breaches owing them, in USD
                rows = response.context["filterset"].qs
                assert sum((b.credit_amount for b in rows), Decimal(0)) == Decimal("7600"), reason
    assert checked >= 6
    assert all(
        drill in overview.drills()
        for row in overview.league.rows
        for r in row.attention.reasons
        if r.on_list_page
        for drill in [r.drill]
    )


def test_the_vendor_360_shows_the_same_score_and_its_breakdown(
    seen: dict[str, Any], today: dt.date, period: Period, signed_in: Client
) -> None:
    acme = seen["acme"]
    data = vendor_360(vendor_id=acme.pk, period=period, today=today)
    league = row_of(ranked(today, period), acme).attention
    assert data.attention_score is not None
    assert data.attention_score.score == league.score == Decimal("36.8")
    assert [(r.key, r.points, r.text) for r in data.attention_score.reasons] == [
        (r.key, r.points, r.text) for r in league.reasons
    ]
    html = signed_in.get(reverse("dashboards:vendor-360", args=[acme.pk])).content.decode()
    section = html[html.index('id="attention-score"') :]
    section = section[: section.index("</section>")]
    assert 'data-attention-score="36.8"' in section
    assert section.count("<tr data-part=") == 7
    assert "2 × 5" in section and "6.8 thousand EUR × 1" in section and "<strong>36.8</strong>" in section


def test_the_vendor_360_lists_the_overrides_and_exceptions_it_counts(
    ballast: Any, today: dt.date, period: Period, signed_in: Client
) -> None:
    vendor = factories.VendorFactory(name="Bypass Inc")
    _open_overrides(vendor, today, period)
    _expired_exceptions(vendor, today, period)
    data = vendor_360(vendor_id=vendor.pk, period=period, today=today)
    assert data.attention_score.score == Decimal(12)
    assert len(data.open_overrides) == 2 and len(data.expired_exceptions) == 2
    override_reason = next(r for r in data.attention_score.reasons if r.key == "open_override")
    assert override_reason.drill.url == reverse("dashboards:vendor-360", args=[vendor.pk]) + "#attention-exceptions"
    html = signed_in.get(reverse("dashboards:vendor-360", args=[vendor.pk])).content.decode()
    assert 'id="attention-exceptions"' in html
    assert html.count("data-override=") == 2 and html.count("data-exception=") == 2


def test_the_csv_has_the_score_reasons_and_costs(seen: dict[str, Any], signed_in: Client) -> None:
    response = signed_in.get(reverse("dashboards:export", args=["league-table"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    acme = dict(zip(header, rows[1], strict=True))
    assert acme["Vendor"] == "Acme Delivery" and acme["Attention score"] == "36.8"
    assert acme["Top reasons"].startswith("2 open major breaches, 4 open minor breaches and EUR 6,840")
    assert acme["Credits owed (reporting currency)"] == "6840.00"
    assert acme["Annual spend (reporting currency)"] == "700000.00"


# -- the query budget ----------------------------------------------------------------------------------------------
def _grow(n: int, today: dt.date, period: Period) -> None:
    """``n`` vendors with every part of the score."""
    for i in range(n):
        vendor = factories.VendorFactory()
        c = contract(vendor, today, cancel_in=10 + i)
        breach(c, period, ("critical", "major", "minor")[i % 3], credit="100", currency=("EUR", "USD")[i % 2])
        scored(c, period, "40", previous="90")
        factories.VendorRiskFactory(vendor=vendor, likelihood=5, impact=5)
        factories.AccessGrantFactory(vendor=vendor, privilege="admin", named_account=False, mfa_enabled=False)
        factories.CertificationFactory(
            vendor=vendor, issued_on=today - dt.timedelta(days=300), expires_on=today - dt.timedelta(days=1)
        )
        override(c)
        exception(c, today - dt.timedelta(days=1))


# + the cost columns (the cost settings, the ledger rollup) since issue 18; + the ranking statement since issue
# 19 (apps.dashboards.ranking: the order of every vendor in one statement, then the page's rows read by id);
# + the spend read from its stored rollup (its audit heads, the portfolio's groups, each vendor's amount: three
# queries where the sum over the contracts was one) and the page's vendors' own spend rows (one); the engaged
# vendors counted in the database, the page's read by id (one more); the stored attention points of the
# vendors' records kept current (their audit heads: one more, decision 0026).
ATTENTION_QUERY_BUDGET = 28
VENDOR_360_QUERY_BUDGET = 56  # + 11 for its Total cost panel (the cost settings, the ledger's ten)


def test_the_ranking_takes_a_fixed_number_of_queries(
    ballast: Any, today: dt.date, period: Period, django_assert_max_num_queries: Any
) -> None:
    FxRate.objects.create(currency="USD", valid_on=today - dt.timedelta(days=10), rate=Decimal("0.9"))
    _grow(3, today, period)

    def page() -> LeaguePage:
        return league_page(scope=Scope(), period=period, today=today, per_page=5)

    read_until_settled(page, serving=False)  # stores the scorecards and costs (tests/rollups.py): count the next
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as few:
        page()
    _grow(12, today, period)
    read_until_settled(page, serving=False)
    ContentType.objects.clear_cache()
    with django_assert_max_num_queries(ATTENTION_QUERY_BUDGET), CaptureQueriesContext(connection) as many:
        shown = page()
    assert len(many) == len(few)
    # Only the page's rows are built, each with its reasons (and their links).
    assert (shown.total, len(shown.rows)) == (16, 5)
    assert all(row.attention is not None and row.attention.reasons for row in shown.rows)
    assert all(row.attention_score > 0 for row in ranked(today, period))


def test_the_overview_and_the_vendor_360_stay_within_their_budgets(
    ballast: Any, today: dt.date, period: Period, signed_in: Client, django_assert_max_num_queries: Any
) -> None:
    _grow(2, today, period)
    read_until_settled(lambda: signed_in.get(OVERVIEW))  # the content types cached, the rollups stored
    with CaptureQueriesContext(connection) as few:
        signed_in.get(OVERVIEW)
    _grow(8, today, period)
    read_until_settled(lambda: signed_in.get(OVERVIEW))  # the new vendors' scorecards and costs stored
    with CaptureQueriesContext(connection) as many:
        signed_in.get(OVERVIEW)
    assert len(many) == len(few)
    # The vendor 360 with one of everything, then with more of everything: the same queries.
    vendor = factories.VendorFactory()
    _open_overrides(vendor, today, period)
    _expired_exceptions(vendor, today, period)
    _critical_breaches(vendor, today, period)
    url = reverse("dashboards:vendor-360", args=[vendor.pk])
    with CaptureQueriesContext(connection) as one:
        signed_in.get(url)
    for _ in range(3):
        _open_overrides(vendor, today, period)
        _expired_exceptions(vendor, today, period)
        _critical_breaches(vendor, today, period)
    with django_assert_max_num_queries(VENDOR_360_QUERY_BUDGET), CaptureQueriesContext(connection) as more:
        signed_in.get(url)
    assert len(more) == len(one)


def test_high_risk_is_the_vendor_360s_threshold() -> None:
    assert VENDOR_360_HIGH_RISK_SCORE == HIGH_RISK_SCORE == 15
