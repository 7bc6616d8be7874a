"""Vendor services: every write valid and refused, the lifecycle (every pair of statuses; the
readiness gates themselves are in test_lifecycle_gates.py), the named owners, who runs service reviews, next-review scheduling, access grant findings and the audit trail."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, TransitionError
from apps.core.gates import GateError
from apps.core.models import StatusChange
from apps.vendors import selectors, services
from apps.vendors.choices import VENDOR_TRANSITIONS, VendorStatus
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)
from tests.factories import (
    AccessGrantFactory,
    ActionItemFactory,
    CertificationFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
    VettingAssessmentFactory,
    vendor_make_ready,
    vendor_ready_for,
)

pytestmark = pytest.mark.django_db


# -- helpers ----------------------------------------------------------------------------------------
def events_of(model: type[models.Model], pk: Any) -> list[Any]:
    """The pghistory events of one row, oldest first (they survive the row's deletion)."""
    event_model = model.pgh_event_models["insert"]
    return list(event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context").order_by("pgh_id"))


def event_count(model: type[models.Model]) -> int:
    return model.pgh_event_models["insert"].objects.count()


def assert_audited(event: Any, *, label: str, actor: Any, action: str) -> None:
    assert event.pgh_label == label
    assert event.pgh_context is not None, "written outside an audit context"
    assert event.pgh_context.metadata["user"] == actor.pk
    assert event.pgh_context.metadata["action"] == action


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored column values of ``obj``, to prove a refused write changed nothing."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def vendor_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Andes Code Labs",
        "country": "CO",
        "geography": "offshore",
        "timezone_overlap_hours": Decimal("5.0"),
        "rate_min": Decimal("30.00"),
        "rate_max": Decimal("55.00"),
        "currency": "USD",
        **overrides,
    }


@pytest.fixture
def actor() -> Any:
    return UserFactory(role="admin")


# -- vendors: create, update, delete ---------------------------------------------------------------
def test_vendor_create_saves_and_audits(actor: Any) -> None:
    vendor = services.vendor_create(actor=actor, data=vendor_data(tier="tier_1"))
    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.name, str(stored.country), stored.tier, stored.rate_max) == (
        "Andes Code Labs",
        "CO",
        "tier_1",
        Decimal("55.00"),
    )
    assert stored.status == VendorStatus.PROSPECT  # the default
    [event] = events_of(Vendor, vendor.pk)
    assert_audited(event, label="insert", actor=actor, action="vendor_create")


def test_vendor_create_with_a_status(actor: Any) -> None:
    vendor = services.vendor_create(actor=actor, data=vendor_data(status="vetting"))
    assert Vendor.objects.get(pk=vendor.pk).status == "vetting"


def test_vendor_create_active_with_its_owners(actor: Any) -> None:
    owners = {name: UserFactory() for name in services.OWNER_FIELDS}
    vendor = services.vendor_create(actor=actor, data=vendor_data(status="active", **owners))
    stored = Vendor.objects.get(pk=vendor.pk)
    assert stored.status == "active"
    assert stored.owner_ids == {user.pk for user in owners.values()}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rate_min": Decimal("90"), "rate_max": Decimal("40")}, "__all__", "minimum hourly rate cannot be above"),
        ({"currency": "XXY"}, "currency", "is not an ISO-4217 currency code"),
        ({"currency": "usd"}, "currency", "is not an ISO-4217 currency code"),
        ({"country": "ZZ"}, "country", "is not a valid choice"),
        ({"geography": "moon"}, "geography", "is not a valid choice"),
        ({"timezone_overlap_hours": Decimal("25")}, "timezone_overlap_hours", "less than or equal to 24"),
        ({"rate_min": Decimal("-5")}, "rate_min", "greater than or equal to 0"),
        ({"review_cadence_days": 0}, "review_cadence_days", "greater than or equal to 1"),
        ({"name": ""}, "name", "cannot be blank"),
        ({"status": "dormant"}, "status", "is not a valid choice"),
    ],
)
def test_vendor_create_refuses_bad_input(overrides: dict[str, Any], field: str, message: str, actor: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.vendor_create(actor=actor, data=vendor_data(**overrides))
    assert any(message in text for text in caught.value.message_dict[field]), caught.value.message_dict
    assert Vendor.objects.count() == 0
    assert event_count(Vendor) == 0


def test_vendor_name_is_unique_case_insensitively(actor: Any) -> None:
    VendorFactory(name="Andes Code Labs")
    with pytest.raises(ValidationError) as caught:
        services.vendor_create(actor=actor, data=vendor_data(name="ANDES code labs"))
    assert caught.value.message_dict["__all__"] == ["A vendor with this name already exists."]
    assert [e.code for e in caught.value.error_dict["__all__"]] == ["unique"]  # → 409 over the API
    assert Vendor.objects.count() == 1


@pytest.mark.parametrize("status", ["pilot", "active"])
def test_vendor_create_in_pilot_or_active_needs_all_owners(status: str, actor: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.vendor_create(actor=actor, data=vendor_data(status=status, delivery_owner=UserFactory()))
    assert caught.value.field == "engineering_owner"
    assert "missing: engineering owner, security contact." in caught.value.message
    assert Vendor.objects.count() == 0


def test_vendor_update_saves_and_audits(actor: Any) -> None:
    vendor = VendorFactory(tier="tier_3")
    services.vendor_update(instance=vendor, actor=actor, data={"tier": "tier_1", "rate_max": Decimal("95")})
    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.tier, stored.rate_max) == ("tier_1", Decimal("95.00"))
    assert_audited(events_of(Vendor, vendor.pk)[-1], label="update", actor=actor, action="vendor_update")


def test_vendor_update_refuses_a_status_change(actor: Any) -> None:
    vendor = VendorFactory(status="prospect")
    before = snapshot(vendor)
    with pytest.raises(ApplicationError, match="lifecycle transition") as caught:
        services.vendor_update(instance=vendor, actor=actor, data={"status": "active", "tier": "tier_1"})
    assert caught.value.field == "status"
    assert snapshot(vendor) == before


def test_vendor_update_accepts_the_unchanged_status(actor: Any) -> None:
    vendor = VendorFactory(status="prospect", tier="tier_3")
    services.vendor_update(instance=vendor, actor=actor, data={"status": "prospect", "tier": "tier_2"})
    assert Vendor.objects.filter(pk=vendor.pk, status="prospect", tier="tier_2").exists()


def test_vendor_update_refuses_bad_input_and_writes_nothing(actor: Any) -> None:
    vendor = VendorFactory(rate_min=Decimal("40"), rate_max=Decimal("60"))
    before, events_before = snapshot(vendor), event_count(Vendor)
    with pytest.raises(ValidationError, match="minimum hourly rate cannot be above"):
        services.vendor_update(instance=vendor, actor=actor, data={"rate_min": Decimal("70")})
    assert snapshot(vendor) == before
    assert event_count(Vendor) == events_before


@pytest.mark.parametrize(("status", "refused"), [("active", True), ("pilot", True), ("prospect", False)])
def test_vendor_update_keeps_the_owners_of_a_working_vendor(status: str, refused: bool, actor: Any) -> None:
    vendor = VendorFactory(status=status)
    if refused:
        with pytest.raises(ApplicationError, match="missing: security contact") as caught:
            services.vendor_update(instance=vendor, actor=actor, data={"security_contact": None})
        assert caught.value.field == "security_contact"
        assert Vendor.objects.get(pk=vendor.pk).security_contact_id is not None
    else:
        services.vendor_update(instance=vendor, actor=actor, data={"security_contact": None})
        assert Vendor.objects.get(pk=vendor.pk).security_contact_id is None


def test_vendor_delete(actor: Any) -> None:
    vendor = VendorFactory()
    pk = vendor.pk
    services.vendor_delete(instance=vendor, actor=actor)
    assert not Vendor.objects.filter(pk=pk).exists()
    assert_audited(events_of(Vendor, pk)[-1], label="delete", actor=actor, action="vendor_delete")


def test_vendor_delete_refused_while_records_reference_it(actor: Any) -> None:
    vendor = CertificationFactory().vendor
    with pytest.raises(ConflictError, match="still referenced by certifications"):
        services.vendor_delete(instance=vendor, actor=actor)
    assert Vendor.objects.filter(pk=vendor.pk).exists()


# -- the lifecycle ----------------------------------------------------------------------------------
def test_the_lifecycle_covers_every_status_and_exited_is_final() -> None:
    assert set(VENDOR_TRANSITIONS) == set(VendorStatus.values)
    assert all(set(targets) <= set(VendorStatus.values) for targets in VENDOR_TRANSITIONS.values())
    assert VENDOR_TRANSITIONS[VendorStatus.EXITED] == ()


@pytest.mark.parametrize(("start", "target"), list(itertools.product(VendorStatus.values, repeat=2)))
def test_every_transition_is_allowed_or_refused_by_the_lifecycle(start: str, target: str, actor: Any) -> None:
    vendor = VendorFactory(status=start)  # with all three owners
    if target in VENDOR_TRANSITIONS[start]:
        vendor_make_ready(vendor, target)
        reason = "Moving on." if services.vendor_transition_needs_reason(from_status=start, to_status=target) else ""
        moved = services.vendor_transition(vendor=vendor, to_status=target, actor=actor, reason=reason)
        assert moved.status == target
        assert Vendor.objects.get(pk=vendor.pk).status == target
        assert_audited(
            events_of(Vendor, vendor.pk)[-1], label="update", actor=actor, action=f"vendor_transition_{target}"
        )
        change = StatusChange.objects.get(object_id=vendor.pk)
        assert (change.from_status, change.to_status, change.actor, change.reason) == (start, target, actor, reason)
        assert change.overridden == []
        return
    events_before = event_count(Vendor)
    with pytest.raises(TransitionError) as caught:
        services.vendor_transition(vendor=vendor, to_status=target, actor=actor)
    start_label, target_label = VendorStatus(start).label, VendorStatus(target).label
    assert caught.value.message.startswith(f"A vendor cannot go from {start_label} to {target_label}; ")
    for allowed in VENDOR_TRANSITIONS[start]:
        assert VendorStatus(allowed).label in caught.value.message
    assert caught.value.field == "status"
    assert caught.value.status_code == 409
    assert Vendor.objects.get(pk=vendor.pk).status == start
    assert event_count(Vendor) == events_before


def test_refused_transition_names_where_the_vendor_can_go() -> None:
    vendor = VendorFactory(status="prospect")
    with pytest.raises(TransitionError) as caught:
        services.vendor_transition(vendor=vendor, to_status="active", actor=None)
    assert caught.value.message == (
        "A vendor cannot go from Prospect to Active; from Prospect it can go to: Vetting, Exited."
    )


def test_exited_is_final() -> None:
    vendor = VendorFactory(status="exited")
    with pytest.raises(TransitionError, match="nowhere"):
        services.vendor_transition(vendor=vendor, to_status="active", actor=None)


def test_unknown_status_is_a_bad_request() -> None:
    vendor = VendorFactory(status="prospect")
    with pytest.raises(ApplicationError) as caught:
        services.vendor_transition(vendor=vendor, to_status="dormant", actor=None)
    assert not isinstance(caught.value, TransitionError)
    assert caught.value.field == "status"


@pytest.mark.parametrize(
    ("target", "missing"),
    [
        (target, missing)
        for target in ("pilot", "active")
        for missing in (("engineering_owner",), ("delivery_owner", "security_contact"), services.OWNER_FIELDS)
    ],
)
def test_pilot_and_active_need_all_three_owners(target: str, missing: tuple[str, ...], actor: Any) -> None:
    vendor = vendor_ready_for(target, **dict.fromkeys(missing))
    start = vendor.status
    with pytest.raises(GateError) as caught:
        services.vendor_transition(vendor=vendor, to_status=target, actor=actor)
    assert caught.value.status_code == 409
    (unmet,) = caught.value.as_dict()["unmet"]
    assert unmet["code"] == "owners_named"
    assert unmet["detail"] == "missing: " + ", ".join(m.replace("_", " ") for m in missing)
    assert Vendor.objects.get(pk=vendor.pk).status == start


def test_vetting_needs_only_an_engineering_owner() -> None:
    vendor = VendorFactory(status="prospect", engineering_owner=None, delivery_owner=None, security_contact=None)
    with pytest.raises(GateError, match="An engineering owner is named"):
        services.vendor_transition(vendor=vendor, to_status="vetting", actor=None)
    services.vendor_update(instance=vendor, actor=None, data={"engineering_owner": UserFactory()})
    assert services.vendor_transition(vendor=vendor, to_status="vetting", actor=None).status == "vetting"


def test_exit_needs_no_owners_but_a_reason() -> None:
    vendor = VendorFactory(status="prospect", engineering_owner=None, delivery_owner=None, security_contact=None)
    with pytest.raises(ApplicationError) as caught:
        services.vendor_transition(vendor=vendor, to_status="exited", actor=None)
    assert (caught.value.status_code, caught.value.field) == (400, "reason")
    assert caught.value.message == "Exiting a vendor needs a reason."
    moved = services.vendor_transition(vendor=vendor, to_status="exited", actor=None, reason="Not a fit.")
    assert moved.status == "exited"


def test_an_overridden_vendor_without_an_owner_can_still_be_edited(actor: Any) -> None:
    vendor = vendor_ready_for("pilot", security_contact=None)
    executive = UserFactory(role="executive")
    services.vendor_transition(vendor=vendor, to_status="pilot", actor=executive, reason="Board call.", override=True)
    vendor = Vendor.objects.get(pk=vendor.pk)
    services.vendor_update(instance=vendor, actor=actor, data={"description": "Piloting."})
    with pytest.raises(ApplicationError, match="missing: delivery owner"):
        services.vendor_update(instance=vendor, actor=actor, data={"delivery_owner": None})


def test_transition_is_judged_from_the_stored_status_not_a_stale_copy() -> None:
    stale = VendorFactory(status="prospect")
    services.vendor_transition(vendor=Vendor.objects.get(pk=stale.pk), to_status="vetting", actor=None)
    assert stale.status == "prospect"  # this copy no longer tells the truth
    with pytest.raises(TransitionError, match="from Vetting to Vetting"):
        services.vendor_transition(vendor=stale, to_status="vetting", actor=None)
    vendor_make_ready(stale, "pilot")
    assert services.vendor_transition(vendor=stale, to_status="pilot", actor=None).status == "pilot"


# -- vetting, certifications, risks, access grants, reviews, action items: the CRUD trio ----------------
@dataclass(frozen=True)
class Trio:
    """One model's create/update/delete services and the inputs to exercise them."""

    name: str
    model: type[models.Model]
    factory: Any
    valid: Callable[[], dict[str, Any]]
    change: dict[str, Any]
    invalid: dict[str, Any]
    invalid_field: str
    invalid_message: str
    bad_change: dict[str, Any] = field(default_factory=dict)

    def service(self, verb: str) -> Callable[..., Any]:
        return getattr(services, f"{self.name}_{verb}")


def _vetting() -> dict[str, Any]:
    scores = dict.fromkeys(("delivery_maturity", "retention_stability", "security_posture"), 4)
    scores |= dict.fromkeys(("technical_depth", "escalation_model", "communication"), 3)
    return {"vendor": VendorFactory(), "assessed_on": date(2026, 11, 1), **scores, "verdict": "conditional"}


TRIOS = [
    Trio(
        "vetting_assessment",
        VettingAssessment,
        VettingAssessmentFactory,
        _vetting,
        change={"verdict": "reject", "flag_no_pilot": True},
        invalid={"communication": 6},
        invalid_field="communication",
        invalid_message="less than or equal to 5",
        bad_change={"delivery_maturity": 0},
    ),
    Trio(
        "certification",
        Certification,
        CertificationFactory,
        lambda: {
            "vendor": VendorFactory(),
            "kind": "soc2_type2",
            "issued_on": date(2026, 1, 1),
            "expires_on": date(2027, 1, 1),
        },
        change={"expires_on": date(2028, 1, 1)},
        invalid={"expires_on": date(2025, 12, 1)},
        invalid_field="__all__",
        invalid_message="A certification must expire after it was issued.",
        bad_change={"kind": "other", "name": ""},
    ),
    Trio(
        "vendor_risk",
        VendorRisk,
        VendorRiskFactory,
        lambda: {
            "vendor": VendorFactory(),
            "category": "lock_in",
            "title": "Scripts in vendor repos",
            "likelihood": 3,
            "impact": 4,
        },
        change={"status": "mitigating", "mitigation": "Move the pipelines in-house."},
        invalid={"likelihood": 6},
        invalid_field="likelihood",
        invalid_message="less than or equal to 5",
        bad_change={"category": "weather"},
    ),
    Trio(
        "access_grant",
        AccessGrant,
        AccessGrantFactory,
        lambda: {
            "vendor": VendorFactory(),
            "person": "Ana Ruiz",
            "system": "AWS",
            "privilege": "production",
            "account_name": "ana.ruiz",
            "granted_on": date(2026, 11, 1),
        },
        change={"revoked_on": date(2026, 11, 20)},
        invalid={"named_account": False},
        invalid_field="__all__",
        invalid_message="A shared account never gets production access: use a named account.",
        bad_change={"expires_on": date(2020, 1, 1)},
    ),
    Trio(
        "service_review",
        ServiceReview,
        ServiceReviewFactory,
        lambda: {"vendor": VendorFactory(), "scheduled_for": date(2026, 12, 1), "attendees": [UserFactory()]},
        change={"scheduled_for": date(2026, 12, 3), "notes": "Moved for the holiday."},
        invalid={"status": "held"},
        invalid_field="__all__",
        invalid_message="A held review needs the date it was held.",
        bad_change={"delivery_quality": 6},
    ),
    Trio(
        "action_item",
        ActionItem,
        ActionItemFactory,
        lambda: {"review": ServiceReviewFactory(), "description": "Share the runbook", "due_on": date(2026, 12, 10)},
        change={"done_on": date(2026, 11, 20)},
        invalid={"description": ""},
        invalid_field="description",
        invalid_message="cannot be blank",
        bad_change={"due_on": None},
    ),
]
TRIO_IDS = [trio.name for trio in TRIOS]


@pytest.mark.parametrize("trio", TRIOS, ids=TRIO_IDS)
def test_create_saves_and_audits(trio: Trio, actor: Any) -> None:
    data = trio.valid()
    obj = trio.service("create")(actor=actor, data=data)
    stored = trio.model._default_manager.get(pk=obj.pk)
    for name, value in data.items():
        if isinstance(value, list):
            assert set(getattr(stored, name).all()) == set(value)
        else:
            assert getattr(stored, name) == value, name
    [event] = events_of(trio.model, obj.pk)
    assert_audited(event, label="insert", actor=actor, action=f"{trio.name}_create")


@pytest.mark.parametrize("trio", TRIOS, ids=TRIO_IDS)
def test_create_refuses_bad_input_and_writes_nothing(trio: Trio, actor: Any) -> None:
    data = {**trio.valid(), **trio.invalid}
    count, events_before = trio.model._default_manager.count(), event_count(trio.model)
    with pytest.raises(ValidationError) as caught:
        trio.service("create")(actor=actor, data=data)
    assert any(trio.invalid_message in text for text in caught.value.message_dict[trio.invalid_field])
    assert trio.model._default_manager.count() == count
    assert event_count(trio.model) == events_before


@pytest.mark.parametrize("trio", TRIOS, ids=TRIO_IDS)
def test_update_saves_and_audits(trio: Trio, actor: Any) -> None:
    obj = trio.factory()
    trio.service("update")(instance=obj, actor=actor, data=trio.change)
    stored = trio.model._default_manager.get(pk=obj.pk)
    for name, value in trio.change.items():
        assert getattr(stored, name) == value, name
    assert_audited(events_of(trio.model, obj.pk)[-1], label="update", actor=actor, action=f"{trio.name}_update")


@pytest.mark.parametrize("trio", TRIOS, ids=TRIO_IDS)
def test_update_refuses_bad_input_and_writes_nothing(trio: Trio, actor: Any) -> None:
    obj = trio.factory()
    before, events_before = snapshot(obj), event_count(trio.model)
    with pytest.raises(ValidationError):
        trio.service("update")(instance=obj, actor=actor, data={**trio.change, **trio.bad_change})
    assert snapshot(obj) == before
    assert event_count(trio.model) == events_before


@pytest.mark.parametrize("trio", TRIOS, ids=TRIO_IDS)
def test_delete_removes_and_audits(trio: Trio, actor: Any) -> None:
    obj = trio.factory()
    pk = obj.pk
    trio.service("delete")(instance=obj, actor=actor)
    assert not trio.model._default_manager.filter(pk=pk).exists()
    assert_audited(events_of(trio.model, pk)[-1], label="delete", actor=actor, action=f"{trio.name}_delete")


def test_shared_production_account_is_refused_by_the_database_too() -> None:
    """The rule is a named constraint, so even a write that skips the services cannot break it."""
    with pytest.raises(IntegrityError, match="vendors_access_no_shared_production"):
        AccessGrantFactory(privilege="production", named_account=False)


# -- who runs service reviews (the rule itself, apps.vendors.ownership, is tested in tests/ownership) ---------
@pytest.fixture
def manager() -> Any:
    return UserFactory(role="engineering_manager")


def test_manager_runs_the_reviews_of_vendors_they_own(manager: Any) -> None:
    vendor = VendorFactory(delivery_owner=manager)
    review = services.service_review_create(actor=manager, data={"vendor": vendor, "scheduled_for": date(2026, 12, 1)})
    services.service_review_update(instance=review, actor=manager, data={"notes": "Agenda shared."})
    item = services.action_item_create(
        actor=manager, data={"review": review, "description": "Send the agenda", "due_on": date(2026, 11, 30)}
    )
    services.action_item_update(instance=item, actor=manager, data={"description": "Send the agenda early"})
    services.action_item_delete(instance=item, actor=manager)
    services.service_review_delete(instance=review, actor=manager)
    assert not ServiceReview.objects.filter(vendor=vendor).exists()


def _refused(call: Callable[[], Any]) -> None:
    with pytest.raises(PermissionDeniedError, match="engineering or delivery owner") as caught:
        call()
    assert caught.value.status_code == 403


def test_manager_cannot_touch_the_reviews_of_a_vendor_they_do_not_own(manager: Any) -> None:
    other = VendorFactory()
    review = ServiceReviewFactory(vendor=other)
    item = ActionItemFactory(review=review)
    review_before, item_before = snapshot(review), snapshot(item)
    counts = (ServiceReview.objects.count(), ActionItem.objects.count())

    _refused(
        lambda: services.service_review_create(
            actor=manager, data={"vendor": other, "scheduled_for": date(2026, 12, 1)}
        )
    )
    _refused(lambda: services.service_review_update(instance=review, actor=manager, data={"notes": "x"}))
    _refused(lambda: services.service_review_delete(instance=review, actor=manager))
    _refused(lambda: services.service_review_record(review=review, actor=manager, data={}))
    _refused(
        lambda: services.action_item_create(
            actor=manager, data={"review": review, "description": "x", "due_on": date(2026, 12, 1)}
        )
    )
    _refused(lambda: services.action_item_update(instance=item, actor=manager, data={"description": "x"}))
    _refused(lambda: services.action_item_delete(instance=item, actor=manager))
    _refused(lambda: services.action_item_complete(item=item, actor=manager, done_on=date(2026, 11, 20)))

    assert (ServiceReview.objects.count(), ActionItem.objects.count()) == counts
    assert (snapshot(review), snapshot(item)) == (review_before, item_before)


def test_manager_cannot_move_their_records_to_a_vendor_they_do_not_own(manager: Any) -> None:
    own_review = ServiceReviewFactory(vendor=VendorFactory(engineering_owner=manager))
    own_item = ActionItemFactory(review=own_review)
    foreign_review = ServiceReviewFactory()
    _refused(
        lambda: services.service_review_update(
            instance=own_review, actor=manager, data={"vendor": foreign_review.vendor}
        )
    )
    _refused(lambda: services.action_item_update(instance=own_item, actor=manager, data={"review": foreign_review}))
    assert ServiceReview.objects.get(pk=own_review.pk).vendor_id == own_review.vendor_id
    assert ActionItem.objects.get(pk=own_item.pk).review_id == own_review.pk


# -- recording a review and scheduling the next ------------------------------------------------------
def _owned_review(manager: Any, *, cadence: int = 14, status: str = "active", **review: Any) -> ServiceReview:
    vendor = VendorFactory(engineering_owner=manager, review_cadence_days=cadence, status=status)
    return ServiceReviewFactory(vendor=vendor, **review)


def test_record_marks_the_review_held_and_schedules_the_next(manager: Any) -> None:
    held_on = timezone.localdate() - timedelta(days=10)
    review = _owned_review(manager, cadence=7, scheduled_for=held_on - timedelta(days=1))
    colleague = UserFactory()
    services.service_review_record(
        review=review,
        actor=manager,
        data={
            "held_on": held_on,
            "attendees": [manager, colleague],
            "delivery_quality": 4,
            "decisions": "Add a QA engineer.",
            "risks_raised": "Key person on leave.",
        },
    )
    stored = ServiceReview.objects.get(pk=review.pk)
    assert (stored.status, stored.held_on, stored.delivery_quality) == ("held", held_on, 4)
    assert (stored.decisions, stored.risks_raised) == ("Add a QA engineer.", "Key person on leave.")
    assert set(stored.attendees.all()) == {manager, colleague}
    upcoming = ServiceReview.objects.exclude(pk=review.pk).get(vendor=review.vendor)
    assert (upcoming.status, upcoming.scheduled_for) == ("scheduled", held_on + timedelta(days=7))

    assert_audited(
        events_of(ServiceReview, review.pk)[-1], label="update", actor=manager, action="service_review_record"
    )
    assert_audited(
        events_of(ServiceReview, upcoming.pk)[0], label="insert", actor=manager, action="service_review_record"
    )


def test_record_defaults_the_date_to_the_scheduled_day(manager: Any) -> None:
    scheduled_for = timezone.localdate() - timedelta(days=3)
    review = _owned_review(manager, cadence=14, scheduled_for=scheduled_for)
    services.service_review_record(review=review, actor=manager, data={"delivery_quality": 3})
    assert ServiceReview.objects.get(pk=review.pk).held_on == scheduled_for
    assert ServiceReview.objects.filter(
        vendor=review.vendor, status="scheduled", scheduled_for=scheduled_for + timedelta(days=14)
    ).exists()


@pytest.mark.parametrize(
    ("existing_offset", "creates_another"),
    [(-1, True), (0, False), (5, False)],
    ids=["existing-before-next", "existing-on-next", "existing-after-next"],
)
def test_record_schedules_the_next_unless_one_already_is(
    existing_offset: int, creates_another: bool, manager: Any
) -> None:
    held_on = timezone.localdate() - timedelta(days=2)
    review = _owned_review(manager, cadence=14, scheduled_for=held_on)
    next_date = held_on + timedelta(days=14)
    existing = ServiceReviewFactory(vendor=review.vendor, scheduled_for=next_date + timedelta(days=existing_offset))
    services.service_review_record(review=review, actor=manager, data={"held_on": held_on})
    scheduled = sorted(
        ServiceReview.objects.filter(vendor=review.vendor, status="scheduled").values_list("scheduled_for", flat=True)
    )
    expected = sorted([existing.scheduled_for, next_date]) if creates_another else [existing.scheduled_for]
    assert scheduled == expected


def test_recording_again_corrects_the_review_without_a_second_next(manager: Any) -> None:
    held_on = timezone.localdate() - timedelta(days=5)
    review = _owned_review(manager, cadence=7, scheduled_for=held_on)
    services.service_review_record(review=review, actor=manager, data={"delivery_quality": 3})
    services.service_review_record(review=review, actor=manager, data={"delivery_quality": 4})
    assert ServiceReview.objects.get(pk=review.pk).delivery_quality == 4
    upcoming = ServiceReview.objects.filter(vendor=review.vendor, status="scheduled")
    assert list(upcoming.values_list("scheduled_for", flat=True)) == [held_on + timedelta(days=7)]


def test_recording_the_last_review_of_an_exited_vendor_schedules_none(manager: Any) -> None:
    review = _owned_review(manager, status="exited", scheduled_for=timezone.localdate() - timedelta(days=1))
    services.service_review_record(review=review, actor=manager, data={})
    assert list(ServiceReview.objects.filter(vendor=review.vendor)) == [review]


@pytest.mark.parametrize(
    ("status", "held_in_days", "data", "error", "message"),
    [
        ("cancelled", -1, {}, TransitionError, "cancelled review cannot be recorded"),
        ("scheduled", 1, {}, ApplicationError, "cannot be recorded before it is held"),
        ("scheduled", -1, {"delivery_quality": 6}, ValidationError, "less than or equal to 5"),
    ],
    ids=["cancelled", "held-in-the-future", "quality-out-of-range"],
)
def test_a_refused_recording_writes_nothing(
    status: str, held_in_days: int, data: dict[str, Any], error: type[Exception], message: str, manager: Any
) -> None:
    today = timezone.localdate()
    review = _owned_review(manager, status="active", scheduled_for=today - timedelta(days=1))
    ServiceReview.objects.filter(pk=review.pk).update(status=status)
    review.refresh_from_db()
    before, events_before = snapshot(review), event_count(ServiceReview)
    with pytest.raises(error, match=message):
        services.service_review_record(
            review=review, actor=manager, data={"held_on": today + timedelta(days=held_in_days), **data}
        )
    assert snapshot(review) == before
    assert ServiceReview.objects.filter(vendor=review.vendor).count() == 1
    assert event_count(ServiceReview) == events_before


def test_action_item_complete(manager: Any) -> None:
    item = ActionItemFactory(review=_owned_review(manager))
    assert not item.is_done
    done_on = date(2026, 11, 20)
    services.action_item_complete(item=item, actor=manager, done_on=done_on)
    stored = ActionItem.objects.get(pk=item.pk)
    assert (stored.done_on, stored.is_done) == (done_on, True)
    assert_audited(events_of(ActionItem, item.pk)[-1], label="update", actor=manager, action="action_item_complete")


# -- access grant findings --------------------------------------------------------------------------
AS_OF = date(2026, 11, 23)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("vendor_status", "expires_on", "revoked_on", "expected"),
    [
        ("active", None, None, []),
        ("active", AS_OF + DAY, None, []),
        ("active", AS_OF, None, []),  # expires at the end of its last day
        ("active", AS_OF - DAY, None, ["expired"]),
        ("active", AS_OF - DAY, AS_OF - DAY, []),
        ("active", AS_OF - DAY, AS_OF, []),
        ("active", AS_OF - DAY, AS_OF + DAY, ["expired"]),  # revocation still to come
        ("offboarding", AS_OF - DAY, None, ["expired", "vendor_leaving"]),
        ("exited", None, None, ["vendor_leaving"]),
        ("exited", AS_OF - DAY, None, ["expired", "vendor_leaving"]),
        ("exited", AS_OF + DAY, AS_OF - DAY, []),
    ],
)
def test_access_grant_findings(
    vendor_status: str, expires_on: date | None, revoked_on: date | None, expected: list[str]
) -> None:
    grant = AccessGrantFactory(
        vendor=VendorFactory(status=vendor_status),
        granted_on=AS_OF - timedelta(days=90),
        expires_on=expires_on,
        revoked_on=revoked_on,
    )
    AccessGrantFactory(granted_on=AS_OF - timedelta(days=90))  # a clean grant of another vendor

    found = list(selectors.access_grant_findings(as_of=AS_OF))
    assert found == ([grant] if expected else [])
    annotated = selectors.access_grant_list(as_of=AS_OF).get(pk=grant.pk)
    assert selectors.access_grant_finding_names(annotated) == expected
    plain = AccessGrant.objects.get(pk=grant.pk)
    assert selectors.access_grant_finding_names(plain, as_of=AS_OF) == expected


def test_findings_selector_keeps_its_first_name_for_existing_callers() -> None:
    assert selectors.access_grant_findings_list is selectors.access_grant_findings
