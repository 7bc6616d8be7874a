"""A breach raised on telemetry carries its evidence (issue 14, item 5): the SLA sweep over telemetry
measurements opens the breach, and its notification — in the app and in the e-mail — gives the value
the events give, at most five of the events (those counting against the target first) and the explain
page's absolute link. A breach of a typed KPI is told as before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from apps.kpis.models import KpiDefinition
from apps.notifications.models import Notification
from apps.notifications.tasks import send_notification_email
from apps.performance.models import Breach, Measurement
from apps.performance.notices import announce_breaches
from apps.performance.sla import sla_sweep
from apps.performance.telemetry.evidence import telemetry_evidence
from apps.performance.telemetry.explain import NOTICE_ROWS, explain_url
from apps.performance.telemetry.metrics import telemetry_measure
from tests import factories
from tests.performance.telemetry.test_explain import (
    CFR,
    at,
    deploy,
    finished,
    incident,
    measured_contract,
    month,
    october_like_history,
)

pytestmark = pytest.mark.django_db

SITE = "https://governance.example.com"


@pytest.fixture(autouse=True)
def emails_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The e-mail task runs in-process, as tests/notifications does: an enqueued e-mail is in the outbox."""

    def run_inline(args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
        return send_notification_email.apply(args=args, kwargs=kwargs or {}, throw=True)

    monkeypatch.setattr(send_notification_email, "apply_async", run_inline)


def measure(contract: Any) -> None:
    """The metrics write the contract's telemetry measurements (one per ISO week, source ``telemetry``)."""
    telemetry_measure(
        contract_ids=[contract.pk], since=month().start - dt.timedelta(days=14), today=timezone.localdate()
    )


def breach_on_telemetry(django_capture_on_commit_callbacks: Any) -> tuple[Any, dict[str, Any], Breach]:
    contract, binding = measured_contract()
    history = october_like_history(binding)
    kpi = KpiDefinition.objects.get(code=CFR)
    factories.SlaTermFactory(contract=contract, kpi=kpi, comparator="lte", target=Decimal("10"), min_samples=1)
    measure(contract)
    assert Measurement.objects.filter(contract=contract, source="telemetry").exists()
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=timezone.localdate())
    return contract, history, Breach.objects.get(term__contract=contract)


@override_settings(SITE_URL=SITE)
def test_the_notification_of_a_telemetry_breach_carries_the_evidence(django_capture_on_commit_callbacks: Any) -> None:
    contract, history, breach = breach_on_telemetry(django_capture_on_commit_callbacks)
    assert (breach.window_start, breach.window_end) == (month().start, month().end)
    link = SITE + explain_url(contract_id=contract.pk, kpi_code=CFR, start=breach.window_start, end=breach.window_end)
    bodies = set(Notification.objects.filter(kind="breach_opened").values_list("body", flat=True))
    assert len(bodies) == 1
    (body,) = bodies
    assert body.startswith(f"{contract.vendor} — {contract}\n")  # the usual text first
    assert "Measured by telemetry: " in body
    evidence = telemetry_evidence(
        contract_id=contract.pk, kpi_code=CFR, period_start=month().start, period_end=month().end
    )
    assert f"from {len(evidence.rows)} event{'' if len(evidence.rows) == 1 else 's'}." in body
    assert f"Every event behind it: {link}" in body
    # The failed deployments come first: the incident that failed one is named.
    event_lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert 1 <= len(event_lines) <= NOTICE_ROWS
    assert history["broken"].title in event_lines[0] and "PD-123" in event_lines[0] + event_lines[1]
    assert all("fail" in line.lower() for line in event_lines[:2])
    # The e-mail carries the same, with the absolute link.
    owners = {contract.vendor.engineering_owner.email, contract.vendor.delivery_owner.email}
    sent = [message for message in mail.outbox if set(message.to) & owners]
    assert sent and all(link in message.body and "Measured by telemetry" in message.body for message in sent)
    assert all(link in message.alternatives[0][0].replace("&amp;", "&") for message in sent)


def test_at_most_five_events_and_how_many_more(django_capture_on_commit_callbacks: Any) -> None:
    contract, binding = measured_contract()
    for n in range(12):
        broken = deploy(binding, 700 + n, at(month().start + dt.timedelta(days=1 + 2 * n)))
        incident(contract, f"PD-{700 + n}", finished(broken) + dt.timedelta(minutes=10), caused_by=broken)
    kpi = KpiDefinition.objects.get(code=CFR)
    factories.SlaTermFactory(contract=contract, kpi=kpi, comparator="lte", target=Decimal("10"), min_samples=1)
    measure(contract)
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=timezone.localdate())
    body = Notification.objects.filter(kind="breach_opened").values_list("body", flat=True).first()
    assert body is not None
    evidence = telemetry_evidence(
        contract_id=contract.pk, kpi_code=CFR, period_start=month().start, period_end=month().end
    )
    assert len([line for line in body.splitlines() if line.startswith("- ")]) == NOTICE_ROWS
    assert f"… and {len(evidence.rows) - NOTICE_ROWS} more." in body


def test_a_breach_of_a_typed_kpi_is_told_as_before(django_capture_on_commit_callbacks: Any) -> None:
    contract, _ = measured_contract()
    typed = KpiDefinition.objects.get(code="on_time_delivery_rate")
    term = factories.SlaTermFactory(contract=contract, kpi=typed, comparator="gte", target=Decimal("95"))
    Measurement.objects.create(
        contract=contract,
        kpi=typed,
        period_start=month().start,
        period_end=month().end,
        value=Decimal("80"),
        numerator=Decimal("80"),
        denominator=Decimal("100"),
        source="form",
    )
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=timezone.localdate())
    assert Breach.objects.filter(term=term).exists()
    body = Notification.objects.filter(kind="breach_opened").values_list("body", flat=True).first()
    assert body is not None and "telemetry" not in body.lower() and "explain" not in body


def test_the_evidence_costs_nothing_for_breaches_nobody_is_told(
    django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    """A vendor without owners: the sweep tells nobody, so no coverage or evidence is read."""
    contract, _, breach = breach_on_telemetry(django_capture_on_commit_callbacks)
    vendor = contract.vendor
    vendor.engineering_owner = vendor.delivery_owner = None
    vendor.save()
    with django_assert_max_num_queries(3):  # the webhook endpoints wanting breach events, the executives, the audience
        announce_breaches(opened=[breach.pk], reopened=[], retracted=[])
