"""One source of truth per contract and KPI: a value of a KPI that an active binding measures, for a
period ending on or after its ``covers_from``, is refused from every source but telemetry — the form
and the API (``measurement_record``, ``measurement_update``), the bulk API and the CSV import
(``measurement_bulk_check``: one query for the whole request) — with a message naming the binding.
Earlier periods, other KPIs and switched-off bindings take manual values as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.kpis.models import KpiDefinition
from apps.performance import imports, services
from apps.performance.models import Measurement
from apps.performance.telemetry.coverage import Coverage, telemetry_coverage
from tests import factories

pytestmark = pytest.mark.django_db

COVERS_FROM = dt.date(2026, 1, 1)
REFUSED = (
    "Delivery telemetry measures Lead time for changes for this contract from 1 Jan 2026 (GitHub vendor-org/api): "
    "its values come from the vendor's tools."
)
OCTOBER = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(
        source="github", scope="vendor-org/api", covers_from=COVERS_FROM, contract__start_date=dt.date(2025, 1, 1)
    )


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def record(contract: Any, code: str, source: str = "api", **fields: Any) -> tuple[Measurement, str]:
    data = {"contract": contract, "kpi": kpi(code), **OCTOBER, "value": Decimal(30), **fields}
    return services.measurement_record(actor=None, data=data, source=source)


def test_coverage_names_the_binding_with_the_earliest_covers_from(binding: Any) -> None:
    later = factories.SourceBindingFactory(
        contract=binding.contract, source="generic", scope="ci", covers_from=dt.date(2026, 6, 1)
    )
    factories.SourceBindingFactory(contract=binding.contract, source="pagerduty", scope="P1", active=False)
    other = factories.ContractFactory()
    coverage = telemetry_coverage(contract_ids=[binding.contract_id, other.pk])
    covered = coverage[binding.contract_id]
    assert covered["lead_time_for_changes"] == Coverage(binding.pk, "GitHub vendor-org/api", COVERS_FROM)
    assert covered["time_to_restore"] == Coverage(later.pk, "Generic event API ci", dt.date(2026, 6, 1))
    assert coverage[other.pk] == {}  # every contract asked for is answered
    assert set(covered) == {
        *binding.measures,
        *later.measures,
    }  # the switched-off PagerDuty binding measures nothing


def test_a_manual_value_of_a_measured_kpi_is_refused_naming_the_binding(binding: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        record(binding.contract, "lead_time_for_changes")
    assert refused.value.message_dict == {"kpi": [REFUSED]}
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, False),
        ({"period_end": COVERS_FROM}, False),  # ending on covers_from: telemetry's
        ({"period_start": dt.date(2025, 12, 1), "period_end": dt.date(2025, 12, 31)}, True),  # ended before
        ({"kpi": "defect_rate"}, True),  # a KPI telemetry cannot measure
        ({"kpi": "time_to_restore"}, True),  # one the binding does not measure
        ({"source": "telemetry"}, True),
    ],
)
def test_what_is_refused_and_what_is_not(binding: Any, change: dict[str, Any], accepted: bool) -> None:
    change = dict(change)
    code = change.pop("kpi", "lead_time_for_changes")
    source = change.pop("source", "api")
    fields = {"period_start": change.get("period_start", dt.date(2025, 12, 25))} | change if change else {}
    if code == "defect_rate":
        fields |= {"value": None, "numerator": Decimal(1), "denominator": Decimal(50)}
    if accepted:
        assert record(binding.contract, code, source, **fields)[1] == "created"
    else:
        with pytest.raises(ValidationError, match="Delivery telemetry measures"):
            record(binding.contract, code, source, **fields)


def test_a_switched_off_binding_takes_manual_values_again(binding: Any) -> None:
    binding.active = False
    binding.save()
    assert record(binding.contract, "lead_time_for_changes")[1] == "created"


def test_an_update_into_a_covered_period_is_refused(binding: Any) -> None:
    before, _ = record(
        binding.contract,
        "lead_time_for_changes",
        period_start=dt.date(2025, 12, 1),
        period_end=dt.date(2025, 12, 31),
    )
    with pytest.raises(ValidationError) as refused:
        services.measurement_update(instance=before, actor=None, data=OCTOBER, source="form")
    assert refused.value.message_dict == {"kpi": [REFUSED]}
    with pytest.raises(ValidationError):
        services.measurement_update(instance=before, actor=None, data=OCTOBER)  # no source: a person's change
    assert services.measurement_update(instance=before, actor=None, data={"value": Decimal(31)}, source="api")


def test_a_bulk_request_refuses_the_covered_rows_with_one_query(binding: Any) -> None:
    contract = binding.contract
    rows = [
        {"contract": contract.pk, "kpi": "lead_time_for_changes", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "30"},
        {"contract": contract.pk, "kpi": "lead_time_for_changes", "period_start": "2025-12-01", "period_end": "2025-12-31", "value": "30"},
        {"contract": contract.pk, "kpi": "sprint_velocity", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "30"},
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as few:
        results = services.measurement_bulk_upsert(actor=None, rows=rows, source="api")
    assert [result.status for result in results] == ["error", "created", "created"]
    assert results[0].errors == {"kpi": [REFUSED]}
    coverage_queries = [q for q in few.captured_queries if "performance_sourcebinding" in q["sql"]]
    assert len(coverage_queries) == 1
    many = rows + [
        {**rows[1], "period_start": f"2025-11-{day:02d}", "period_end": f"2025-11-{day:02d}"} for day in range(1, 29)
    ]
    with CaptureQueriesContext(connection) as more:
        services.measurement_bulk_upsert(actor=None, rows=many, source="api")
    assert len([q for q in more.captured_queries if "performance_sourcebinding" in q["sql"]]) == 1
    assert services.measurement_bulk_upsert(actor=None, rows=rows[:1], source="telemetry")[0].status == "created"


def test_the_csv_import_refuses_covered_rows(binding: Any) -> None:
    binding.contract.reference = "MSA-9"
    binding.contract.save()
    content = (
        b"contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
        b"MSA-9,lead_time_for_changes,2026-10-01,2026-10-31,30,,,\n"
        b"MSA-9,sprint_velocity,2026-10-01,2026-10-31,30,,,\n"
    )
    _rows, preview = imports.import_preview("measurements", content)
    assert preview.valid_rows == 1
    assert preview.errors == [{"row": 2, "register": "measurements", "sheet": "", "errors": {"kpi": [REFUSED]}}]


def test_the_api_answers_400_with_the_message(binding: Any, api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for(Role.ENGINEERING_MANAGER)
    body = {
        "contract": binding.contract_id,
        "kpi": kpi("lead_time_for_changes").pk,
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "value": "30",
    }
    response = client.post("/api/v1/measurements/", body, format="json")
    assert response.status_code == 400
    assert REFUSED in str(response.json())
