"""The demo's delivery telemetry (apps/demo/telemetry_demo.py): after ``seed_demo`` and the SLA sweep
that follows it (as ``make run`` does), the healthy contract and the breaching one both have the four
DORA KPIs measured by telemetry, the pod breaches its change-failure-rate term with the events behind
it, the modernisation breaches nothing telemetry measures, and a second load changes nothing.

The demo is loaded and swept once for the module (``demo``, rolled back after its last test); each test
runs in a savepoint inside it, on one test process (``xdist_group``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from apps.contracts.models import Contract
from apps.demo.telemetry_demo import STREAMS, telemetry_covers_from, telemetry_demo_stream, telemetry_measured
from apps.performance.models import Breach, Measurement
from apps.performance.sla import sla_sweep
from apps.performance.telemetry.models import (
    Change,
    Delivery,
    Deployment,
    Incident,
    PullRequest,
    SourceBinding,
    TelemetryRecompute,
)
from apps.vendors.models import VendorIdentityRule

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("telemetry_demo")]
AS_OF = date(2026, 11, 23)
DORA = {"deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore"}
HEALTHY, BREACHING = "SOW 1 — Platform modernisation", "Product engineering pod"


def seed(as_of: date = AS_OF) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--as-of", as_of.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded, then swept as the launcher does right after loading it; rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        sla_sweep(as_of=AS_OF)
        yield output
        transaction.set_rollback(True)


def test_the_stream_is_the_same_for_the_same_day_and_never_in_the_future() -> None:
    for plan in STREAMS.values():
        stream = telemetry_demo_stream(plan=plan, today=AS_OF)
        assert stream == telemetry_demo_stream(plan=plan, today=AS_OF)
        assert max(delivery.at for delivery in stream).date() < AS_OF
        assert len({(d.source, d.delivery_id) for d in stream}) == len(stream)


def test_two_contracts_are_measured_and_the_pod_breaches_its_change_failure_rate(demo: str) -> None:
    output = demo
    covers_from = telemetry_covers_from(AS_OF)
    assert "telemetry deliveries" in output
    assert SourceBinding.objects.count() == 4
    assert not Delivery.objects.exclude(status__in=("processed", "ignored")).exists()
    assert Delivery.objects.filter(status="processed").count() > 500
    assert not TelemetryRecompute.objects.exists()
    healthy, breaching = Contract.objects.get(title=HEALTHY), Contract.objects.get(title=BREACHING)
    for contract in (healthy, breaching):
        telemetry = Measurement.objects.filter(contract=contract, source="telemetry")
        assert set(telemetry.values_list("kpi__code", flat=True)) >= DORA
        assert not telemetry.filter(period_end__lt=covers_from).exists()
        # One source of truth: the typed history of the measured KPIs stops where telemetry starts.
        typed = Measurement.objects.filter(contract=contract, kpi__code__in=telemetry_measured("vsh_pod"))
        assert not typed.exclude(source="telemetry").filter(period_end__gte=covers_from).exists()

    def telemetry_breaches(contract: Contract) -> set[tuple[str, date]]:
        found = Breach.objects.filter(
            term__contract=contract,
            term__kpi__code__in=telemetry_measured("vsh_pod"),
            window_end__gte=covers_from,
        )
        return set(found.values_list("term__kpi__code", "window_start"))

    assert telemetry_breaches(healthy) == set()
    breaches = telemetry_breaches(breaching)
    assert {code for code, _ in breaches} == {"change_failure_rate"}
    # Both closed months under telemetry run at one failed change in five or more.
    second = (covers_from + timedelta(days=32)).replace(day=1)
    assert {start for _, start in breaches} == {covers_from, second}

    breach = Breach.objects.get(term__contract=breaching, term__kpi__code="change_failure_rate", window_start=second)
    assert breach.value is not None and breach.value > 15
    from apps.performance.telemetry.evidence import telemetry_evidence

    evidence = telemetry_evidence(
        contract_id=breaching.pk,
        kpi_code="change_failure_rate",
        period_start=breach.window_start,
        period_end=breach.window_end,
    )
    failed = [row for row in evidence.rows if row.kind == "deployment" and row.counts == "failed"]
    assert len(failed) >= 3
    assert all(row.url.startswith("https://github.com/northwind-labs/insights-dashboards/") for row in failed)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            SourceBinding,
            VendorIdentityRule,
            Delivery,
            Deployment,
            Change,
            PullRequest,
            Incident,
            Measurement,
            Breach,
        )
    }


def test_a_second_load_changes_nothing(demo: str) -> None:
    before = snapshot()
    assert "nothing added, nothing changed" in seed(AS_OF + timedelta(days=8))
    sla_sweep(as_of=AS_OF)
    assert snapshot() == before
