"""Fixtures of the calendar feed tests: a small world of vendors with dated records, people who own,
watch or are named on some of them, and helpers to fetch a person's feed and check it is RFC 5545."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from apps.core.models import PolicyException
from apps.notifications.calendar.selectors import calendar_feed_key
from apps.notifications.calendar.services import calendar_feed_create
from apps.vendors.services import vendor_watch
from tests import factories


def today() -> dt.date:
    return timezone.localdate()


def day(offset: int) -> dt.date:
    return today() + dt.timedelta(days=offset)


def make_policy_exception(*, subject: models.Model, review_on: dt.date, raised_by: Any = None, **extra: Any) -> Any:
    """A policy exception row as ``apps.core.services.policy_exception_open`` writes it (any date)."""
    return PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=extra.pop("kind", "contract_covers_in_house"),
        summary=extra.pop("summary", f"{subject}: covers a function kept in-house"),
        justification=extra.pop("justification", "Bridge until the platform team is hired."),
        review_on=review_on,
        raised_by=raised_by,
        **extra,
    )


def vendor_with_dates(name: str, **owners: Any) -> tuple[Any, dict[str, Any]]:
    """A vendor with one of each dated record: a contract renewing automatically (cancel-by in 30 days,
    term end in 90), a certification expiring in 60 days, a service review in 7 days."""
    vendor = factories.VendorFactory(name=name, **owners)
    contract = factories.ContractFactory(
        vendor=vendor,
        title=f"{name} services",
        start_date=day(-300),
        end_date=day(90),
        renewal="automatic",
        notice_days=60,
    )
    records = {
        "contract": contract,
        "certification": factories.CertificationFactory(vendor=vendor, issued_on=day(-300), expires_on=day(60)),
        "review": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=day(7)),
    }
    return vendor, records


@dataclass
class World:
    owner: Any  # engineering owner of Alpha
    security: Any  # security contact of Alpha
    watcher: Any  # watches Beta
    stranger: Any  # owns and watches nothing
    vendors: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def uids(self, name: str) -> set[str]:
        """The UIDs (before the @host) of the dated records of vendor ``name``."""
        r = self.records[name]
        return {
            f"contract-{r['contract'].pk}-cancel-by",
            f"contract-{r['contract'].pk}-end",
            f"certification-{r['certification'].pk}-expiry",
            f"service-review-{r['review'].pk}",
        }


@pytest.fixture
def world(db: None) -> World:
    owner = factories.UserFactory(username="owner", first_name="Olga", last_name="Owner")
    security = factories.UserFactory(username="security_contact")
    watcher = factories.UserFactory(username="watcher")
    stranger = factories.UserFactory(username="stranger")
    built = World(owner=owner, security=security, watcher=watcher, stranger=stranger)
    for name, owners in (
        ("Alpha", {"engineering_owner": owner, "security_contact": security}),
        ("Beta", {}),
        ("Gamma", {}),
    ):
        built.vendors[name], built.records[name] = vendor_with_dates(name, **owners)
    vendor_watch(vendor=built.vendors["Beta"], user=watcher)
    return built


def feed_key(user: Any) -> str:
    """``user``'s feed key (their address is made if they have none)."""
    key = calendar_feed_key(calendar_feed_create(user=user))
    assert key
    return key


def fetch(client: Client, user: Any, *, portfolio: bool = False, **headers: Any) -> Any:
    url = f"/calendar/{feed_key(user)}.ics" + ("?scope=portfolio" if portfolio else "")
    return client.get(url, **headers)


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def event_uids(body: bytes) -> set[str]:
    """The UIDs of the feed's events, without their ``@host``."""
    return {str(event["UID"]).split("@")[0] for event in parse(body).walk("VEVENT")}
