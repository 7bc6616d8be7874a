"""Who may do what on the roster, generated per role and standing rather than hand-copied: roster managers
(procurement, administrators, the vendor's delivery owner) manage assignments and plans and request
substitutions; only the vendor's engineering owner approves or refuses one — not an administrator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from apps.accounts.choices import Role
from apps.core.errors import PermissionDeniedError
from apps.roster import services
from apps.vendors import roster_access
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
DELIVERY_OWNER = "delivery_owner"
ENGINEERING_OWNER = "engineering_owner"
WHO = (*Role.values, DELIVERY_OWNER, ENGINEERING_OWNER)
MANAGERS = {Role.PROCUREMENT, Role.ADMIN, DELIVERY_OWNER}
DECIDERS = {ENGINEERING_OWNER}
REQUESTERS = MANAGERS | DECIDERS


def _actor(who: str, vendor: Any, user_with_role: Any) -> Any:
    if who == DELIVERY_OWNER:
        return vendor.delivery_owner
    if who == ENGINEERING_OWNER:
        return vendor.engineering_owner
    return user_with_role(who)


@pytest.fixture
def world() -> dict[str, Any]:
    contract = factories.ContractFactory(
        start_date=TODAY - dt.timedelta(days=200), end_date=TODAY + dt.timedelta(days=300)
    )
    leaver = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=60))
    return {"contract": contract, "vendor": contract.vendor, "leaver": leaver}


@pytest.mark.parametrize("who", WHO)
def test_predicates(who: str, world: dict[str, Any], user_with_role: Any) -> None:
    actor = _actor(who, world["vendor"], user_with_role)
    assert roster_access.may_manage_roster(actor, world["vendor"]) == (who in MANAGERS)
    assert services.may_decide_substitution(actor, world["vendor"]) == (who in DECIDERS)
    assert services.may_request_substitution(actor, world["vendor"]) == (who in REQUESTERS)


@pytest.mark.parametrize("who", WHO)
def test_manage_assignments_and_plans(who: str, world: dict[str, Any], user_with_role: Any) -> None:
    actor = _actor(who, world["vendor"], user_with_role)
    contract = world["contract"]
    engineer = factories.EngineerFactory(vendor=world["vendor"])
    data = {"contract": contract, "engineer": engineer, "role": "QA", "start_date": TODAY}
    if who in MANAGERS:
        assert services.assignment_create(actor=actor, data=data).pk
        assert services.staffing_plan_save(contract=contract, actor=actor, lines={}).pk
        services.assignment_end(assignment=world["leaver"], actor=actor, end_date=TODAY, reason="Done")
    else:
        with pytest.raises(PermissionDeniedError):
            services.assignment_create(actor=actor, data=data)
        with pytest.raises(PermissionDeniedError):
            services.staffing_plan_save(contract=contract, actor=actor, lines={})
        with pytest.raises(PermissionDeniedError):
            services.assignment_end(assignment=world["leaver"], actor=actor, end_date=TODAY, reason="Done")


@pytest.mark.parametrize("who", WHO)
def test_request_and_decide(who: str, world: dict[str, Any], user_with_role: Any) -> None:
    actor = _actor(who, world["vendor"], user_with_role)
    data = {
        "leaver_assignment": world["leaver"],
        "joiner": factories.EngineerFactory(vendor=world["vendor"]),
        "reason": "Leaving",
        "joins_on": TODAY + dt.timedelta(days=3),
    }
    substitution: Any
    if who in REQUESTERS:
        substitution = services.substitution_request(actor=actor, data=data)
    else:
        with pytest.raises(PermissionDeniedError):
            services.substitution_request(actor=actor, data=data)
        substitution = factories.SubstitutionFactory(leaver_assignment=world["leaver"], joiner=data["joiner"])
    if who in DECIDERS:
        assert services.substitution_approve(substitution=substitution, actor=actor).status == "approved"
    else:
        with pytest.raises(PermissionDeniedError):
            services.substitution_approve(substitution=substitution, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.substitution_refuse(substitution=substitution, actor=actor, note="No")


def test_a_delivery_owner_of_another_vendor_manages_nothing_here(world: dict[str, Any]) -> None:
    stranger = factories.VendorFactory().delivery_owner
    assert not roster_access.may_manage_roster(stranger, world["vendor"])
    assert not services.may_decide_substitution(factories.VendorFactory().engineering_owner, world["vendor"])


def test_a_vendor_without_engineering_owner_has_nobody_to_decide(user_with_role: Any) -> None:
    vendor = factories.VendorFactory(engineering_owner=None)
    assert not services.may_decide_substitution(user_with_role("admin"), vendor)
