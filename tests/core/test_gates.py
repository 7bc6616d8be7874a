"""The readiness-gate mechanism itself (apps.core.gates): registration, the report, enforcement,
the executive's override with its reason, and the status-change record an override leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import gates
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.gates import Condition, GateError, Outcome, gate_enforce, gate_report, register
from apps.core.models import StatusChange
from apps.core.services import overrides_clear, policy_exception_open, status_change_record
from apps.vendors.models import Vendor
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

TEST_STATUS = "gatetest"


@pytest.fixture
def test_gate() -> Iterator[None]:
    """A gate of its own on Vendor, so the app's real gates are untouched."""
    register(
        Vendor,
        TEST_STATUS,
        Condition("has_website", "A website is recorded", lambda v: Outcome(bool(v.website), "no website")),
        Condition("named", "The vendor has a name", lambda v: bool(v.name)),
        Condition("short_name", "The name is short", lambda v: Outcome(True, "long", warning=len(v.name) > 5)),
    )
    yield
    gates._GATES.pop((Vendor._meta.label_lower, TEST_STATUS), None)


def test_the_report_lists_every_condition_met_or_not(test_gate: None) -> None:
    report = gate_report(VendorFactory(name="Longname Ltd", website=""), TEST_STATUS)
    assert [(c.code, c.met) for c in report.checks] == [("has_website", False), ("named", True), ("short_name", True)]
    assert [c.code for c in report.unmet] == ["has_website"]
    assert [c.code for c in report.warnings] == ["short_name"]
    assert not report.passed
    assert report.unmet[0].detail == "no website"


def test_registering_a_condition_again_replaces_it(test_gate: None) -> None:
    register(Vendor, TEST_STATUS, Condition("named", "Renamed", lambda v: False))
    labels = [c.label for c in gates.conditions(Vendor, TEST_STATUS)]
    assert labels == ["A website is recorded", "The name is short", "Renamed"]


def test_a_gate_without_conditions_passes() -> None:
    assert gate_report(VendorFactory(), "no_such_gate").passed


def test_an_unmet_gate_is_a_409_listing_what_is_missing(test_gate: None, user_with_role) -> None:
    vendor = VendorFactory(website="")
    with pytest.raises(GateError) as caught:
        gate_enforce(vendor, TEST_STATUS, actor=user_with_role("procurement"), label="test")
    assert caught.value.status_code == 409
    body = caught.value.as_dict()
    assert body["unmet"] == [
        {"code": "has_website", "label": "A website is recorded", "met": False, "detail": "no website"}
    ]
    assert "A website is recorded (no website)" in body["status"][0]


def test_only_an_executive_overrides_and_only_with_a_reason(test_gate: None, user_with_role) -> None:
    vendor = VendorFactory(website="")
    with pytest.raises(PermissionDeniedError):
        gate_enforce(vendor, TEST_STATUS, actor=user_with_role("procurement"), override=True, reason="x", label="t")
    with pytest.raises(ApplicationError) as caught:
        gate_enforce(vendor, TEST_STATUS, actor=user_with_role("executive"), override=True, reason="  ", label="t")
    assert caught.value.field == "reason" and caught.value.status_code == 400
    report = gate_enforce(
        vendor, TEST_STATUS, actor=user_with_role("executive"), override=True, reason="Board", label="t"
    )
    assert [c.code for c in report.unmet] == ["has_website"]


def test_an_override_stays_open_until_its_conditions_are_met(test_gate: None, user_with_role) -> None:
    executive = user_with_role("executive")
    vendor = VendorFactory(website="")
    report = gate_report(vendor, TEST_STATUS)
    Vendor.objects.filter(pk=vendor.pk).update(status=TEST_STATUS)
    change = status_change_record(
        subject=vendor, from_status="prospect", to_status=TEST_STATUS, actor=executive, reason="Board", report=report
    )
    assert change.is_open_override and change.overridden[0]["code"] == "has_website"
    today = timezone.localdate()
    assert overrides_clear(as_of=today) == 0
    Vendor.objects.filter(pk=vendor.pk).update(website="https://example.com")
    assert overrides_clear(as_of=today) == 1
    change.refresh_from_db()
    assert change.cleared_on == today and not change.is_open_override
    assert overrides_clear(as_of=today) == 0  # idempotent


def test_an_override_clears_when_the_record_leaves_the_status(test_gate: None, user_with_role) -> None:
    vendor = VendorFactory(website="")
    status_change_record(
        subject=vendor,
        from_status="prospect",
        to_status=TEST_STATUS,
        actor=user_with_role("executive"),
        reason="Board",
        report=gate_report(vendor, TEST_STATUS),
    )
    assert overrides_clear(as_of=timezone.localdate()) == 1  # the vendor never was (or is no longer) there
    assert not StatusChange.objects.get().is_open_override


def test_a_policy_exception_needs_a_justification_and_a_future_review_date(user_with_role) -> None:
    vendor = VendorFactory()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        policy_exception_open(subject=vendor, kind="k", summary="s", justification=" ", review_on=today, actor=None)
    assert set(caught.value.message_dict) == {"justification", "review_on"}
    exception = policy_exception_open(
        subject=vendor,
        kind="k",
        summary="s",
        justification="Why",
        review_on=today + timedelta(days=30),
        actor=user_with_role("executive"),
    )
    assert exception.subject == vendor and exception.closed_on is None
