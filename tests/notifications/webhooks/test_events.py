"""Every event type is published by the domain where it happens, and every payload the product builds
validates against its type's JSON Schema (the contract the OpenAPI document shows). A breach opened by
the sweep reaches a receiver signed; with no endpoint the sweep pays one query for webhooks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from apps.accounts.choices import Role
from apps.contracts.services import contract_sync_status_by_date, contract_transition
from apps.notifications.choices import WebhookEventType as T
from apps.notifications.models import WebhookDelivery
from apps.notifications.reminders import reminders_send
from apps.notifications.webhooks.schemas import PAYLOAD_SCHEMAS
from apps.notifications.webhooks.services import webhook_endpoint_send_test
from apps.performance.imports import import_job_fail
from apps.performance.models import Breach, ImportJob, SourceBinding
from apps.performance.notices import publish_breach_events
from apps.performance.services import breach_resolve, breach_waive
from apps.performance.sla import sla_sweep
from tests import factories
from tests.notifications.webhooks.conftest import EndpointMaker, Receiver

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = dt.date(2026, 11, 23)  # October is the last closed month; November is open
SUBSCRIBED = [value for value in T.values if value != T.WEBHOOK_TEST]


def payloads(event_type: str) -> list[dict[str, Any]]:
    found = [d.payload for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]
    for payload in found:
        Draft202012Validator(PAYLOAD_SCHEMAS[event_type], format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            payload
        )
    return found


@pytest.fixture
def everything(make_endpoint: EndpointMaker) -> Any:
    """An endpoint subscribed to every event (never called: nothing is committed in these tests)."""
    return make_endpoint("https://hooks.example.com/all", events=SUBSCRIBED)[0]


def make_term(**overrides: Any) -> Any:
    contract = factories.ContractFactory(
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        value=D("365000"),
        currency="EUR",
        status="active",
    )
    kpi = factories.KpiDefinitionFactory(unit="%", aggregation="mean", name="On-time delivery")
    return factories.SlaTermFactory(
        contract=contract, kpi=kpi, comparator="gte", target=D("95"), window="month", **overrides
    )


def measure(term: Any, end: dt.date, value: str) -> Any:
    return factories.MeasurementFactory(
        contract=term.contract, kpi=term.kpi, period_start=end, period_end=end, value=D(value)
    )


def test_a_breach_opened_by_the_sweep_is_delivered_signed(
    make_endpoint: EndpointMaker, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _, receiver.secret = make_endpoint(receiver.url(), events=[T.BREACH_OPENED])
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=AS_OF)
    breach = Breach.objects.get()
    assert receiver.verified() == [True]
    [payload] = receiver.received.payloads
    [stored] = payloads(T.BREACH_OPENED)
    assert payload == stored
    data = payload["data"]
    assert data["subject"] == {"type": "breach", "id": breach.pk}
    assert data["vendor"] == {"id": term.contract.vendor_id, "name": term.contract.vendor.name}
    assert data["contract"]["id"] == term.contract_id
    assert data["breach"]["kpi"]["name"] == "On-time delivery" and data["breach"]["value"] == "90.0000"
    assert (data["breach"]["window_start"], data["breach"]["status"]) == ("2026-10-01", "open")
    assert data["url"].endswith(breach.get_absolute_url())
    # One line for the record, then the finding: "Vendor — Contract. On-time delivery: 90 % against …".
    assert data["summary"].startswith(f"{term.contract.vendor} — {term.contract}. On-time delivery: ")
    # A second sweep publishes nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(as_of=AS_OF)
    assert WebhookDelivery.objects.count() == 1 and len(receiver.received.requests) == 1


def test_with_no_endpoint_the_sweep_pays_one_query_for_webhooks(django_assert_num_queries: Any) -> None:
    term = make_term()
    measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    breach = Breach.objects.get()
    with django_assert_num_queries(1):
        publish_breach_events(opened=[breach.pk], reopened=[], retracted=[])


def test_late_data_publishes_retracted_then_reopened(everything: Any) -> None:
    term = make_term()
    first = measure(term, dt.date(2026, 10, 10), "90")
    sla_sweep(as_of=AS_OF)
    first.value = D("99")
    first.save()
    sla_sweep(as_of=AS_OF)
    measure(term, dt.date(2026, 10, 20), "50")
    sla_sweep(as_of=AS_OF)
    assert [p["data"]["breach"]["status"] for p in payloads(T.BREACH_RETRACTED)] == ["retracted"]
    assert [p["data"]["breach"]["status"] for p in payloads(T.BREACH_REOPENED)] == ["open"]


def test_the_open_window_at_risk(everything: Any) -> None:
    term = make_term(warning_target=D("97"))
    measure(term, dt.date(2026, 11, 5), "96")
    sla_sweep(as_of=AS_OF)
    [payload] = payloads(T.SLA_AT_RISK)
    data = payload["data"]
    assert data["sla_term"]["id"] == term.pk and data["sla_term"]["warning_target"] == "97.0000"
    assert (data["value"], data["window_start"], data["window_end"]) == ("96.0000", "2026-11-01", "2026-11-30")


def test_resolving_and_waiving_a_breach(everything: Any, user_with_role: Any) -> None:
    executive = user_with_role(Role.EXECUTIVE)
    resolved, waived = factories.BreachFactory(), factories.BreachFactory()
    breach_resolve(breach=resolved, actor=executive, reason="Fixed the release train.")
    breach_waive(breach=waived, actor=executive, reason="Our own outage caused it.")
    [r] = payloads(T.BREACH_RESOLVED)
    [w] = payloads(T.BREACH_WAIVED)
    assert (r["data"]["reason"], r["data"]["breach"]["status"]) == ("Fixed the release train.", "resolved")
    assert (w["data"]["reason"], w["data"]["breach"]["id"]) == ("Our own outage caused it.", waived.pk)


def test_contract_status_changes_by_a_person_and_by_date(everything: Any, user_with_role: Any) -> None:
    procurement = user_with_role(Role.PROCUREMENT)
    today = dt.date.today()
    terminated = factories.ContractFactory(status="active", start_date=today - dt.timedelta(days=30))
    contract_transition(contract=terminated, to_status="terminated", actor=procurement, reason="Delivery failed.")
    ended = factories.ContractFactory(
        status="active",
        renewal="none",
        start_date=today - dt.timedelta(days=60),
        end_date=today - dt.timedelta(days=2),
    )
    contract_sync_status_by_date(as_of=today)
    by_person, by_date = payloads(T.CONTRACT_STATUS_CHANGED)
    assert {k: by_person["data"][k] for k in ("from_status", "to_status", "reason", "actor")} == {
        "from_status": "active",
        "to_status": "terminated",
        "reason": "Delivery failed.",
        "actor": procurement.username,
    }
    assert (by_date["data"]["contract"]["id"], by_date["data"]["to_status"], by_date["data"]["actor"]) == (
        ended.pk,
        "expired",
        None,
    )


def test_the_reminders_that_are_events(everything: Any) -> None:
    today = AS_OF
    vendor = factories.VendorFactory()
    contract = factories.ContractFactory(
        vendor=vendor,
        status="active",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        renewal="automatic",
        notice_days=30,
    )
    factories.CertificationFactory(vendor=vendor, expires_on=today + dt.timedelta(days=20))
    factories.CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=today - dt.timedelta(days=3))
    factories.AccessGrantFactory(vendor=vendor, named_account=False, privilege="admin", mfa_enabled=False)
    factories.ServiceReviewFactory(vendor=vendor, scheduled_for=today - dt.timedelta(days=4))
    binding = factories.SourceBindingFactory(contract=contract)
    SourceBinding.objects.filter(pk=binding.pk).update(created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))

    reminders_send(as_of=today)

    [cancel_by] = payloads(T.CONTRACT_CANCEL_BY_APPROACHING)
    assert (cancel_by["data"]["cancel_by"], cancel_by["data"]["days_left"], cancel_by["data"]["renewal"]) == (
        "2026-12-01",
        8,
        "automatic",
    )
    [expiring] = payloads(T.CERTIFICATION_EXPIRING)
    [expired] = payloads(T.CERTIFICATION_EXPIRED)
    assert (expiring["data"]["days_left"], expired["data"]["days_left"]) == (20, -3)
    [finding] = payloads(T.ACCESS_FINDING)
    assert finding["data"]["finding"]["severity"] == "high" and finding["data"]["vendor"]["id"] == vendor.pk
    [review] = payloads(T.REVIEW_OVERDUE)
    assert review["data"]["review"]["scheduled_for"] == str(today - dt.timedelta(days=4))
    [silent] = payloads(T.TELEMETRY_SOURCE_SILENT)
    assert silent["data"]["binding"] == {"id": binding.pk, "source": "github", "scope": binding.scope}
    # Sent once: a second run publishes nothing.
    count = WebhookDelivery.objects.count()
    reminders_send(as_of=today)
    assert WebhookDelivery.objects.count() == count


def test_an_import_that_finishes(everything: Any, user_with_role: Any) -> None:
    manager = user_with_role(Role.ENGINEERING_MANAGER)
    job = ImportJob.objects.create(
        file_name="october.csv", created_by=manager, rows=[{"row": 2}], total_rows=1, valid_rows=1, status="queued"
    )
    import_job_fail(import_id=job.pk, reason="The workers are down.")
    [payload] = payloads(T.IMPORT_FINISHED)
    assert payload["data"]["import"]["status"] == "failed" and payload["data"]["actor"] == manager.username
    assert "The workers are down." in payload["data"]["summary"]


def test_the_test_event(everything: Any, admin: Any) -> None:
    webhook_endpoint_send_test(endpoint=everything, actor=admin)
    [payload] = payloads(T.WEBHOOK_TEST)
    assert payload["data"]["endpoint"]["id"] == everything.pk


def test_every_event_type_has_a_schema() -> None:
    assert set(PAYLOAD_SCHEMAS) == set(T.values)
