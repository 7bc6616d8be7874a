"""Every write of a measurement — the entry grid, the API (one row, a PATCH, a DELETE, the bulk upsert)
and the CSV import — re-evaluates the SLA windows it touched through one entry point
(``services.measurement_windows_reevaluate``) and one task (``kpis.reevaluate_measurement_windows``),
after the commit; the former task name is never enqueued any more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.kpis.models import KpiDefinition
from apps.performance import imports, tasks
from apps.performance.models import Measurement
from tests.factories import ContractFactory, MeasurementFactory, SlaTermFactory

pytestmark = pytest.mark.django_db
OCTOBER = {"period_start": "2026-10-01", "period_end": "2026-10-31"}


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What the writes enqueue, by task name (nothing reaches a broker)."""
    sent: list[Any] = []
    for task in (tasks.reevaluate_measurement_windows, tasks.evaluate_measurement_windows):
        monkeypatch.setattr(task, "apply_async", lambda args, kwargs, name=task.name: sent.append((name, *args)))
    yield sent


@pytest.fixture
def term() -> Any:
    """An SLA term on velocity: writes of velocity for its contract touch its windows."""
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), reference="MSA-9")
    return SlaTermFactory(contract=contract, kpi=KpiDefinition.objects.get(code="sprint_velocity"))


def one_task(sent: list[Any], *periods: tuple[Any, Any, str]) -> None:
    assert sent == [("kpis.reevaluate_measurement_windows", sorted([list(p) for p in periods]))]


def test_an_api_post_patch_and_delete_each_enqueue_the_one_task(
    term: Any, enqueued: list[Any], api_client_for: Callable[[str], APIClient], django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client_for(Role.ENGINEERING_MANAGER)
    pair = (term.contract_id, term.kpi_id)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/measurements/", {"contract": pair[0], "kpi": pair[1], **OCTOBER, "value": "30"}, format="json"
        )
    assert created.status_code == 201, created.content
    one_task(enqueued, (*pair, "2026-10-31"))
    enqueued.clear()
    url = f"/api/v1/measurements/{created.json()['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.patch(url, {"period_start": "2026-09-01", "period_end": "2026-09-30"}, format="json")
    assert moved.status_code == 200, moved.content
    one_task(enqueued, (*pair, "2026-09-30"), (*pair, "2026-10-31"))  # the window it left and the one it is in
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url).status_code == 204
    one_task(enqueued, (*pair, "2026-09-30"))


def test_a_grid_submit_enqueues_the_one_task(
    term: Any, enqueued: list[Any], user_with_role: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(user_with_role(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("performance:grid", args=[term.contract_id]),
            {"kind": "month", "month": "2026-10", "kpi-sprint_velocity-value": "31"},
        )
    assert response.status_code == 302 and Measurement.objects.count() == 1
    one_task(enqueued, (term.contract_id, term.kpi_id, "2026-10-31"))


def test_the_bulk_upsert_and_the_import_enqueue_the_one_task(
    term: Any,
    enqueued: list[Any],
    api_client_for: Callable[[str], APIClient],
    user_with_role: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    pair = (term.contract_id, term.kpi_id)
    rows = [{"contract": pair[0], "kpi": "sprint_velocity", **OCTOBER, "value": "30"}]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client_for(Role.ENGINEERING_MANAGER).post("/api/v1/measurements/bulk/", rows, format="json")
    assert answer.json()["summary"]["created"] == 1
    one_task(enqueued, (*pair, "2026-10-31"))
    enqueued.clear()
    content = b"contract,kpi,period_start,period_end,value\nMSA-9,sprint_velocity,2026-11-01,2026-11-14,33\n"
    job = imports.import_job_create(
        register="measurements", actor=user_with_role(Role.ADMIN), file_name="n.csv", content=content
    )
    imports.import_job_start(instance=job, actor=None, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_run(import_id=job.pk)
    one_task(enqueued, (*pair, "2026-11-14"))


def test_a_write_no_sla_term_measures_enqueues_nothing(
    enqueued: list[Any], api_client_for: Callable[[str], APIClient], django_capture_on_commit_callbacks: Any
) -> None:
    measurement = MeasurementFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(Role.ENGINEERING_MANAGER).patch(
            f"/api/v1/measurements/{measurement.pk}/", {"value": "12"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert enqueued == []
