"""The rule itself (``apps.vendors.ownership``): who is owner-scoped, whom they own, what a refusal
says, how sets are narrowed, and that a registration naming a wrong path is refused at start-up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ImproperlyConfigured

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.core.errors import PermissionDeniedError
from apps.performance.models import Breach, Measurement
from apps.vendors import ownership
from apps.vendors.models import ActionItem, Certification, ServiceReview, Vendor
from tests.factories import (
    BreachFactory,
    ContractFactory,
    MeasurementFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager() -> Any:
    return UserFactory(role=Role.ENGINEERING_MANAGER)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("system", True),  # tasks, commands, the demo data
        ("anonymous", False),
        ("admin", True),
        ("superuser", True),
        ("procurement", True),  # not owner-scoped: limited by its permissions alone
        ("executive", True),
        ("security", True),
        ("engineering_owner", True),
        ("delivery_owner", True),
        ("security_contact", False),  # a named owner of the vendor, but not of its engagement
        ("other_manager", False),
    ],
)
def test_who_may_write_a_vendors_records(who: str, allowed: bool, manager: Any) -> None:
    vendor = VendorFactory()
    user: Any
    if who == "system":
        user = None
    elif who == "anonymous":
        user = AnonymousUser()
    elif who == "superuser":
        user = UserFactory(is_superuser=True, role=Role.ENGINEERING_MANAGER)
    elif who in ("admin", "procurement", "executive", "security"):
        user = UserFactory(role=who)
    elif who == "other_manager":
        user = manager
    else:
        user = manager
        setattr(vendor, f"{who}_id", manager.pk)
    record = ServiceReviewFactory.build(vendor=vendor)
    assert ownership.may_write(user, vendor) is allowed
    assert ownership.may_write(user, record) is allowed


def test_a_manager_with_another_role_is_still_limited_to_their_vendors(manager: Any) -> None:
    manager.groups.add(Group.objects.get(name=Role.SECURITY))
    reloaded = User.objects.get(pk=manager.pk)  # roles are cached per instance
    assert set(reloaded.roles) == {Role.ENGINEERING_MANAGER, Role.SECURITY}
    assert ownership.owner_scoped(reloaded)
    assert not ownership.may_write(reloaded, VendorFactory())


def test_a_manager_who_is_also_an_admin_is_not_limited(manager: Any) -> None:
    manager.groups.add(Group.objects.get(name=Role.ADMIN))
    assert not ownership.owner_scoped(User.objects.get(pk=manager.pk))


def test_the_path_leads_from_every_record_to_its_vendor(manager: Any) -> None:
    vendor = VendorFactory(delivery_owner=manager, name="Acme Delivery")
    contract = ContractFactory(vendor=vendor)
    review = ServiceReviewFactory(vendor=vendor)
    for record in (
        MeasurementFactory(contract=contract),
        BreachFactory(evaluation__term__contract=contract),
        review,
        ActionItem(review=review),
        ownership.prospective(Measurement, contract),
        ownership.prospective(Measurement, contract.pk),
        ownership.prospective(ServiceReview, vendor.pk),
    ):
        assert ownership.vendor_of(record) == vendor, record
        assert ownership.may_write(manager, record)
        ownership.require_owner(manager, record)
    assert ownership.vendor_of(ownership.prospective(Measurement, 987654321)) is None  # validation refuses it


def test_a_refusal_names_the_vendor_and_the_owners_duty(manager: Any) -> None:
    breach = BreachFactory(evaluation__term__contract=ContractFactory(vendor=VendorFactory(name="Acme Delivery")))
    with pytest.raises(PermissionDeniedError) as caught:
        ownership.require_owner(manager, breach)
    assert caught.value.status_code == 403
    assert caught.value.message == (
        "Only the engineering or delivery owner of Acme Delivery acknowledges and resolves its SLA breaches."
    )
    with pytest.raises(PermissionDeniedError, match="Sign in"):
        ownership.require_owner(AnonymousUser(), breach)


def test_a_change_needs_the_record_as_it_is_and_as_it_will_be(manager: Any) -> None:
    mine, theirs = VendorFactory(engineering_owner=manager), VendorFactory(name="Theirs")
    own_review, their_review = ServiceReviewFactory(vendor=mine), ServiceReviewFactory(vendor=theirs)
    ownership.require_owner_of_change(manager, own_review, {"notes": "x", "vendor": mine})
    with pytest.raises(PermissionDeniedError, match="Theirs"):
        ownership.require_owner_of_change(manager, own_review, {"vendor": theirs})
    with pytest.raises(PermissionDeniedError, match="Theirs"):
        ownership.require_owner_of_change(manager, own_review, {"vendor": theirs.pk})
    with pytest.raises(PermissionDeniedError, match="Theirs"):
        ownership.require_owner_of_change(manager, their_review, {"vendor": mine})
    ownership.require_owner_of_new(manager, ServiceReview, {"vendor": mine, "scheduled_for": date(2026, 12, 1)})
    with pytest.raises(PermissionDeniedError, match="Theirs"):
        ownership.require_owner_of_new(manager, ServiceReview, {"vendor": theirs.pk})


def test_sets_are_narrowed_for_a_manager_only(manager: Any) -> None:
    mine = ContractFactory(vendor=VendorFactory(engineering_owner=manager))
    theirs = ContractFactory(vendor=VendorFactory(name="Theirs"))
    MeasurementFactory(contract=mine), MeasurementFactory(contract=theirs)
    assert list(Contract.objects.filter(ownership.parents_q(manager, Measurement))) == [mine]
    assert set(
        Measurement.objects.filter(ownership.owned_q(manager, Measurement)).values_list("contract", flat=True)
    ) == {mine.pk}
    assert list(Vendor.objects.filter(ownership.owned_q(manager, Vendor))) == [mine.vendor]
    assert ownership.refused_parents(manager, Measurement, [mine.pk, theirs.pk]) == {
        theirs.pk: "Only the engineering or delivery owner of Theirs logs its KPIs."
    }
    admin = UserFactory(role=Role.ADMIN)
    assert Contract.objects.filter(ownership.parents_q(admin, Measurement)).count() == 2
    assert ownership.refused_parents(admin, Measurement, [mine.pk, theirs.pk]) == {}
    assert ownership.refused_parents(None, Measurement, [theirs.pk]) == {}


@pytest.mark.parametrize(
    ("model", "path", "problem"),
    [
        (Certification, "vendor__nothing", "no field"),
        (Certification, "kind", "not a relation"),
        (ActionItem, "owner", "leads to User"),
        (ServiceReview, "attendees", "not a relation"),
    ],
)
def test_a_wrong_path_is_refused_at_registration(model: Any, path: str, problem: str) -> None:
    before = ownership.owned_models()
    with pytest.raises(ImproperlyConfigured, match=problem):
        ownership.register_owned(model, vendor_path=path, duty="does things")
    assert ownership.owned_models() == before


def test_registering_twice_the_same_is_harmless_and_another_path_is_refused() -> None:
    entry = ownership.owned_model(Breach)
    assert ownership.register_owned(Breach, vendor_path=entry.vendor_path, duty=entry.duty) == entry
    with pytest.raises(ImproperlyConfigured, match="already"):
        ownership.register_owned(Breach, vendor_path="evaluation__term__contract__vendor", duty=entry.duty)
    with pytest.raises(ImproperlyConfigured, match="not registered"):
        ownership.owned_model(Certification)
