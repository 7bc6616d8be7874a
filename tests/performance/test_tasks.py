"""The performance tasks: their names are stable (the beat schedule, integrations and queued messages
use them), the former re-evaluation task name runs the same service, and the SLA sweep runs on a real
Celery worker over the real Redis broker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.notifications.models import Notification
from apps.performance import sla, tasks
from apps.performance.models import Breach
from apps.performance.tasks import evaluate_slas
from config.celery import app
from tests.celery_worker import running_worker, wait_until
from tests.factories import ContractFactory, MeasurementFactory, SlaTermFactory


def test_task_names_are_stable() -> None:
    assert tasks.evaluate_slas.name == "contracts.evaluate_slas"
    assert app.conf.beat_schedule["contracts-evaluate-slas-hourly"]["task"] == tasks.evaluate_slas.name
    assert tasks.reevaluate_measurement_windows.name == "kpis.reevaluate_measurement_windows"
    assert tasks.evaluate_measurement_windows.name == "contracts.evaluate_measurement_windows"
    assert tasks.import_measurements.name == "kpis.import_measurements"  # the former name: an alias
    assert tasks.run_import.name == "imports.run"
    assert {name for name in app.tasks if name.startswith(("contracts.", "kpis."))} >= {
        "contracts.evaluate_slas",
        "contracts.evaluate_measurement_windows",
        "kpis.reevaluate_measurement_windows",
        "kpis.import_measurements",
    }


def test_the_former_task_name_runs_the_one_re_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message queued under ``contracts.evaluate_measurement_windows`` (before the move, or by an
    integration) re-evaluates through the same service as the one task."""
    seen: list[Any] = []

    def evaluate(*, periods: Any) -> int:
        seen.append(periods)
        return 1

    monkeypatch.setattr(tasks, "sla_evaluate_measurement_windows", evaluate)
    assert tasks.evaluate_measurement_windows(7, 3, "2026-10-31") == 1
    assert tasks.reevaluate_measurement_windows([[7, 3, "2026-10-31"]]) == 1
    assert seen == [[(7, 3, date(2026, 10, 31))]] * 2
    assert sla.sla_evaluate_measurement_windows.__module__ == "apps.performance.sla"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_sla_sweep_end_to_end() -> None:
    """The hourly task on a real worker over real Redis: the breach opens and its owners are told."""
    contract = ContractFactory(start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), status="active")
    term = SlaTermFactory(contract=contract, comparator="gte", target=Decimal("95"), window="month")
    MeasurementFactory(
        contract=contract,
        kpi=term.kpi,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        value=Decimal("80"),
    )
    with running_worker():
        evaluate_slas.delay("2026-11-23")
        assert wait_until(lambda: Breach.objects.filter(term=term, window_start=date(2026, 10, 1)).exists())
        owner = contract.vendor.engineering_owner
        assert wait_until(lambda: Notification.objects.filter(recipient=owner, kind="breach_opened").exists())
    assert evaluate_slas.name == "contracts.evaluate_slas"
