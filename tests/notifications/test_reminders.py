"""Reminders: each kind reaches its people, once per item and occasion, across repeated runs and across
missed runs (a run that comes late sends one reminder stating the real days left, never the missed
ones afterwards)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_issue
from apps.contracts.models import Contract
from apps.notifications.models import Notification, SentReminder
from apps.notifications.reminders import reminder_kinds, reminders_send
from apps.performance.reminders import last_closed_month
from apps.vendors.models import AccessGrant, Vendor
from tests.factories import (
    AccessGrantFactory,
    CertificationFactory,
    ContractFactory,
    KpiDefinitionFactory,
    MeasurementFactory,
    RosterFindingFactory,
    ServiceReviewFactory,
    SlaTermFactory,
    SourceBindingFactory,
    UserFactory,
    VendorFactory,
)
from tests.notifications.test_exception_reminders import make_policy_exception

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 23)


def day(offset: int) -> date:
    return AS_OF + timedelta(days=offset)


@pytest.fixture
def people(user_with_role: Callable[[str], Any]) -> SimpleNamespace:
    return SimpleNamespace(
        engineering=UserFactory(username="eng_owner"),
        delivery=UserFactory(username="delivery_owner"),
        security_contact=UserFactory(username="security_contact"),
        procurement=user_with_role("procurement"),
        security=user_with_role("security"),
        executive=user_with_role("executive"),
    )


@pytest.fixture
def vendor(people: SimpleNamespace) -> Vendor:
    return VendorFactory(
        name="Vistula Software House",
        engineering_owner=people.engineering,
        delivery_owner=people.delivery,
        security_contact=people.security_contact,
    )


def run(on: date) -> dict[str, int]:
    return reminders_send(as_of=on)


def run_days(first: int, last: int) -> dict[str, int]:
    """Run daily from ``day(first)`` to ``day(last)``; the total sent per kind."""
    total = dict.fromkeys(reminder_kinds(), 0)
    for offset in range(first, last + 1):
        for kind, count in run(day(offset)).items():
            total[kind] += count
    return total


def only(kind: str, count: int) -> dict[str, int]:
    return {k: count if k == kind else 0 for k in reminder_kinds()}


def recipients(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True).distinct().order_by()
    )


def titles(user: Any, kind: str) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk").values_list("title", flat=True))


def occasions(item_key: str) -> set[tuple[str, str]]:
    return set(SentReminder.objects.filter(item_key=item_key).values_list("kind", "occasion"))


def contract_with_cancel_by(vendor: Vendor, cancel_by: date, **extra: Any) -> Contract:
    """An active contract that must be renewed explicitly by ``cancel_by`` (no notice period)."""
    fields = {"title": "Pod of four engineers", "renewal": "explicit", **extra}
    return ContractFactory(vendor=vendor, end_date=cancel_by, notice_days=0, **fields)


# -- service reviews ------------------------------------------------------------------------------------
def test_a_review_is_reminded_two_days_ahead_then_once_overdue(vendor: Vendor, people: SimpleNamespace) -> None:
    review = ServiceReviewFactory(vendor=vendor, scheduled_for=day(2))
    assert run(day(-1)) == only("review_due", 0)  # three days away: not yet
    # … with its review pack for the owners (apps/dashboards/review_pack.py, tests/dashboards/test_review_pack.py).
    assert run(AS_OF) == {**only("review_due", 1), "review_pack": 1}
    assert run(AS_OF) == only("review_due", 0)
    assert run_days(1, 2) == only("review_due", 0)
    assert run(day(3)) == only("review_overdue", 1)
    assert run_days(3, 30) == only("review_overdue", 0)
    assert recipients("review_due") == recipients("review_overdue") == ["delivery_owner", "eng_owner"]
    assert titles(people.engineering, "review_due") == ["Service review with Vistula Software House in 2 days"]
    assert titles(people.engineering, "review_overdue") == ["Service review with Vistula Software House is overdue"]
    assert Notification.objects.filter(recipient=people.delivery).first().url == review.get_absolute_url()


def test_a_review_first_seen_overdue_gets_only_the_overdue_reminder(vendor: Vendor, people: SimpleNamespace) -> None:
    review = ServiceReviewFactory(vendor=vendor, scheduled_for=day(-5))
    assert run(AS_OF) == only("review_overdue", 1)
    [notification] = Notification.objects.filter(recipient=people.engineering)
    assert "18 Nov 2026 (5 days ago)" in notification.body
    assert occasions(f"service_review:{review.pk}") == {
        ("review_due", "due:2026-11-18"),
        ("review_overdue", "overdue:2026-11-18"),
    }


def test_held_reviews_and_reviews_of_exited_vendors_are_not_reminded(vendor: Vendor) -> None:
    ServiceReviewFactory(vendor=vendor, scheduled_for=day(-3), status="held", held_on=day(-3))
    ServiceReviewFactory(vendor=VendorFactory(status="exited"), scheduled_for=day(1))
    assert sum(run(AS_OF).values()) == 0


def test_a_rescheduled_review_is_reminded_for_its_new_date(vendor: Vendor) -> None:
    review = ServiceReviewFactory(vendor=vendor, scheduled_for=day(2))
    assert run(AS_OF)["review_due"] == 1
    review.scheduled_for = day(9)
    review.save()
    assert run_days(1, 6)["review_due"] == 0
    assert run(day(7))["review_due"] == 1


# -- contract cancel-by dates -----------------------------------------------------------------------------
def test_cancel_by_is_reminded_at_90_60_and_30_days_once_each(vendor: Vendor, people: SimpleNamespace) -> None:
    contract_with_cancel_by(vendor, day(90))
    assert run(day(-1)) == only("contract_cancel_by", 0)
    assert run_days(0, 95) == only("contract_cancel_by", 3)
    assert titles(people.procurement, "contract_cancel_by") == [
        "Cancel-by date in 90 days: Pod of four engineers",
        "Cancel-by date in 60 days: Pod of four engineers",
        "Cancel-by date in 30 days: Pod of four engineers",
    ]
    assert recipients("contract_cancel_by") == ["delivery_owner", "demo_procurement", "eng_owner"]


def test_a_missed_run_sends_one_reminder_with_the_real_days_left(vendor: Vendor, people: SimpleNamespace) -> None:
    contract = contract_with_cancel_by(vendor, day(25))
    assert run(AS_OF) == only("contract_cancel_by", 1)
    assert titles(people.delivery, "contract_cancel_by") == ["Cancel-by date in 25 days: Pod of four engineers"]
    body = Notification.objects.filter(recipient=people.delivery).get().body
    assert "ends unless it is renewed by 18 Dec 2026 (in 25 days)" in body
    # The 90- and 60-day reminders are recorded as sent: they never arrive late.
    assert occasions(f"contract:{contract.pk}") == {
        ("contract_cancel_by", "90:2026-12-18"),
        ("contract_cancel_by", "60:2026-12-18"),
        ("contract_cancel_by", "30:2026-12-18"),
    }
    assert run_days(1, 30) == only("contract_cancel_by", 0)


def test_a_run_missed_for_weeks_never_sends_a_threshold_late(vendor: Vendor, people: SimpleNamespace) -> None:
    contract_with_cancel_by(vendor, day(95))
    assert run(AS_OF) == only("contract_cancel_by", 0)
    # Beat was down from day 1 to day 39: the first run after it, 55 days before, sends one reminder.
    assert run(day(40)) == only("contract_cancel_by", 1)
    assert run_days(41, 64) == only("contract_cancel_by", 0)
    assert run(day(65)) == only("contract_cancel_by", 1)
    assert run_days(66, 100) == only("contract_cancel_by", 0)
    assert titles(people.engineering, "contract_cancel_by") == [
        "Cancel-by date in 55 days: Pod of four engineers",
        "Cancel-by date in 30 days: Pod of four engineers",
    ]


def test_a_renewed_contract_is_reminded_again_for_its_new_cancel_by_date(vendor: Vendor) -> None:
    contract = contract_with_cancel_by(vendor, day(20), renewal="automatic")
    assert run(AS_OF)["contract_cancel_by"] == 1
    contract.end_date = day(20 + 365)
    contract.save()
    assert run_days(1, 294)["contract_cancel_by"] == 0
    assert run(day(295))["contract_cancel_by"] == 1  # 90 days before the new date


def test_passed_dates_and_contracts_not_active_are_not_reminded(vendor: Vendor) -> None:
    contract_with_cancel_by(vendor, day(-1))
    contract_with_cancel_by(vendor, day(10), status="draft")
    contract_with_cancel_by(vendor, day(10), status="terminated")
    ContractFactory(vendor=vendor, end_date=day(10), renewal="none")  # simply ends: no cancel-by date
    assert sum(run(AS_OF).values()) == 0


# -- certifications ---------------------------------------------------------------------------------------
def test_a_certification_is_reminded_at_60_30_7_days_then_once_expired(vendor: Vendor, people: SimpleNamespace) -> None:
    CertificationFactory(vendor=vendor, kind="iso27001", expires_on=day(60))
    assert run(day(-1)) == only("certification_expiring", 0)
    sent = run_days(0, 90)
    assert sent["certification_expiring"] == 3 and sent["certification_expired"] == 1
    assert titles(people.security_contact, "certification_expiring") == [
        "ISO 27001 of Vistula Software House expires in 60 days",
        "ISO 27001 of Vistula Software House expires in 30 days",
        "ISO 27001 of Vistula Software House expires in 7 days",
    ]
    assert titles(people.security, "certification_expired") == ["ISO 27001 of Vistula Software House has expired"]
    assert recipients("certification_expiring") == recipients("certification_expired")
    assert recipients("certification_expired") == ["demo_security", "security_contact"]


def test_a_certification_first_seen_expired_gets_one_reminder(vendor: Vendor, people: SimpleNamespace) -> None:
    certification = CertificationFactory(vendor=vendor, expires_on=day(-3))
    assert run(AS_OF) == only("certification_expired", 1)
    assert occasions(f"certification:{certification.pk}") == {
        ("certification_expiring", "60:2026-11-20"),
        ("certification_expiring", "30:2026-11-20"),
        ("certification_expiring", "7:2026-11-20"),
        ("certification_expired", "expired:2026-11-20"),
    }
    assert run_days(1, 10) == only("certification_expired", 0)


def test_a_renewed_certification_supersedes_the_old_one_and_exited_vendors_are_left_out(vendor: Vendor) -> None:
    CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=day(5))
    CertificationFactory(vendor=vendor, kind="soc2_type2", issued_on=day(-10), expires_on=day(400))
    CertificationFactory(vendor=VendorFactory(status="exited"), expires_on=day(-30))
    assert sum(run(AS_OF).values()) == 0


# -- access grants ---------------------------------------------------------------------------------------
def test_access_findings_are_reminded_once_each(vendor: Vendor, people: SimpleNamespace) -> None:
    expired = AccessGrantFactory(vendor=vendor, person="Piotr Nowak", system="GitHub", expires_on=day(-1))
    AccessGrantFactory(vendor=vendor, expires_on=day(-5), revoked_on=day(-2))  # revoked in time
    still_valid = AccessGrantFactory(vendor=vendor, expires_on=day(30))
    assert run(AS_OF) == only("access_finding", 1)
    assert run_days(1, 5) == only("access_finding", 0)
    [notification] = Notification.objects.filter(recipient=people.security_contact)
    assert notification.title == "Access finding (high): Piotr Nowak → GitHub (Vistula Software House)"
    assert "expires on 22 Nov 2026" in notification.body
    assert "Past its expiry date and not revoked" in notification.body
    assert recipients("access_finding") == ["demo_security", "security_contact"]
    # The vendor exits: both open grants are now findings of a vendor leaving.
    Vendor.objects.filter(pk=vendor.pk).update(status="exited")
    assert run(day(6)) == only("access_finding", 2)
    assert run(day(7)) == only("access_finding", 0)
    assert occasions(f"access_grant:{expired.pk}") == {
        ("access_finding", "expired:2026-11-22"),
        ("access_finding", "vendor_leaving"),
    }
    assert occasions(f"access_grant:{still_valid.pk}") == {("access_finding", "vendor_leaving")}


def test_each_access_finding_of_a_grant_is_reminded_once(vendor: Vendor, people: SimpleNamespace) -> None:
    """A shared admin account without MFA or expiry: one reminder naming its three findings; a finding
    it gains later is reminded once more; fixing one sends nothing."""
    grant = AccessGrantFactory(
        vendor=vendor, privilege="admin", named_account=False, mfa_enabled=False, granted_on=day(-60)
    )
    assert run(AS_OF) == only("access_finding", 1)
    [notification] = Notification.objects.filter(recipient=people.security_contact)
    assert notification.title.startswith("Access finding (high): ")
    for sentence in ("A shared account has admin", "without MFA", "with no expiry date"):
        assert sentence in notification.body
    assert occasions(f"access_grant:{grant.pk}") == {
        ("access_finding", "shared_privileged"),
        ("access_finding", "no_mfa"),
        ("access_finding", "no_expiry"),
    }
    assert run_days(1, 3) == only("access_finding", 0)
    # MFA turned on and an expiry set: fewer findings, nothing new to say.
    AccessGrant.objects.filter(pk=grant.pk).update(mfa_enabled=True, expires_on=day(10))
    assert run(day(4)) == only("access_finding", 0)
    # The expiry passes without a revocation: a new finding, reminded once.
    assert run(day(11)) == only("access_finding", 1)
    assert run(day(12)) == only("access_finding", 0)
    assert ("access_finding", f"expired:{day(10)}") in occasions(f"access_grant:{grant.pk}")
    assert Notification.objects.filter(recipient=people.security_contact, kind="access_finding").count() == 2


# -- KPIs not logged ---------------------------------------------------------------------------------------
@pytest.fixture
def engagement(vendor: Vendor) -> SimpleNamespace:
    """An active contract with SLA terms on two KPIs (one of them twice), cancel-by far away."""
    contract = ContractFactory(vendor=vendor, title="Platform squad", start_date=date(2026, 1, 1), end_date=day(400))
    on_time = KpiDefinitionFactory(code="t_on_time", name="On-time delivery")
    defects = KpiDefinitionFactory(code="t_defects", name="Defect rate")
    SlaTermFactory(contract=contract, kpi=on_time)
    SlaTermFactory(contract=contract, kpi=defects)
    SlaTermFactory(contract=contract, kpi=defects, area="delivery", comparator="lte", target=2)
    return SimpleNamespace(contract=contract, on_time=on_time, defects=defects)


def test_kpis_not_logged_for_the_last_closed_month(engagement: SimpleNamespace, people: SimpleNamespace) -> None:
    contract = engagement.contract
    MeasurementFactory(contract=contract, kpi=engagement.on_time)  # October
    september = {"period_start": date(2026, 9, 1), "period_end": date(2026, 9, 30)}
    MeasurementFactory(contract=contract, kpi=engagement.defects, **september)
    assert last_closed_month(AS_OF) == (date(2026, 10, 1), date(2026, 10, 31))
    assert run(AS_OF) == only("kpi_missing", 1)
    [notification] = Notification.objects.filter(recipient=people.engineering)
    assert notification.title == "Defect rate not logged for October 2026: Platform squad"
    assert "- Defect rate" in notification.body and "On-time delivery" not in notification.body
    assert recipients("kpi_missing") == ["delivery_owner", "eng_owner"]
    assert run_days(0, 7) == only("kpi_missing", 0)
    # December: November is closed, and nothing was logged for it.
    assert run(date(2026, 12, 1)) == only("kpi_missing", 1)
    assert titles(people.delivery, "kpi_missing")[-1] == "2 KPIs not logged for November 2026: Platform squad"
    assert occasions(f"contract:{contract.pk}") == {("kpi_missing", "2026-10"), ("kpi_missing", "2026-11")}


def test_a_measurement_counts_for_the_month_its_period_ends_in(engagement: SimpleNamespace) -> None:
    for kpi in (engagement.on_time, engagement.defects):
        MeasurementFactory(
            contract=engagement.contract, kpi=kpi, period_start=date(2026, 9, 20), period_end=date(2026, 10, 5)
        )
    assert run(AS_OF) == only("kpi_missing", 0)


def test_contracts_not_running_in_that_month_are_not_asked(vendor: Vendor) -> None:
    kpi = KpiDefinitionFactory()
    SlaTermFactory(contract=ContractFactory(vendor=vendor, start_date=date(2026, 11, 1), end_date=day(400)), kpi=kpi)
    SlaTermFactory(contract=ContractFactory(vendor=vendor, status="draft", end_date=day(400)), kpi=kpi)
    SlaTermFactory(contract=ContractFactory(vendor=vendor, status="expired", end_date=date(2026, 9, 30)), kpi=kpi)
    assert run(AS_OF) == only("kpi_missing", 0)


# -- all together -------------------------------------------------------------------------------------------
def test_every_kind_once_and_emailed_to_those_with_an_address(
    vendor: Vendor, engagement: SimpleNamespace, people: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    ServiceReviewFactory(vendor=vendor, scheduled_for=day(1))
    ServiceReviewFactory(vendor=vendor, scheduled_for=day(-1))
    contract_with_cancel_by(vendor, day(30))
    CertificationFactory(vendor=vendor, expires_on=day(7))
    CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=day(-7))
    AccessGrantFactory(vendor=vendor, expires_on=day(-7))
    make_policy_exception(subject=vendor, raised_by=people.engineering, review_on=day(7))
    make_policy_exception(subject=vendor, raised_by=people.engineering, review_on=day(-7))
    SourceBindingFactory(contract=engagement.contract, last_event_at=timezone.now() - timedelta(days=400))  # silent
    RosterFindingFactory(contract=engagement.contract)
    token = api_token_issue(user=people.engineering, name="CI", scopes=["read"], expires_in_days=1).token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.make_aware(datetime.combine(day(3), time(12))))
    people.delivery.email = ""
    people.delivery.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert run(AS_OF) == dict.fromkeys(reminder_kinds(), 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert run(AS_OF) == dict.fromkeys(reminder_kinds(), 0)
        assert run(day(1)) == dict.fromkeys(reminder_kinds(), 0)
    emailed = Notification.objects.exclude(recipient=people.delivery)
    assert len(mail.outbox) == emailed.count() > 0
    assert all(n.emailed_at for n in emailed)
    # Executives hear only of an expired policy exception (a finding they renew or close).
    assert set(Notification.objects.filter(recipient=people.executive).values_list("kind", flat=True)) == {
        "policy_exception_expired"
    }


def test_a_reminder_for_nobody_is_no_error(caplog: pytest.LogCaptureFixture) -> None:
    lonely = VendorFactory(engineering_owner=None, delivery_owner=None, security_contact=None, status="prospect")
    ServiceReviewFactory(vendor=lonely, scheduled_for=day(1))
    assert run(AS_OF) == only("review_due", 0)
    assert "has no one to go to" in caplog.text
    assert SentReminder.objects.filter(kind="review_due").count() == 1
