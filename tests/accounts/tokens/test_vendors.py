"""A token limited to some vendors: reads return only their records; a write that would touch another
vendor's record is 403 and changes nothing (bulk included); records of no vendor are read, not written;
browser sessions are not affected. And the Done-when case."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.choices import Role
from apps.contracts.models import Contract
from apps.performance.models import Measurement, SlaTerm
from tests.accounts.tokens.conftest import TokenClient
from tests.factories import (
    ContractFactory,
    KpiDefinitionFactory,
    MeasurementFactory,
    SlaTermFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_vendors() -> dict[str, Any]:
    """A manager who owns the engagements of two vendors: their role may write both."""
    manager = UserFactory(role=Role.ENGINEERING_MANAGER)
    ours = ContractFactory(vendor__engineering_owner=manager, vendor__name="Ours")
    theirs = ContractFactory(vendor__engineering_owner=manager, vendor__name="Theirs")
    return {"manager": manager, "ours": ours, "theirs": theirs}


def measurement(contract: Contract, n: int = 0, value: str = "40") -> dict[str, Any]:
    day = f"2026-02-{n + 1:02d}"
    return {"contract": contract.pk, "kpi": "sprint_velocity", "period_start": day, "period_end": day, "value": value}


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_done_when_a_measurements_token_of_one_vendor_posts_that_vendor_s_measurements_nothing_else(
    two_vendors: dict[str, Any], token_client: TokenClient
) -> None:
    ours, theirs = two_vendors["ours"], two_vendors["theirs"]
    api = token_client(two_vendors["manager"], ["measurements:write"], vendors=[ours.vendor])

    assert api.post("/api/v1/measurements/", measurement(ours), format="json").status_code == 201
    refused = api.post("/api/v1/measurements/", measurement(theirs), format="json")
    assert refused.status_code == 403
    assert "another vendor" in refused.json()["detail"] and "Nothing was changed" in refused.json()["detail"]
    bulk = api.post("/api/v1/measurements/bulk/", {"rows": [measurement(ours, 1), measurement(ours, 2)]}, format="json")
    assert bulk.status_code == 200 and bulk.json()["summary"]["created"] == 2
    mixed = api.post(
        "/api/v1/measurements/bulk/", {"rows": [measurement(ours, 3), measurement(theirs, 4)]}, format="json"
    )
    assert mixed.status_code == 403 and "row 1 " in mixed.json()["detail"]

    assert set(Measurement.objects.values_list("contract_id", flat=True)) == {ours.pk}
    assert Measurement.objects.count() == 3  # the mixed request wrote nothing, its good row neither
    # nothing else: other areas, other vendors' reads
    assert api.get("/api/v1/measurements/").json()["count"] == 3
    assert api.get("/api/v1/contracts/").status_code == 403
    assert api.post("/api/v1/sla-terms/", {"contract": ours.pk}, format="json").status_code == 403
    assert api.get(f"/api/v1/measurements/?contract={theirs.pk}").json()["count"] == 0


def test_reads_return_only_the_token_s_vendors_records(two_vendors: dict[str, Any], token_client: TokenClient) -> None:
    ours, theirs = two_vendors["ours"], two_vendors["theirs"]
    mine, other = MeasurementFactory(contract=ours), MeasurementFactory(contract=theirs)
    our_term, their_term = SlaTermFactory(contract=ours), SlaTermFactory(contract=theirs)
    VendorRiskFactory(vendor=ours.vendor), VendorRiskFactory(vendor=theirs.vendor)
    api = token_client(UserFactory(role=Role.EXECUTIVE), ["read"], vendors=[ours.vendor])

    assert ids(api.get("/api/v1/vendors/")) == {ours.vendor_id}
    assert ids(api.get("/api/v1/contracts/")) == {ours.pk}
    assert ids(api.get("/api/v1/measurements/")) == {mine.pk}
    assert ids(api.get("/api/v1/sla-terms/")) == {our_term.pk}
    assert {r["vendor"] for r in api.get("/api/v1/risks/").json()["results"]} == {ours.vendor_id}
    # another vendor's record is not there, whatever the path to it
    assert api.get(f"/api/v1/contracts/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/contracts/{theirs.pk}/readiness/").status_code == 404
    assert api.get(f"/api/v1/vendors/{theirs.vendor_id}/").status_code == 404
    assert api.get(f"/api/v1/measurements/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/sla-terms/{their_term.pk}/").status_code == 404
    # records of no vendor are read (the KPI catalogue); those about any vendor are not (the inbox)
    KpiDefinitionFactory()
    assert api.get("/api/v1/kpis/").json()["count"] > 0
    assert api.get("/api/v1/notifications/").json()["count"] == 0
    # the same person's session sees everything
    browser = Client()
    browser.force_login(api.token.user)
    assert browser.get("/api/v1/contracts/").json()["count"] == 2


def test_vendor_escape_a_write_for_another_vendor_s_contract_is_403_and_changes_nothing(
    two_vendors: dict[str, Any], token_client: TokenClient
) -> None:
    ours, theirs = two_vendors["ours"], two_vendors["theirs"]
    procurement = UserFactory(role=Role.PROCUREMENT)
    api = token_client(procurement, ["contracts:write"], vendors=[ours.vendor])
    term = SlaTermFactory(contract=ours)
    kpi = term.kpi

    # an SLA term on another vendor's contract
    body = {
        "contract": theirs.pk,
        "area": "delivery",
        "kpi": kpi.pk,
        "comparator": term.comparator,
        "target": "90",
        "window": "month",
        "severity": "minor",
        "credit_percent": "0",
    }
    before = SlaTerm.objects.count()
    refused = api.post("/api/v1/sla-terms/", body, format="json")
    assert refused.status_code == 403, refused.content
    assert SlaTerm.objects.count() == before
    # moving our term onto their contract
    # (a term's contract is fixed once made: the field is ignored, or the move refused)
    api.patch(f"/api/v1/sla-terms/{term.pk}/", {"contract": theirs.pk}, format="json")
    term.refresh_from_db()
    assert term.contract_id == ours.pk
    # a contract for another vendor, or moved to one
    new = {
        "vendor": theirs.vendor_id,
        "title": "Escape",
        "engagement_model": "project_based",
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "renewal": "none",
        "notice_days": 0,
        "value": "1000.00",
        "currency": "EUR",
    }
    assert api.post("/api/v1/contracts/", new, format="json").status_code == 403
    assert not Contract.objects.filter(title="Escape").exists()
    patched = api.patch(f"/api/v1/contracts/{ours.pk}/", {"vendor": theirs.vendor_id}, format="json")
    assert patched.status_code == 403, patched.content
    ours.refresh_from_db()
    assert ours.vendor_id != theirs.vendor_id
    # another vendor's existing records: not found, so not written
    assert api.patch(f"/api/v1/contracts/{theirs.pk}/", {"title": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/contracts/{theirs.pk}/").status_code == 404
    # the same write for its own vendor goes through
    body["contract"] = ours.pk
    body["area"] = "quality"
    assert api.post("/api/v1/sla-terms/", body, format="json").status_code == 201


def test_a_limited_token_creates_no_vendor_and_writes_no_reference_data(token_client: TokenClient) -> None:
    ours = VendorFactory()
    api = token_client(UserFactory(role=Role.ADMIN), ["admin"], vendors=[ours])
    vendor = {
        "name": "Brand new",
        "country": "PL",
        "geography": "nearshore",
        "timezone_overlap_hours": "4",
        "tier": "tier_3",
        "rate_min": "10",
        "rate_max": "20",
        "currency": "EUR",
    }
    response = api.post("/api/v1/vendors/", vendor, format="json")
    assert response.status_code == 403, response.content
    assert not VendorFactory._meta.model.objects.filter(name="Brand new").exists()
    fx = api.post("/api/v1/fx-rates/", {"currency": "USD", "valid_on": "2026-01-01", "rate": "0.9"}, format="json")
    assert fx.status_code == 403 and "belong to no single vendor" in fx.json()["detail"]
    # its own vendor it may change
    assert api.patch(f"/api/v1/vendors/{ours.pk}/", {"description": "ok"}, format="json").status_code == 200


def test_an_unlimited_token_is_not_restricted(two_vendors: dict[str, Any], token_client: TokenClient) -> None:
    api = token_client(two_vendors["manager"], ["measurements:write"])
    for contract in (two_vendors["ours"], two_vendors["theirs"]):
        assert api.post("/api/v1/measurements/", measurement(contract), format="json").status_code == 201
    assert ids(api.get("/api/v1/measurements/")) == set(Measurement.objects.values_list("pk", flat=True))


def test_the_restriction_costs_one_query(
    two_vendors: dict[str, Any], token_client: TokenClient, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        MeasurementFactory(
            contract=two_vendors["ours"], period_start=f"2026-03-{n + 1:02d}", period_end=f"2026-03-{n + 1:02d}"
        )
    limited = token_client(two_vendors["manager"], ["read"], vendors=[two_vendors["ours"].vendor])
    unlimited = token_client(two_vendors["manager"], ["read"])
    unlimited.get("/api/v1/measurements/")
    limited.get("/api/v1/measurements/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as plain:
        unlimited.get("/api/v1/measurements/")
    with CaptureQueriesContext(connection) as scoped:
        limited.get("/api/v1/measurements/")
    assert len(scoped) <= len(plain) + 1
