"""The roster findings on the dashboards: the attention ranking's two roster weights with their reason and
link, and the vendor 360's Team panel (open findings, active headcount by band) within its query budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.dashboards.scope import Scope
from apps.dashboards.tiles.league import league_table
from apps.dashboards.vendor import vendor_360
from apps.performance.scorecards import MONTH, Period
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def team(vendor: Any, today: dt.date) -> Any:
    c = factories.ContractFactory(vendor=vendor, title="Core", start_date=today - dt.timedelta(days=200), end_date=None)
    for seniority, allocation in (("senior", 100), ("senior", 50), ("junior", 100)):
        who = factories.EngineerFactory(vendor=vendor, seniority=seniority)
        factories.AssignmentFactory(
            contract=c, engineer=who, allocation_percent=allocation, start_date=today - dt.timedelta(days=30)
        )
    ended = factories.EngineerFactory(vendor=vendor, seniority="principal")
    factories.AssignmentFactory(
        contract=c, engineer=ended, start_date=today - dt.timedelta(days=90), end_date=today - dt.timedelta(days=1)
    )
    return c


def test_the_reason_names_the_kinds_and_links_to_the_team_panel() -> None:
    today = timezone.localdate()
    vendor = factories.VendorFactory(name="Swapper")
    c = team(vendor, today)
    factories.RosterFindingFactory(contract=c, kind="unapproved_swap")
    factories.RosterFindingFactory(contract=c, kind="unapproved_swap")
    factories.RosterFindingFactory(contract=c, kind="leaver_with_access")
    factories.RosterFindingFactory(contract=c, kind="understaffed")
    rows = league_table(scope=Scope(), period=Period.last_closed(MONTH, today=today), today=today)
    attention = next(row for row in rows if row.vendor.id == vendor.pk).attention
    reasons = {reason.key: reason for reason in attention.reasons}
    assert reasons["roster_finding_high"].points == Decimal(12)
    assert reasons["roster_finding_high"].text == "3 roster findings (unapproved swap × 2, leaver with live access)"
    assert reasons["roster_finding_high"].drill.url == reverse("dashboards:vendor-360", args=[vendor.pk]) + "#team"
    assert reasons["roster_finding_medium"].text == "1 roster finding (understaffed)"
    assert not reasons["roster_finding_high"].on_list_page


def test_the_vendor_360_team_panel(signed_in: Client) -> None:
    today = timezone.localdate()
    vendor = factories.VendorFactory()
    c = team(vendor, today)
    swap = factories.RosterFindingFactory(contract=c, kind="unapproved_swap", message="Anna left without approval.")
    factories.RosterFindingFactory(contract=c, kind="understaffed", closed_at=timezone.now())
    data = vendor_360(vendor_id=vendor.pk, period=Period.last_closed(MONTH, today=today), today=today)
    assert data.roster_findings == [swap]
    assert [(b.seniority, b.engineers, b.fte) for b in data.team] == [
        ("junior", 1, Decimal(1)),
        ("senior", 2, Decimal("1.5")),
    ]
    assert (data.team_engineers, data.team_fte) == (3, Decimal("2.5"))
    assert any(item.text.startswith("Anna left without approval.") and item.tone == "bad" for item in data.attention)
    html = signed_in.get(reverse("dashboards:vendor-360", args=[vendor.pk])).content.decode()
    assert 'id="team"' in html and 'data-roster-findings="1"' in html
    assert f'href="{c.get_absolute_url()}#team"' in html and "Anna left without approval." in html
    assert 'data-band="senior"' in html


def test_the_team_panel_costs_the_same_queries_however_big_the_team(signed_in: Client) -> None:
    today = timezone.localdate()
    vendor = factories.VendorFactory()
    c = team(vendor, today)
    factories.RosterFindingFactory(contract=c, kind="unapproved_swap")
    url = reverse("dashboards:vendor-360", args=[vendor.pk])
    signed_in.get(url)
    with CaptureQueriesContext(connection) as few:
        signed_in.get(url)
    for _ in range(4):
        other = team(vendor, today)
        factories.RosterFindingFactory(contract=other, kind="seniority_drift")
    signed_in.get(url)  # the new contracts change the portfolio's spend: worked out once, then cached
    with CaptureQueriesContext(connection) as many:
        signed_in.get(url)
    assert len(many) == len(few)
