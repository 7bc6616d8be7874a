"""The reminder registry: the apps' rules are registered once each, every kind belongs to one rule, and
a run calls every rule once, in registration order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.notifications import reminders
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.models import Notification, SentReminder
from apps.notifications.reminders import (
    DueReminder,
    RoleMembers,
    register_reminder_rule,
    reminder_kinds,
    reminder_rules,
    reminders_send,
)
from tests.factories import UserFactory

AS_OF = date(2026, 11, 23)

# Every reminder kind there is, and the module of the app that owns each rule.
OWNERS = {
    "service_reviews": "apps.vendors.reminders",
    "certifications": "apps.vendors.reminders",
    "access_findings": "apps.vendors.reminders",
    "contract_cancel_by": "apps.contracts.reminders",
    "kpi_missing": "apps.performance.reminders",
    "policy_exceptions": "apps.notifications.policy_exception_reminders",
    "api_tokens": "apps.notifications.token_reminders",
    "telemetry_silent": "apps.performance.telemetry.reminders",
    "review_packs": "apps.dashboards.review_pack",
    "roster_findings": "apps.roster.reminders",
}
REMINDER_KINDS = {
    Kind.REVIEW_DUE,
    Kind.REVIEW_OVERDUE,
    Kind.CONTRACT_CANCEL_BY,
    Kind.CERTIFICATION_EXPIRING,
    Kind.CERTIFICATION_EXPIRED,
    Kind.ACCESS_FINDING,
    Kind.KPI_MISSING,
    Kind.POLICY_EXCEPTION_REVIEW,
    Kind.POLICY_EXCEPTION_EXPIRED,
    Kind.TELEMETRY_SILENT,
    Kind.API_TOKEN_EXPIRING,
    Kind.REVIEW_PACK,
    Kind.ROSTER_FINDING,
}


@pytest.fixture
def only_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty registry for the test (the apps' rules come back afterwards)."""
    monkeypatch.setattr(reminders, "_rules", {})
    yield


def test_each_app_registers_its_rules_once_and_each_kind_belongs_to_one_rule() -> None:
    rules = reminder_rules()
    assert {rule.name: rule.collect.__module__ for rule in rules} == OWNERS
    assert len({rule.name for rule in rules}) == len(rules)
    kinds = reminder_kinds()
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == {str(kind) for kind in REMINDER_KINDS}


def test_a_kind_or_name_registered_twice_is_refused(only_rules: None) -> None:
    register_reminder_rule(name="reviews", kinds=(Kind.REVIEW_DUE,), collect=lambda as_of, roles: [])
    with pytest.raises(ImproperlyConfigured, match="“review_due” of rule “other” is already sent by “reviews”"):
        register_reminder_rule(name="other", kinds=(Kind.REVIEW_DUE,), collect=lambda as_of, roles: [])
    with pytest.raises(ImproperlyConfigured, match="named “reviews” is already registered"):
        register_reminder_rule(name="reviews", kinds=(Kind.REVIEW_OVERDUE,), collect=lambda as_of, roles: [])
    with pytest.raises(ImproperlyConfigured, match="is already sent by “twice”"):
        register_reminder_rule(name="twice", kinds=(Kind.KPI_MISSING, Kind.KPI_MISSING), collect=lambda a, r: [])
    with pytest.raises(ImproperlyConfigured, match="“no_such_kind” is not a notification kind"):
        register_reminder_rule(name="unknown", kinds=("no_such_kind",), collect=lambda as_of, roles: [])
    assert [rule.name for rule in reminder_rules()] == ["reviews"]


@pytest.mark.django_db
def test_a_run_calls_every_rule_once_in_registration_order(only_rules: None) -> None:
    calls: list[tuple[str, date]] = []
    alice = UserFactory(username="alice")

    def rule(name: str, kind: str) -> Any:
        def collect(as_of: date, roles: RoleMembers) -> list[DueReminder]:
            calls.append((name, as_of))
            return [
                DueReminder(
                    item_key=f"thing:{name}",
                    occasions=((kind, "2026-11"),),
                    recipients=(alice, None),
                    title=f"About {name}",
                    body="",
                    url="/",
                )
            ]

        return collect

    register_reminder_rule(name="second", kinds=(Kind.KPI_MISSING,), collect=rule("second", Kind.KPI_MISSING))
    register_reminder_rule(name="first", kinds=(Kind.REVIEW_DUE,), collect=rule("first", Kind.REVIEW_DUE))

    assert reminders_send(as_of=AS_OF) == {"kpi_missing": 1, "review_due": 1}
    assert calls == [("second", AS_OF), ("first", AS_OF)]
    assert reminders_send(as_of=AS_OF) == {"kpi_missing": 0, "review_due": 0}
    assert len(calls) == 4
    assert set(SentReminder.objects.values_list("kind", "item_key", "occasion")) == {
        ("kpi_missing", "thing:second", "2026-11"),
        ("review_due", "thing:first", "2026-11"),
    }
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == [
        "reminder:kpi_missing:thing:second:2026-11",
        "reminder:review_due:thing:first:2026-11",
    ]


@pytest.mark.django_db
def test_a_rule_sending_a_kind_it_did_not_register_is_a_configuration_error(only_rules: None) -> None:
    stray = DueReminder(
        item_key="thing:1", occasions=((Kind.REVIEW_OVERDUE, "x"),), recipients=(), title="", body="", url=""
    )
    register_reminder_rule(name="reviews", kinds=(Kind.REVIEW_DUE,), collect=lambda as_of, roles: [stray])
    with pytest.raises(ImproperlyConfigured, match="produced kinds it did not register"):
        reminders_send(as_of=AS_OF)
    assert not SentReminder.objects.exists()
