"""The overview's certification and access tiles: expired certifications stay counted until renewed
or retired, access findings are counted by severity, and each number leads to exactly its rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.dashboards.scope import Drill, Scope
from apps.dashboards.tiles.access import access_findings
from apps.dashboards.tiles.certifications import certifications_expiring
from apps.dashboards.vendor import vendor_360
from apps.performance.scorecards import Period
from apps.vendors.models import Vendor
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def rows_of(client: Client, drill: Drill) -> list[Any]:
    response = client.get(drill.url)
    assert response.status_code == 200, drill
    return list(response.context["filterset"].qs)


def test_expired_certifications_stay_on_the_tile_until_renewed_or_retired(signed_in: Client) -> None:
    vendor = factories.VendorFactory(status="active")
    old = factories.CertificationFactory(
        vendor=vendor,
        kind="iso27001",
        issued_on=TODAY - dt.timedelta(days=800),
        expires_on=TODAY - dt.timedelta(days=400),
    )
    soon = factories.CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=TODAY + dt.timedelta(days=60))
    factories.CertificationFactory(vendor=vendor, kind="iso9001", expires_on=TODAY + dt.timedelta(days=61))

    tile = certifications_expiring(scope=Scope(), today=TODAY)
    assert (tile.expired.value, tile.expiring.value) == (1, 1)
    assert rows_of(signed_in, tile.expired) == [old] and rows_of(signed_in, tile.expiring) == [soon]

    # Renewed: a later ISO 27001 of the same vendor, current.
    factories.CertificationFactory(
        vendor=vendor, kind="iso27001", issued_on=TODAY, expires_on=TODAY + dt.timedelta(days=700)
    )
    tile = certifications_expiring(scope=Scope(), today=TODAY)
    assert (tile.expired.value, tile.expiring.value) == (0, 1)
    assert rows_of(signed_in, tile.expired) == []

    # Retired: the vendor exits.
    other = factories.VendorFactory(status="active")
    factories.CertificationFactory(vendor=other, expires_on=TODAY - dt.timedelta(days=1))
    assert certifications_expiring(scope=Scope(), today=TODAY).expired.value == 1
    Vendor.objects.filter(pk=other.pk).update(status="exited")
    assert certifications_expiring(scope=Scope(), today=TODAY).expired.value == 0


def test_the_tile_says_how_many_expired_and_how_many_expiring(signed_in: Client) -> None:
    vendor = factories.VendorFactory(status="active")
    factories.CertificationFactory(vendor=vendor, kind="iso27001", expires_on=TODAY - dt.timedelta(days=3))
    factories.CertificationFactory(vendor=vendor, kind="iso9001", expires_on=TODAY - dt.timedelta(days=90))
    factories.CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=TODAY + dt.timedelta(days=5))
    html = signed_in.get(reverse("dashboards:overview")).content.decode()
    tile = html[html.index('data-tile="certifications"') :]
    tile = tile[: tile.index("</li>\n")]
    assert 'data-drill="expired">2 expired' in tile
    assert 'data-drill="expiring">1 expiring' in tile


def test_access_tile_counts_grants_by_their_worst_finding(signed_in: Client) -> None:
    granted = TODAY - dt.timedelta(days=30)
    vendor = factories.VendorFactory(status="active")
    high = factories.AccessGrantFactory(vendor=vendor, granted_on=granted, privilege="admin", named_account=False)
    medium = factories.AccessGrantFactory(vendor=vendor, granted_on=granted, privilege="production")
    factories.AccessGrantFactory(vendor=vendor, granted_on=granted)  # named write access: fine
    factories.AccessGrantFactory(
        vendor=vendor, granted_on=granted, privilege="admin", mfa_enabled=False, revoked_on=TODAY
    )  # revoked: no finding

    tile = access_findings(scope=Scope(), today=TODAY)
    assert tile.value == 2
    assert (tile.high.value, tile.medium.value) == (1, 1)
    assert {g.pk for g in rows_of(signed_in, tile.total)} == {high.pk, medium.pk}
    assert [g.pk for g in rows_of(signed_in, tile.high)] == [high.pk]
    assert [g.pk for g in rows_of(signed_in, tile.medium)] == [medium.pk]

    html = signed_in.get(reverse("dashboards:overview")).content.decode()
    part = html[html.index('data-tile="access-findings"') :]
    part = part[: part.index("</li>\n")]
    assert 'data-drill="high">1 high' in part and 'data-drill="medium">1 medium' in part


def test_vendor_360_names_the_access_findings_by_severity(signed_in: Client) -> None:
    granted = TODAY - dt.timedelta(days=30)
    vendor = factories.VendorFactory(status="active")
    factories.AccessGrantFactory(
        vendor=vendor, granted_on=granted, privilege="admin", named_account=False, mfa_enabled=False
    )
    factories.AccessGrantFactory(vendor=vendor, granted_on=granted, privilege="production")
    data = vendor_360(vendor_id=vendor.pk, period=Period(TODAY.replace(day=1)), today=TODAY)
    sentences = {a.text: a for a in data.attention if "access grant" in a.text}
    high = next(a for text, a in sentences.items() if "high-severity" in text)
    medium = next(a for text, a in sentences.items() if "medium-severity" in text)
    assert high.tone == "bad" and "1 shared account, privileged" in high.text and "1 no MFA" in high.text
    assert medium.tone == "warn" and "2 no expiry" not in medium.text  # the shared one counts as high
    assert len(rows_of(signed_in, high.drill)) == 1 == high.drill.value
    assert len(rows_of(signed_in, medium.drill)) == 1 == medium.drill.value
