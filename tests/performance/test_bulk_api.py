"""POST /api/v1/measurements/bulk/: per-row results (created / updated / unchanged / error), retry
idempotency, the row limit, a query count that does not grow with the rows, every single-row rule per
row, permissions by role, the audit trail and the SLA re-evaluation enqueued after the commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.services import api_token_issue
from apps.kpis.models import KpiDefinition
from apps.performance import services, sla, tasks
from apps.performance.models import Breach, Measurement
from apps.performance.tasks import reevaluate_measurement_windows
from tests.api_matrix import role_may
from tests.conftest import ROLES
from tests.factories import ContractFactory, MeasurementFactory, SlaTermFactory, UserFactory

pytestmark = pytest.mark.django_db
BULK = "/api/v1/measurements/bulk/"
MeasurementEvent = apps.get_model("performance", "MeasurementEvent")
TODAY = timezone.localdate()


def day(n: int) -> str:
    return (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat()  # inside the factory contract's term


def rows_for(contract_id: int, n: int, *, kpi: str = "sprint_velocity", value: str = "40") -> list[dict[str, Any]]:
    return [
        {"contract": contract_id, "kpi": kpi, "period_start": day(i), "period_end": day(i), "value": value}
        for i in range(n)
    ]


@pytest.fixture
def manager_client(api_client_for: Callable[[str], APIClient]) -> APIClient:
    return api_client_for(Role.ENGINEERING_MANAGER)


def post(client: APIClient, body: Any) -> Any:
    return client.post(BULK, body, format="json")


def test_created_updated_unchanged_and_errors_in_one_request(manager_client: APIClient) -> None:
    contract = ContractFactory()
    existing = MeasurementFactory(
        contract=contract,
        kpi=KpiDefinition.objects.get(code="sprint_velocity"),
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 14),
        value=Decimal(30),
    )
    same = MeasurementFactory(
        contract=contract,
        kpi=KpiDefinition.objects.get(code="sprint_velocity"),
        period_start=dt.date(2026, 9, 15),
        period_end=dt.date(2026, 9, 28),
        value=Decimal(31),
        note="Sprint 20",
    )
    body = {
        "rows": [
            {
                "contract": contract.pk,
                "kpi": "sprint_velocity",
                "period_start": "2026-10-01",
                "period_end": "2026-10-14",
                "value": "42",
            },
            {
                "contract": contract.pk,
                "kpi": "sprint_velocity",
                "period_start": "2026-09-01",
                "period_end": "2026-09-14",
                "value": "33",
            },
            {
                "contract": contract.pk,
                "kpi": "sprint_velocity",
                "period_start": "2026-09-15",
                "period_end": "2026-09-28",
                "value": "31.0",
                "note": "Sprint 20",
            },
            {
                "contract": contract.pk,
                "kpi": "defect_rate",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "numerator": 3,
                "denominator": 0,
            },
            {
                "contract": contract.pk,
                "kpi": "defect_rate",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "numerator": 7,
                "denominator": 400,
            },
        ]
    }
    response = post(manager_client, body)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "updated", "unchanged", "error", "created"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert results[1]["id"] == existing.pk and results[2]["id"] == same.pk
    assert results[3]["errors"] == {"denominator": ["The denominator must be above zero."]}
    assert "id" not in results[3]
    assert response.json()["summary"] == {"created": 2, "updated": 1, "unchanged": 1, "errors": 1}
    created = Measurement.objects.get(pk=results[0]["id"])
    assert (created.value, created.source, created.recorded_by.username) == (42, "api", "demo_engineering_manager")
    ratio = Measurement.objects.get(pk=results[4]["id"])
    assert (ratio.value, ratio.numerator, ratio.denominator) == (Decimal("1.7500"), 7, 400)
    existing.refresh_from_db()
    assert (existing.value, existing.source) == (33, "api")
    assert Measurement.objects.count() == 4


def test_a_retry_is_unchanged_everywhere_and_writes_nothing(manager_client: APIClient) -> None:
    contract = ContractFactory()
    body = [
        *rows_for(contract.pk, 20),
        {
            "contract": contract.pk,
            "kpi": "defect_rate",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "numerator": "7",
            "denominator": "400",
            "note": "Oct",
        },
    ]
    first = post(manager_client, {"rows": body}).json()
    assert first["summary"] == {"created": 21, "updated": 0, "unchanged": 0, "errors": 0}
    stamps = dict(Measurement.objects.values_list("pk", "updated_at"))
    events = MeasurementEvent.objects.count()
    for _ in range(2):
        again = post(manager_client, body).json()  # a bare list is accepted too
        assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 21, "errors": 0}
        assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert dict(Measurement.objects.values_list("pk", "updated_at")) == stamps
    assert MeasurementEvent.objects.count() == events


def test_over_the_row_limit_is_413_and_writes_nothing(manager_client: APIClient, settings: Any) -> None:
    settings.MEASUREMENT_BULK_MAX_ROWS = 10
    contract = ContractFactory()
    response = post(manager_client, {"rows": rows_for(contract.pk, 11)})
    assert response.status_code == 413
    assert "more than the 10" in response.json()["detail"] and "nothing was written" in response.json()["detail"]
    assert Measurement.objects.count() == 0
    assert post(manager_client, {"rows": rows_for(contract.pk, 10)}).status_code == 200


def test_the_default_limit_is_5000() -> None:
    from django.conf import settings

    assert settings.MEASUREMENT_BULK_MAX_ROWS == 5000


@pytest.mark.parametrize("body", [{"rows": "no"}, {"measurements": []}, "text", 7])
def test_a_body_that_is_not_a_list_of_rows_is_400(manager_client: APIClient, body: Any) -> None:
    response = post(manager_client, body)
    assert response.status_code == 400
    assert "rows" in response.json()


def test_an_empty_list_is_fine(manager_client: APIClient) -> None:
    response = post(manager_client, {"rows": []})
    assert response.status_code == 200
    assert response.json() == {"results": [], "summary": {"created": 0, "updated": 0, "unchanged": 0, "errors": 0}}


def test_the_number_of_queries_does_not_grow_with_the_rows(
    manager_client: APIClient, django_assert_num_queries: Any
) -> None:
    contract, other = ContractFactory(), ContractFactory()
    SlaTermFactory(contract=contract, kpi=KpiDefinition.objects.get(code="sprint_velocity"))

    def mixed(n: int, offset: int) -> list[dict[str, Any]]:
        rows = []
        for i in range(n):
            target = contract if i % 2 else other
            kpi = "defect_rate" if i % 3 == 0 else "sprint_velocity"
            start = (offset + i) // 20  # a distinct period per row, all in the past
            row: dict[str, Any] = {
                "contract": target.pk,
                "kpi": kpi,
                "period_start": day(start),
                "period_end": day(start + (offset + i) % 20),
            }
            row |= {"numerator": "2", "denominator": "50"} if kpi == "defect_rate" else {"value": "40"}
            rows.append(row)
        return rows

    post(manager_client, mixed(5, 5000))  # warm-up: the first request also loads the user's permissions
    with CaptureQueriesContext(connection) as few:
        assert post(manager_client, mixed(10, 0)).json()["summary"]["created"] == 10
    with django_assert_num_queries(len(few)):
        assert post(manager_client, mixed(1000, 2000)).json()["summary"]["created"] == 1000
    body = mixed(1000, 0)  # ten rows exist, two of them now change, one row is refused
    body[1]["value"], body[2]["value"], body[7]["value"] = "41", "43", "-1"
    with django_assert_num_queries(len(few)):
        summary = post(manager_client, body).json()["summary"]
    assert summary == {"created": 990, "updated": 2, "unchanged": 7, "errors": 1}


# -- every single-row rule, per row --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kpi": "defect_rate", "numerator": "500", "denominator": "400"}, "numerator"),  # percent over 100
        ({"kpi": "on_time_delivery_rate", "numerator": "401", "denominator": "400"}, "numerator"),
        ({"kpi": "defect_rate", "numerator": "5", "denominator": "0"}, "denominator"),
        ({"kpi": "defect_rate", "numerator": "5", "denominator": "-2"}, "denominator"),
        ({"kpi": "defect_rate", "numerator": "5"}, "denominator"),
        ({"kpi": "defect_rate", "denominator": "5"}, "numerator"),
        ({"kpi": "defect_rate", "numerator": "-1", "denominator": "5"}, "numerator"),
        ({"kpi": "defect_rate", "numerator": "1", "denominator": "4", "value": "80"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "-3"}, "value"),  # negative duration
        ({"kpi": "time_to_restore", "value": -0.5}, "value"),
        ({"kpi": "sprint_velocity", "value": "-1"}, "value"),  # negative count
        ({"kpi": "deployment_frequency", "value": "8"}, "value"),  # above its maximum (7 days a week)
        ({"kpi": "lead_time_for_changes"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "3", "numerator": "1", "denominator": "2"}, "numerator"),
        (
            {"kpi": "lead_time_for_changes", "value": "3", "period_start": "2026-10-31", "period_end": "2026-10-01"},
            "period_end",
        ),
        ({"kpi": "lead_time_for_changes", "value": "3", "period_end": str(TODAY + dt.timedelta(days=1))}, "period_end"),
        ({"kpi": "lead_time_for_changes", "value": "3", "period_end": "31/10/2026"}, "period_end"),
        ({"kpi": "lead_time_for_changes", "value": "3", "period_start": None}, "period_start"),
        ({"kpi": "no_such_kpi", "value": "3"}, "kpi"),
        ({"kpi": 999999, "value": "3"}, "kpi"),
        ({"kpi": None, "value": "3"}, "kpi"),
        ({"kpi": "lead_time_for_changes", "value": "abc"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": True}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "1.23456"}, "value"),  # more than 4 decimal places
        ({"kpi": "lead_time_for_changes", "value": "1234567890123"}, "value"),  # too big to store
        ({"kpi": "lead_time_for_changes", "value": "NaN"}, "value"),
        ({"kpi": "lead_time_for_changes", "value": "3", "contract": 999999}, "contract"),
        ({"kpi": "lead_time_for_changes", "value": "3", "contract": None}, "contract"),
        ({"kpi": "lead_time_for_changes", "value": "3", "contract": "abc"}, "contract"),
        ({"kpi": "lead_time_for_changes", "value": "3", "contract": 2**70}, "contract"),
        ({"kpi": "lead_time_for_changes", "value": "3", "note": {"a": 1}}, "note"),
    ],
)
def test_every_single_row_rule_applies_per_row(fields: dict[str, Any], field: str, manager_client: APIClient) -> None:
    contract = ContractFactory()
    good = {
        "contract": contract.pk,
        "kpi": "sprint_velocity",
        "period_start": "2026-10-01",
        "period_end": "2026-10-14",
        "value": "40",
    }
    bad = {"contract": contract.pk, "period_start": "2026-10-01", "period_end": "2026-10-31", **fields}
    response = post(manager_client, [good, bad])
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert first["status"] == "created"  # the valid row is saved whatever its neighbour
    assert second["status"] == "error" and second["index"] == 1
    assert field in second["errors"], second["errors"]
    assert all(isinstance(m, str) and m for messages in second["errors"].values() for m in messages)
    assert Measurement.objects.count() == 1


def test_the_messages_are_the_single_row_apis(manager_client: APIClient) -> None:
    """The same rules, the same words: the bulk rows and a single POST share one validator."""
    contract = ContractFactory()
    row = {
        "contract": contract.pk,
        "kpi": "defect_rate",
        "period_start": "2026-10-31",
        "period_end": "2026-10-01",
        "numerator": "-1",
        "denominator": "0",
    }
    single = manager_client.post("/api/v1/measurements/", row, format="json").json()
    bulk = post(manager_client, [row]).json()["results"][0]["errors"]
    assert bulk == single


def test_every_problem_of_a_row_is_listed_at_once(manager_client: APIClient) -> None:
    row = {"contract": 999999, "kpi": "nope", "period_start": "2026-10-31", "period_end": "2026-10-01"}
    errors = post(manager_client, [row, "not a row"]).json()["results"]
    assert set(errors[0]["errors"]) == {"contract", "kpi", "period_end"}
    assert errors[0]["errors"]["contract"] == ["No contract with id 999999."]
    assert errors[0]["errors"]["kpi"] == ["No KPI with code “nope”."]
    assert errors[1]["errors"] == {"non_field_errors": ["Each row must be an object with the measurement's fields."]}


def test_kpis_by_id_or_code_and_timestamps_in_the_organisations_time_zone(
    manager_client: APIClient, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    contract = ContractFactory()
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    rows = [
        {
            "contract": contract.pk,
            "kpi": velocity.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-11-01T03:30:00Z",
            "value": 40,
        },
        {
            "contract": str(contract.pk),
            "kpi": str(velocity.pk),
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "value": 40.0,
        },
        {
            "contract": contract.pk,
            "kpi": " sprint_velocity ",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "value": "40.0000",
        },
    ]
    results = post(manager_client, rows).json()["results"]
    assert results[0]["status"] == "created"
    # 03:30 UTC on 1 November is 23:30 on 31 October in New York: the same period, so the same row.
    assert results[1] == {
        "index": 1,
        "status": "error",
        "errors": {
            "non_field_errors": ["Same contract, KPI and period as the row with index 0: only that one is saved."]
        },
    }
    assert results[2]["status"] == "error"
    assert Measurement.objects.get().period_end == dt.date(2026, 10, 31)


def test_a_duplicate_key_in_one_request_is_an_error_for_the_later_row(manager_client: APIClient) -> None:
    contract = ContractFactory()
    row = {"contract": contract.pk, "kpi": "sprint_velocity", "period_start": "2026-10-01", "period_end": "2026-10-14"}
    results = post(manager_client, [{**row, "value": 40}, {**row, "value": 41}, {**row, "value": 40}]).json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error"]
    assert "index 0" in results[1]["errors"]["non_field_errors"][0]
    assert Measurement.objects.get().value == 40
    # An invalid first row does not make the second a duplicate: the second is the one saved.
    other = {**row, "period_end": "2026-10-15"}
    results = post(manager_client, [{**other, "value": -4}, {**other, "value": 44}]).json()["results"]
    assert [r["status"] for r in results] == ["error", "created"]


# -- permissions, audit, side effects ------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_in_bulk(role: str, api_client_for: Callable[[str], APIClient]) -> None:
    contract = ContractFactory()
    response = post(api_client_for(role), rows_for(contract.pk, 2))
    if role_may(role, "performance.add_measurement"):
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["created"] == 2
    else:
        assert response.status_code == 403
        assert Measurement.objects.count() == 0


def test_sign_in_is_needed(api_client: APIClient) -> None:
    assert post(api_client, rows_for(ContractFactory().pk, 1)).status_code == 401
    assert Measurement.objects.count() == 0


def test_an_api_token_works(api_client: APIClient) -> None:
    user = UserFactory(role=Role.ENGINEERING_MANAGER)
    issued = api_token_issue(user=user, name="ci", scopes=["measurements:write"], expires_in_days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert post(api_client, rows_for(ContractFactory().pk, 3)).json()["summary"]["created"] == 3


def test_each_written_row_is_audited_as_the_caller_and_the_action(manager_client: APIClient) -> None:
    contract = ContractFactory()
    post(manager_client, rows_for(contract.pk, 3))
    post(manager_client, rows_for(contract.pk, 3, value="41"))
    manager = UserFactory(username="demo_engineering_manager")
    events = MeasurementEvent.objects.order_by("pgh_id")
    assert [e.pgh_label for e in events] == ["insert"] * 3 + ["update"] * 3
    assert {e.pgh_context.metadata["user"] for e in events} == {manager.pk}
    assert {e.pgh_context.metadata["action"] for e in events} == {"measurement_bulk_upsert"}


def test_sla_windows_are_reevaluated_after_the_commit_in_one_task(
    manager_client: APIClient, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(tasks.reevaluate_measurement_windows, "apply_async", lambda args, kwargs: sent.append(args))
    contract, unmeasured = ContractFactory(), ContractFactory()
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    SlaTermFactory(contract=contract, kpi=velocity)
    rows = rows_for(contract.pk, 40) + rows_for(unmeasured.pk, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(manager_client, rows).status_code == 200
    assert len(callbacks) == 1 and len(sent) == 1
    (periods,) = sent[0]
    assert periods == [[contract.pk, velocity.pk, day(i)] for i in range(40)]  # the SLA-measured pair only
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(manager_client, rows)  # unchanged: nothing to re-evaluate
    assert callbacks == []


def test_the_task_evaluates_each_window_once(monkeypatch: Any) -> None:
    evaluated: list[tuple[int, dt.date]] = []
    monkeypatch.setattr(sla, "sla_evaluate_window", lambda *, term, day: evaluated.append((term.pk, day)))
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    velocity = KpiDefinition.objects.get(code="sprint_velocity")
    monthly = SlaTermFactory(contract=contract, kpi=velocity, window="month")
    quarterly = SlaTermFactory(contract=contract, kpi=velocity, window="quarter")
    periods = [[contract.pk, velocity.pk, d] for d in ("2026-07-03", "2026-07-20", "2026-08-02", "2026-09-30")]
    assert reevaluate_measurement_windows(periods) == 4
    assert sorted(evaluated) == sorted(
        [
            (monthly.pk, dt.date(2026, 7, 3)),
            (monthly.pk, dt.date(2026, 8, 2)),
            (monthly.pk, dt.date(2026, 9, 30)),
            (quarterly.pk, dt.date(2026, 7, 3)),
        ]
    )


def test_a_bulk_write_opens_the_breach_the_data_implies(manager_client: APIClient) -> None:
    """End to end with the real SLA engine: the task (run here directly) evaluates the closed window."""
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), status="active")
    term = SlaTermFactory(
        contract=contract,
        kpi=KpiDefinition.objects.get(code="on_time_delivery_rate"),
        comparator="gte",
        target=Decimal(95),
    )
    row = {
        "contract": contract.pk,
        "kpi": "on_time_delivery_rate",
        "period_start": "2026-09-01",
        "period_end": "2026-09-30",
        "numerator": 80,
        "denominator": 100,
    }
    assert post(manager_client, [row]).json()["summary"]["created"] == 1
    reevaluate_measurement_windows([[contract.pk, term.kpi_id, "2026-09-30"]])
    assert Breach.objects.filter(term=term, window_start=dt.date(2026, 9, 1)).exists()


def test_the_schema_documents_the_bulk_endpoint(api_client_for: Callable[[str], APIClient]) -> None:
    schema = api_client_for(Role.EXECUTIVE).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/measurements/bulk/"]["post"]
    assert set(operation["responses"]) >= {"200", "413"}
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "rows" in schema["components"]["schemas"][request]["properties"]


def test_rows_a_concurrent_request_wrote_first_are_unchanged_with_their_id(
    manager_client: APIClient, monkeypatch: Any
) -> None:
    """A row neither written nor seen as unchanged by the statement (a concurrent request inserted the
    same figures after its snapshot): its id is read in one more query, whatever the number of such rows."""
    contract = ContractFactory()
    first = post(manager_client, rows_for(contract.pk, 3)).json()["results"]
    blind = services._BULK_UPSERT_SQL.replace("LEFT JOIN same s ON s.idx = i.idx", "LEFT JOIN same s ON false")
    assert blind != services._BULK_UPSERT_SQL
    monkeypatch.setattr(services, "_BULK_UPSERT_SQL", blind)
    again = post(manager_client, rows_for(contract.pk, 3)).json()["results"]
    assert [(r["status"], r["id"]) for r in again] == [("unchanged", r["id"]) for r in first]
