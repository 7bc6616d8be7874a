"""KPIs and performance bands over the API: CRUD × roles (generated), nested bands, filters, conflicts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.kpis.models import KpiDefinition
from tests.api_matrix import ApiResourceMatrix
from tests.factories import KpiDefinitionFactory, MeasurementFactory, PerformanceBandFactory, SlaTermFactory

pytestmark = pytest.mark.django_db


class TestKpiDefinitionApi(ApiResourceMatrix):
    basename = "kpidefinition"
    factory = KpiDefinitionFactory

    def make(self):
        kpi = KpiDefinitionFactory()
        PerformanceBandFactory(kpi=kpi)  # nested bands: still a constant number of queries
        PerformanceBandFactory(kpi=kpi, band="elite", rank=1, lower=95, upper=None)
        return kpi

    def create_payload(self):
        return {
            "code": "uptime",
            "name": "Uptime",
            "unit": "%",
            "direction": "higher",
            "aggregation": "mean",
            "multiplier": "1.0000",
            "min_value": "0.0000",
            "max_value": "100.0000",
            "description": "Share of the period the service was up.",
        }

    def update_payload(self, obj):
        return {"description": "Clarified.", "name": "Renamed KPI"}


class TestPerformanceBandApi(ApiResourceMatrix):
    basename = "performanceband"
    factory = PerformanceBandFactory

    def create_payload(self):
        return {
            "kpi": KpiDefinitionFactory().pk,
            "source": "organisation",
            "year": 2026,
            "band": "elite",
            "rank": 1,
            "lower": "95.0000",
            "label": "Best in class",
        }

    def update_payload(self, obj):
        return {"label": "Best in class", "upper": "99.0000"}


def test_kpi_detail_nests_its_bands_best_first(api_client_for: Callable[[str], APIClient]) -> None:
    lead_time = KpiDefinition.objects.get(code="lead_time_for_changes")
    body = api_client_for("security").get(f"/api/v1/kpis/{lead_time.pk}/").json()
    assert (body["code"], body["unit"], body["direction"], body["aggregation"]) == (
        "lead_time_for_changes",
        "hours",
        "lower",
        "mean",
    )
    assert [(b["band"], b["year"], b["source"]) for b in body["bands"]] == [
        ("elite", 2023, "dora"),
        ("high", 2023, "dora"),
        ("medium", 2023, "dora"),
        ("low", 2023, "dora"),
    ]


def test_kpi_filters(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("executive")

    def codes(query: str) -> set[str]:
        return {k["code"] for k in client.get(f"/api/v1/kpis/?page_size=100&{query}").json()["results"]}

    assert codes("aggregation=ratio") == set(
        KpiDefinition.objects.filter(aggregation="ratio").values_list("code", flat=True)
    )
    assert "defect_rate" in codes("direction=lower") and "defect_rate" not in codes("direction=higher")
    assert codes("aggregation=max") == {"security_incident_notification_time"}


def test_deleting_a_kpi_in_use_is_409(api_client_for: Callable[[str], APIClient]) -> None:
    term = SlaTermFactory()
    measured = MeasurementFactory().kpi
    client = api_client_for("admin")
    for used in (term.kpi, measured):
        response = client.delete(f"/api/v1/kpis/{used.pk}/")
        assert response.status_code == 409, response.content
        assert "still referenced" in str(response.json())
        assert KpiDefinition.objects.filter(pk=used.pk).exists()


def test_changing_the_unit_of_a_measured_kpi_is_409(api_client_for: Callable[[str], APIClient]) -> None:
    measured = MeasurementFactory().kpi
    response = api_client_for("admin").patch(f"/api/v1/kpis/{measured.pk}/", {"unit": "hours"})
    assert response.status_code == 409
    assert "unit" in response.json()
