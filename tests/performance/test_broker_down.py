"""With Redis stopped, the API keeps working: recording a measurement answers 201, the failed publish
of its re-evaluation is logged, and the next sweep catches up."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.choices import Role
from apps.performance.models import Breach, Measurement
from apps.performance.sla import sla_sweep
from config.celery import app
from tests import factories

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point Celery at a port where no Redis answers (what a stopped Redis looks like to a publisher)."""
    from kombu import pools

    def forget_connections() -> None:
        # The pools are rebuilt from the current URL on the next publish (kombu keeps global ones).
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    original = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    forget_connections()
    try:
        yield
    finally:
        app.conf.broker_url = original
        forget_connections()


def test_a_measurement_is_recorded_while_redis_is_down(
    broker_down: None, api_client_for: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    term = factories.SlaTermFactory(
        contract=factories.ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31)),
        comparator="gte",
        target=Decimal("95"),
    )
    client = api_client_for(Role.ENGINEERING_MANAGER)
    body = {
        "contract": term.contract.pk,
        "kpi": term.kpi.pk,
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "value": "80",
    }
    with (
        caplog.at_level(logging.WARNING, logger="apps.core.tasks"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post("/api/v1/measurements/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(callbacks) == 1  # the re-evaluation was due…
    assert "Could not enqueue kpis.reevaluate_measurement_windows" in caplog.text  # …and its loss is logged
    assert Measurement.objects.count() == 1
    # The next scheduled sweep catches up.
    sla_sweep(as_of=dt.date(2026, 11, 23))
    assert Breach.objects.filter(term=term, window_start=dt.date(2026, 10, 1)).exists()
