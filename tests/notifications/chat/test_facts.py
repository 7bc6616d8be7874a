"""The facts a chat message shows, per event type, from the documented payloads (fixtures/payloads.json)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from apps.kpis.units import UNITS, with_unit
from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks import chat
from tests.notifications.chat.conftest import PAYLOADS

BDW = ("Vendor", "Bangalore Digital Works")
BDW_SOW = ("Contract", "SOW 1 — Platform modernisation (BDW-SOW-1)")
VSH = ("Vendor", "Vistula Software House")
VSH_POD = ("Contract", "Product engineering pod (VSH-2024-02)")
FEBRUARY = ("Window", "1 Feb 2025 – 28 Feb 2025")

EXPECTED_FACTS: dict[str, list[tuple[str, str]]] = {
    "breach.opened": [
        VSH,
        VSH_POD,
        ("KPI", "Change failure rate (CFR)"),
        ("Value / target", "23.5 % against ≤ 15 %"),
        FEBRUARY,
        ("Severity", "Major"),
        ("Status", "Open"),
        ("Service credit", "1,250.00 EUR"),
    ],
    "breach.reopened": [
        BDW,
        BDW_SOW,
        ("KPI", "Lead time for changes (LT)"),
        ("Value / target", "80 h against ≤ 72 h"),
        FEBRUARY,
        ("Severity", "Minor"),
        ("Status", "Open"),
    ],
    "breach.retracted": [
        ("Vendor", "Northwind Hosting"),
        ("KPI", "Availability (AVAIL)"),
        ("Value / target", "99.95 % against ≥ 99.9 %"),
        FEBRUARY,
        ("Severity", "Critical"),
        ("Status", "Retracted"),
    ],
    "breach.resolved": [
        VSH,
        VSH_POD,
        ("KPI", "Change failure rate (CFR)"),
        ("Value / target", "23.5 % against ≤ 15 %"),
        FEBRUARY,
        ("Severity", "Major"),
        ("Status", "Resolved"),
        ("Service credit", "1,250.00 EUR"),
        ("Reason", "Remediation plan accepted; credit applied."),
    ],
    "breach.waived": [
        ("Vendor", "Acme & Sons <Digital>"),
        ("Contract", "Mobile app <v2>"),
        ("KPI", "Story points delivered (SP)"),
        ("Value / target", "1 point against ≥ 30 points"),
        FEBRUARY,
        ("Severity", "Minor"),
        ("Status", "Waived"),
        ("Reason", "Release freeze on our side."),
    ],
    "sla.at_risk": [
        BDW,
        BDW_SOW,
        ("KPI", "Deployment frequency (DF)"),
        (
            "Value / target",
            "2.5 deploy-days/week against ≥ 2 deploy-days/week, warning at ≥ 3 deploy-days/week",
        ),
        ("Window", "1 Mar 2025 – 31 Mar 2025"),
    ],
    "contract.cancel_by_approaching": [
        VSH,
        VSH_POD,
        ("Cancel by", "31 Mar 2025 (in 30 days)"),
        ("End date", "30 Jun 2025"),
        ("Renewal", "Automatic"),
    ],
    "contract.status_changed": [
        VSH,
        VSH_POD,
        ("Status", "Active → Terminated"),
        ("Reason", "Repeated change failure rate breaches."),
        ("Changed by", "procurement"),
    ],
    "certification.expiring": [
        ("Vendor", "Northwind Hosting"),
        ("Certification", "SOC 2 Type II"),
        ("Expires on", "15 Apr 2025 (in 14 days)"),
    ],
    "certification.expired": [
        VSH,
        ("Certification", "ISO 27001"),
        ("Expires on", "15 Apr 2025 (yesterday)"),
    ],
    "access.finding": [
        VSH,
        VSH_POD,
        ("Account", "j.kowalski"),
        ("System", "GitHub"),
        ("Finding", "Access outlives the engagement (ended 2025-02-28)."),
        ("Severity", "Critical"),
    ],
    "review.overdue": [BDW, ("Review", "Q1 review"), ("Scheduled for", "15 Mar 2025")],
    "import.finished": [
        ("File", "february-kpis.csv"),
        ("Status", "Done"),
        ("Rows", "1,180 written, 20 refused of 1,200"),
        ("By", "manager"),
    ],
    "telemetry.source_silent": [
        BDW,
        BDW_SOW,
        ("Source", "GitHub"),
        ("Scope", "northwind-labs/platform-core"),
        ("Silent since", "21 Mar 2025 05:48 UTC"),
    ],
    "webhook.test": [("Endpoint", "#vendor-alerts")],
}


def test_every_event_type_has_a_documented_payload_and_its_facts() -> None:
    assert set(PAYLOADS) == set(WebhookEventType.values)
    assert set(EXPECTED_FACTS) == set(WebhookEventType.values)
    assert all(payload["type"] == event_type for event_type, payload in PAYLOADS.items())


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_facts_of_each_event_type(event_type: str) -> None:
    assert chat.event_facts(PAYLOADS[event_type]) == EXPECTED_FACTS[event_type]


def test_facts_never_exceed_the_slack_field_count() -> None:
    assert max(len(facts) for facts in EXPECTED_FACTS.values()) <= chat.SLACK_FIELDS_MAX


def test_an_unknown_event_type_has_no_facts() -> None:
    payload = copy.deepcopy(PAYLOADS["breach.opened"])
    payload["type"] = "vendor.renamed"
    assert chat.event_facts(payload) == []


def test_missing_fields_drop_their_facts_without_failing() -> None:
    payload = {"type": "breach.opened", "data": {"title": "t", "vendor": None, "breach": {"kpi": None}}}
    assert chat.event_facts(payload) == []
    assert chat.event_facts({"type": "sla.at_risk"}) == []
    thin = {"type": "breach.opened", "data": {"breach": {"value": "97", "kpi": {"unit": "%"}}}}
    assert chat.event_facts(thin) == [("Value / target", "97 %")]


def test_a_status_change_without_actor_is_automatic() -> None:
    payload = copy.deepcopy(PAYLOADS["contract.status_changed"])
    payload["data"]["actor"] = None
    assert ("Changed by", "Automatic") in chat.event_facts(payload)


@pytest.mark.parametrize(
    ("days", "words"), [(12, "in 12 days"), (1, "tomorrow"), (0, "today"), (-1, "yesterday"), (-5, "5 days ago")]
)
def test_days_left_in_words(days: int, words: str) -> None:
    payload = copy.deepcopy(PAYLOADS["certification.expiring"])
    payload["data"]["days_left"] = days
    assert ("Expires on", f"15 Apr 2025 ({words})") in chat.event_facts(payload)


@pytest.mark.parametrize("unit", [*UNITS, "tickets", ""])
@pytest.mark.parametrize("value", [Decimal("95.0000"), Decimal("1"), Decimal("0.754"), 2.5, 0, "12.30"])
def test_values_print_with_their_unit_as_the_workspace_prints_them(unit: str, value: object) -> None:
    """chat.py may not import apps.kpis (a higher floor), so it keeps a copy of the printing rule."""
    assert chat._with_unit(value, unit) == with_unit(value, unit)
