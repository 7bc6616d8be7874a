"""Measurements over the API: CRUD × roles (generated), the upsert, ratio values, every validation rule
as a 400, KPIs by code, filters."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.kpis.models import KpiDefinition
from apps.performance.models import Measurement
from tests.api_matrix import ApiResourceMatrix
from tests.factories import (
    ContractFactory,
    KpiDefinitionFactory,
    MeasurementFactory,
    UserFactory,
)

_periods = itertools.count(1)


class TestMeasurementApi(ApiResourceMatrix):
    basename = "measurement"
    factory = MeasurementFactory

    def create_payload(self):
        # A period nobody logged yet, so the upsert creates (201) and the payload comes back as sent.
        start = date(2026, 1, 1) + timedelta(days=next(_periods))
        return {
            "contract": ContractFactory().pk,
            "kpi": KpiDefinitionFactory().pk,
            "period_start": start.isoformat(),
            "period_end": start.isoformat(),
            "value": "97.5000",
            "note": "From Jira.",
        }

    def update_payload(self, obj):
        return {"value": "93.0000", "note": "Corrected."}


pytestmark = pytest.mark.django_db
MEASUREMENTS = "/api/v1/measurements/"


def post(client: APIClient, **fields):
    return client.post(MEASUREMENTS, fields, format="json")


def test_upsert_created_unchanged_updated(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("engineering_manager")
    body = {
        "contract": ContractFactory().pk,
        "kpi": "sprint_velocity",
        "period_start": "2026-10-01",
        "period_end": "2026-10-14",
        "value": "42",
    }
    first = post(client, **body)
    assert (first.status_code, first.json()["result"]) == (201, "created"), first.content
    for _retry in range(2):
        retry = post(client, **body)
        assert (retry.status_code, retry.json()["result"]) == (200, "unchanged")
        assert retry.json()["id"] == first.json()["id"]
    changed = post(client, **{**body, "value": "45", "note": "Recounted"})
    assert (changed.status_code, changed.json()["result"]) == (200, "updated")
    assert changed.json()["value"] == "45.0000" and changed.json()["note"] == "Recounted"
    assert Measurement.objects.get().value == 45


def test_api_writes_are_sourced_api_and_recorded_by_the_caller(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("engineering_manager")
    manager = UserFactory(username="demo_engineering_manager")
    response = post(
        client,
        contract=ContractFactory().pk,
        kpi="sprint_velocity",
        period_start="2026-10-01",
        period_end="2026-10-14",
        value="42",
        source="form",
        recorded_by=UserFactory().pk,
    )
    body = response.json()
    assert (body["source"], body["recorded_by"], body["kpi_code"]) == ("api", manager.pk, "sprint_velocity")
    existing = MeasurementFactory(source="import")
    assert client.patch(f"{MEASUREMENTS}{existing.pk}/", {"value": "50"}).json()["source"] == "api"
    existing.refresh_from_db()
    assert (existing.source, existing.recorded_by) == ("api", manager)


def test_ratio_value_is_computed(api_client_for: Callable[[str], APIClient]) -> None:
    response = post(
        api_client_for("engineering_manager"),
        contract=ContractFactory().pk,
        kpi="defect_rate",
        period_start="2026-10-01",
        period_end="2026-10-31",
        numerator="7",
        denominator="400",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["value"], response.json()["numerator"]) == ("1.7500", "7.0000")


TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kpi": "defect_rate", "numerator": "500", "denominator": "400"}, "numerator"),  # percent over 100
        ({"kpi": "defect_rate", "numerator": "5", "denominator": "0"}, "denominator"),
        ({"kpi": "defect_rate", "numerator": "5"}, "denominator"),  # numerator without denominator
        ({"kpi": "defect_rate", "denominator": "5"}, "numerator"),
        ({"kpi": "defect_rate", "numerator": "-1", "denominator": "5"}, "numerator"),
        ({"kpi": "defect_rate", "numerator": "1", "denominator": "4", "value": "80"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "-3"}, "value"),  # negative duration, min 0
        ({"kpi": "time_to_restore", "value": "-0.5"}, "value"),
        ({"kpi": "lead_time_for_changes"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "3", "numerator": "1", "denominator": "2"}, "numerator"),
        (
            {"kpi": "lead_time_for_changes", "value": "3", "period_start": "2026-10-31", "period_end": "2026-10-01"},
            "period_end",
        ),
        ({"kpi": "lead_time_for_changes", "value": "3", "period_end": str(TODAY + timedelta(days=1))}, "period_end"),
        ({"kpi": "no_such_kpi", "value": "3"}, "kpi"),
        ({"kpi": 999999, "value": "3"}, "kpi"),
        ({"kpi": "lead_time_for_changes", "value": "abc"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "3", "contract": 999999}, "contract"),
        ({"kpi": "lead_time_for_changes", "value": "3", "period_start": None}, "period_start"),
    ],
)
def test_validation_rules_are_400_with_field_messages(fields, field, api_client_for) -> None:
    body = {"contract": ContractFactory().pk, "period_start": "2026-10-01", "period_end": "2026-10-31", **fields}
    response = post(api_client_for("engineering_manager"), **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert Measurement.objects.count() == 0


def test_patch_is_checked_like_a_post(api_client_for: Callable[[str], APIClient]) -> None:
    measurement = MeasurementFactory(kpi=KpiDefinition.objects.get(code="lead_time_for_changes"), value=5)
    client = api_client_for("engineering_manager")
    response = client.patch(f"{MEASUREMENTS}{measurement.pk}/", {"value": "-1"})
    assert response.status_code == 400 and "value" in response.json()
    response = client.patch(f"{MEASUREMENTS}{measurement.pk}/", {"period_end": str(TODAY + timedelta(days=3))})
    assert response.status_code == 400 and "period_end" in response.json()
    measurement.refresh_from_db()
    assert measurement.value == 5


def test_a_kpi_by_id_or_code(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("engineering_manager")
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    base = {"contract": ContractFactory().pk, "period_start": "2026-10-01", "period_end": "2026-10-14", "value": "42"}
    by_code = post(client, **base, kpi="sprint_velocity")
    by_id = post(client, **base, kpi=velocity.pk)
    by_id_text = post(client, **base, kpi=str(velocity.pk))
    assert [r.json()["result"] for r in (by_code, by_id, by_id_text)] == ["created", "unchanged", "unchanged"]
    assert by_code.json()["kpi"] == velocity.pk
    listed = client.get("/api/v1/kpis/?code=sprint_velocity").json()["results"]
    assert [k["id"] for k in listed] == [velocity.pk]
    bands = client.get("/api/v1/performance-bands/?kpi=change_failure_rate").json()["results"]
    assert len(bands) == 4 and {b["kpi"] for b in bands} == {KpiDefinition.objects.get(code="change_failure_rate").pk}
    band = api_client_for("admin").post(
        "/api/v1/performance-bands/",
        {"kpi": "sprint_velocity", "source": "organisation", "year": 2026, "band": "high", "rank": 2, "lower": "30"},
        format="json",
    )
    assert band.status_code == 201 and band.json()["kpi"] == velocity.pk


def test_measurement_filters(api_client_for: Callable[[str], APIClient]) -> None:
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    kept = MeasurementFactory(kpi=velocity, value=30, source="import")
    september = MeasurementFactory(period_start="2026-09-01", period_end="2026-09-30", source="api")
    client = api_client_for("executive")

    def ids(query: str) -> list[int]:
        return [m["id"] for m in client.get(f"{MEASUREMENTS}?{query}").json()["results"]]

    assert ids("kpi=sprint_velocity") == [kept.pk]
    assert ids(f"kpi={velocity.pk}") == [kept.pk]
    assert ids(f"vendor={kept.contract.vendor_id}") == [kept.pk]
    assert ids(f"contract={september.contract_id}") == [september.pk]
    assert ids("source=import") == [kept.pk]
    assert ids("period_end_before=2026-10-01") == [september.pk]
    assert ids("period_end_after=2026-10-01") == [kept.pk]
    assert ids("period_end_after=2026-09-30&period_end_before=2026-10-31") == [kept.pk, september.pk]
