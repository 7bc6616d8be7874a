"""Policy exceptions are reminded 30 and 7 days before their review date to the person who raised
them, and once more when expired (a finding) to them and the executives; a renewal is reminded again
at its new date, a closed exception never."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models

from apps.core.models import PolicyException
from apps.notifications.models import Notification
from apps.notifications.reminders import reminders_send
from tests.factories import UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 23)


def day(offset: int) -> date:
    return AS_OF + timedelta(days=offset)


def make_policy_exception(
    *, subject: models.Model, review_on: date, raised_by: Any = None, **extra: Any
) -> PolicyException:
    """A policy exception row as ``apps.core.services.policy_exception_open`` writes it (any date)."""
    return PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=extra.pop("kind", "decision_against_recommendation"),
        summary=extra.pop("summary", f"{subject}: outsourced against the recommendation"),
        justification=extra.pop("justification", "Bridge until the platform team is hired."),
        review_on=review_on,
        raised_by=raised_by,
        **extra,
    )


def run(on: date) -> dict[str, int]:
    return reminders_send(as_of=on)


def notified(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "title"))


@pytest.fixture
def raiser() -> Any:
    return UserFactory(username="raiser")


@pytest.fixture
def executive(user_with_role: Callable[[str], Any]) -> Any:
    return user_with_role("executive")


def test_reminded_30_and_7_days_before_to_the_person_who_raised_it(raiser: Any, executive: Any) -> None:
    make_policy_exception(subject=VendorFactory(name="Acme"), review_on=day(30), raised_by=raiser)
    assert run(day(-1))["policy_exception_review"] == 0
    assert run(AS_OF)["policy_exception_review"] == 1
    assert run(AS_OF)["policy_exception_review"] == 0  # once
    assert run(day(22))["policy_exception_review"] == 0
    assert run(day(23))["policy_exception_review"] == 1  # 7 days before
    assert [who for who, _ in notified("policy_exception_review")] == ["raiser", "raiser"]
    assert "in 7 days" in Notification.objects.filter(kind="policy_exception_review").latest("pk").title


def test_an_expired_exception_is_a_finding_reminded_once_to_the_raiser_and_the_executives(
    raiser: Any, executive: Any
) -> None:
    exception = make_policy_exception(subject=VendorFactory(name="Acme"), review_on=day(-3), raised_by=raiser)
    counts = run(AS_OF)
    # First seen already expired: one reminder, the expired one; the 30/7-day occasions are recorded with it.
    assert (counts["policy_exception_expired"], counts["policy_exception_review"]) == (1, 0)
    assert [who for who, _ in notified("policy_exception_expired")] == [executive.username, "raiser"]
    assert run(day(1))["policy_exception_expired"] == 0
    assert run(day(40))["policy_exception_expired"] == 0
    note = Notification.objects.filter(kind="policy_exception_expired").first()
    assert note is not None and note.url.endswith(f"#exception-{exception.pk}")


def test_a_renewed_exception_is_reminded_at_its_new_date_and_a_closed_one_never(raiser: Any) -> None:
    exception = make_policy_exception(subject=VendorFactory(), review_on=day(7), raised_by=raiser)
    make_policy_exception(subject=VendorFactory(), review_on=day(7), raised_by=raiser, closed_on=day(-1))
    assert run(AS_OF)["policy_exception_review"] == 1
    exception.review_on = day(60)
    exception.save()
    assert run(day(1))["policy_exception_review"] == 0
    assert run(day(30))["policy_exception_review"] == 1
    assert Notification.objects.filter(kind="policy_exception_review").count() == 2


def test_no_one_named_reaches_the_executives(executive: Any) -> None:
    make_policy_exception(subject=VendorFactory(), review_on=day(5))
    assert run(AS_OF)["policy_exception_review"] == 1
    assert [who for who, _ in notified("policy_exception_review")] == [executive.username]
