"""The roster's services: each validation of an assignment and a substitution, the staffing plan's save,
the substitution lifecycle (SUBSTITUTION_TRANSITIONS) and an approval's effect on the assignments, and a race
of two approvals ending in a 409."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, TransitionError
from apps.core.models import StatusChange
from apps.roster import services
from apps.roster.choices import SUBSTITUTION_TRANSITIONS, SubstitutionStatus
from apps.roster.models import Assignment, StaffingPlan, Substitution
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def contract() -> Any:
    return factories.ContractFactory(start_date=TODAY - dt.timedelta(days=200), end_date=TODAY + dt.timedelta(days=300))


@pytest.fixture
def procurement(user_with_role: Any) -> Any:
    return user_with_role("procurement")


def _data(contract: Any, engineer: Any, **extra: Any) -> dict[str, Any]:
    return {
        "contract": contract,
        "engineer": engineer,
        "role": "Tech lead",
        "allocation_percent": 100,
        "start_date": TODAY - dt.timedelta(days=30),
        **extra,
    }


# -- assignments --------------------------------------------------------------------------------------
def test_assignment_create_by_procurement(contract: Any, procurement: Any) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    assignment = services.assignment_create(actor=procurement, data=_data(contract, engineer, key_person=True))
    assert assignment.pk and assignment.key_person and assignment.engineer == engineer


def test_engineer_of_another_vendor_is_refused(contract: Any, procurement: Any) -> None:
    stranger = factories.EngineerFactory()
    with pytest.raises(ApplicationError) as refused:
        services.assignment_create(actor=procurement, data=_data(contract, stranger))
    assert refused.value.field == "engineer" and "not of" in refused.value.message
    assert not Assignment.objects.exists()


def test_anonymised_engineer_cannot_be_assigned(contract: Any, procurement: Any) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor, anonymised_on=TODAY)
    with pytest.raises(ApplicationError, match="anonymised") as refused:
        services.assignment_create(actor=procurement, data=_data(contract, engineer))
    assert refused.value.field == "engineer"


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (-10, None, True),  # inside the ongoing one
        (-100, -61, False),  # ends the day before the existing one starts
        (-100, -60, True),  # ends on its first day
    ],
)
def test_overlapping_assignment_of_the_same_engineer_is_refused(
    contract: Any, procurement: Any, start: int, end: int | None, overlaps: bool
) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    factories.AssignmentFactory(contract=contract, engineer=engineer, start_date=TODAY - dt.timedelta(days=60))
    data = _data(
        contract,
        engineer,
        start_date=TODAY + dt.timedelta(days=start),
        end_date=TODAY + dt.timedelta(days=end) if end is not None else None,
    )
    if overlaps:
        with pytest.raises(ApplicationError, match="already assigned") as refused:
            services.assignment_create(actor=procurement, data=data)
        assert refused.value.field == "start_date"
    else:
        services.assignment_create(actor=procurement, data=data)


def test_assignment_model_rules_are_field_errors(contract: Any, procurement: Any) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(
            actor=procurement,
            data=_data(contract, engineer, allocation_percent=0, billed_rate=Decimal("90"), rate_currency=""),
        )
    assert "allocation_percent" in refused.value.message_dict


def test_assignment_update_keeps_engineer_and_contract(contract: Any, procurement: Any) -> None:
    assignment = factories.AssignmentFactory(contract=contract)
    other = factories.EngineerFactory(vendor=contract.vendor)
    with pytest.raises(ApplicationError) as refused:
        services.assignment_update(instance=assignment, actor=procurement, data={"engineer": other})
    assert refused.value.field == "engineer"
    updated = services.assignment_update(
        instance=assignment, actor=procurement, data={"allocation_percent": 50, "key_person": True}
    )
    assert updated.allocation_percent == 50 and Assignment.objects.get().key_person


def test_assignment_end_needs_a_reason_and_a_date_after_start(contract: Any, procurement: Any) -> None:
    assignment = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=10))
    with pytest.raises(ApplicationError) as no_reason:
        services.assignment_end(assignment=assignment, actor=procurement, end_date=TODAY, reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ApplicationError) as too_early:
        services.assignment_end(
            assignment=assignment, actor=procurement, end_date=TODAY - dt.timedelta(days=11), reason="Left"
        )
    assert too_early.value.field == "end_date"
    services.assignment_end(assignment=assignment, actor=procurement, end_date=TODAY, reason="Moved to another client")
    assert Assignment.objects.get().end_date == TODAY
    with pytest.raises(ApplicationError, match="already ended"):
        services.assignment_end(
            assignment=assignment, actor=procurement, end_date=TODAY + dt.timedelta(days=5), reason="Again"
        )


def test_only_roster_managers_write_assignments(contract: Any, user_with_role: Any) -> None:
    engineer = factories.EngineerFactory(vendor=contract.vendor)
    for role in ("executive", "engineering_manager", "security"):
        with pytest.raises(PermissionDeniedError):
            services.assignment_create(actor=user_with_role(role), data=_data(contract, engineer))
    with pytest.raises(PermissionDeniedError):  # the engineering owner decides substitutions, not the roster
        services.assignment_create(actor=contract.vendor.engineering_owner, data=_data(contract, engineer))
    assert services.assignment_create(actor=contract.vendor.delivery_owner, data=_data(contract, engineer)).pk
    other_vendor_contract = factories.ContractFactory()
    with pytest.raises(PermissionDeniedError):
        services.assignment_create(
            actor=contract.vendor.delivery_owner,
            data=_data(other_vendor_contract, factories.EngineerFactory(vendor=other_vendor_contract.vendor)),
        )


# -- the staffing plan --------------------------------------------------------------------------------
def test_staffing_plan_save_creates_then_replaces_its_lines(contract: Any, procurement: Any) -> None:
    plan = services.staffing_plan_save(
        contract=contract,
        actor=procurement,
        lines={"senior": Decimal("2"), "mid": Decimal("3"), "junior": None},
        note="SOW §4",
    )
    assert {line.seniority: line.headcount for line in plan.lines.all()} == {"senior": 2, "mid": 3}
    services.staffing_plan_save(
        contract=contract, actor=procurement, lines={"senior": Decimal("1.5"), "principal": Decimal("1")}
    )
    plan = StaffingPlan.objects.get()
    assert {line.seniority: line.headcount for line in plan.lines.all()} == {
        "senior": Decimal("1.5"),
        "principal": 1,
    }
    assert plan.note == "SOW §4"  # a save without a note keeps it


def test_staffing_plan_refuses_unknown_bands_and_negative_headcount(contract: Any, procurement: Any) -> None:
    with pytest.raises(ApplicationError) as unknown:
        services.staffing_plan_save(contract=contract, actor=procurement, lines={"wizard": Decimal("1")})
    assert unknown.value.field == "lines"
    with pytest.raises(ValidationError) as negative:
        services.staffing_plan_save(contract=contract, actor=procurement, lines={"senior": Decimal("-1")})
    assert "senior" in negative.value.message_dict
    assert not StaffingPlan.objects.exists()


# -- substitutions ------------------------------------------------------------------------------------
@pytest.fixture
def leaver(contract: Any) -> Any:
    return factories.AssignmentFactory(
        contract=contract,
        role="Tech lead",
        allocation_percent=80,
        key_person=True,
        billed_rate=Decimal("95.00"),
        rate_currency="EUR",
        start_date=TODAY - dt.timedelta(days=100),
    )


def _request(leaver: Any, actor: Any, **extra: Any) -> Substitution:
    data = {
        "leaver_assignment": leaver,
        "joiner": extra.pop("joiner", None) or factories.EngineerFactory(vendor=leaver.contract.vendor),
        "reason": "Moving to another client",
        "joins_on": TODAY + dt.timedelta(days=7),
        "overlap_days": 5,
        **extra,
    }
    return services.substitution_request(actor=actor, data=data)


def test_request_records_the_requester(leaver: Any, procurement: Any) -> None:
    substitution = _request(leaver, procurement)
    assert substitution.status == SubstitutionStatus.REQUESTED
    assert substitution.requested_by == procurement and substitution.contract == leaver.contract


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("joiner of another vendor", "joiner"),
        ("joiner is the leaver", "joiner"),
        ("joiner anonymised", "joiner"),
        ("leaver ended before joins_on", "joins_on"),
    ],
)
def test_request_validations(leaver: Any, procurement: Any, case: str, field: str) -> None:
    extra: dict[str, Any] = {}
    if case == "joiner of another vendor":
        extra["joiner"] = factories.EngineerFactory()
    elif case == "joiner is the leaver":
        extra["joiner"] = leaver.engineer
    elif case == "joiner anonymised":
        extra["joiner"] = factories.EngineerFactory(vendor=leaver.contract.vendor, anonymised_on=TODAY)
    else:
        Assignment.objects.filter(pk=leaver.pk).update(end_date=TODAY)
        leaver.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        _request(leaver, procurement, **extra)
    assert refused.value.field == field, refused.value.message
    assert not Substitution.objects.exists()


def test_one_open_request_per_leaver(leaver: Any, procurement: Any) -> None:
    _request(leaver, procurement)
    with pytest.raises(ValidationError, match="already has a substitution"):
        _request(leaver, procurement)


def test_approval_ends_the_leaver_and_starts_the_joiner(leaver: Any, procurement: Any) -> None:
    substitution = _request(leaver, procurement)
    owner = leaver.contract.vendor.engineering_owner
    approved = services.substitution_approve(substitution=substitution, actor=owner, note="Fine")
    assert approved.status == SubstitutionStatus.APPROVED and approved.decided_by == owner and approved.decided_at
    leaver.refresh_from_db()
    assert leaver.end_date == substitution.joins_on + dt.timedelta(days=4)  # 5 days both work on it
    joiner = approved.joiner_assignment
    assert joiner is not None and joiner.engineer == substitution.joiner and joiner.start_date == substitution.joins_on
    for name in ("role", "allocation_percent", "key_person", "billed_rate", "rate_currency"):
        assert getattr(joiner, name) == getattr(leaver, name), name
    change = StatusChange.objects.get(object_id=approved.pk, to_status="approved")
    assert change.from_status == "requested" and change.actor == owner


@pytest.mark.parametrize(("overlap", "end_offset"), [(0, -1), (1, 0), (3, 2)])
def test_leaver_end_date_follows_the_overlap(overlap: int, end_offset: int) -> None:
    leaver = Assignment(start_date=TODAY - dt.timedelta(days=30))
    assert services.substitution_leaver_end(
        leaver=leaver, joins_on=TODAY, overlap_days=overlap
    ) == TODAY + dt.timedelta(days=end_offset)
    # never before its start
    fresh = Assignment(start_date=TODAY)
    assert services.substitution_leaver_end(leaver=fresh, joins_on=TODAY, overlap_days=0) == TODAY


def test_only_the_engineering_owner_decides(leaver: Any, procurement: Any, user_with_role: Any) -> None:
    substitution = _request(leaver, procurement)
    for actor in (procurement, user_with_role("admin"), leaver.contract.vendor.delivery_owner, None):
        with pytest.raises(PermissionDeniedError, match="engineering owner"):
            services.substitution_approve(substitution=substitution, actor=actor)
    assert Substitution.objects.get().status == SubstitutionStatus.REQUESTED
    assert Assignment.objects.count() == 1


def test_refusal_needs_a_note_and_changes_no_assignment(leaver: Any, procurement: Any) -> None:
    substitution = _request(leaver, procurement)
    owner = leaver.contract.vendor.engineering_owner
    with pytest.raises(ApplicationError) as no_note:
        services.substitution_refuse(substitution=substitution, actor=owner, note="")
    assert no_note.value.field == "note"
    refused = services.substitution_refuse(substitution=substitution, actor=owner, note="Keep the lead until March")
    assert refused.status == SubstitutionStatus.REFUSED and refused.decision_note == "Keep the lead until March"
    leaver.refresh_from_db()
    assert leaver.end_date is None and Assignment.objects.count() == 1


def test_withdraw_by_requester_or_manager_only(leaver: Any, procurement: Any, user_with_role: Any) -> None:
    owner = leaver.contract.vendor.engineering_owner
    substitution = _request(leaver, owner)  # the engineering owner may request too
    with pytest.raises(PermissionDeniedError):
        services.substitution_withdraw(substitution=substitution, actor=user_with_role("executive"))
    withdrawn = services.substitution_withdraw(substitution=substitution, actor=owner, note="Changed plans")
    assert withdrawn.status == SubstitutionStatus.WITHDRAWN
    _request(leaver, procurement)  # a withdrawn request no longer blocks a new one


@pytest.mark.parametrize(
    "decided", [SubstitutionStatus.APPROVED, SubstitutionStatus.REFUSED, SubstitutionStatus.WITHDRAWN]
)
def test_a_decision_is_final(leaver: Any, procurement: Any, decided: str) -> None:
    assert SUBSTITUTION_TRANSITIONS[decided] == ()
    substitution = factories.SubstitutionFactory(leaver_assignment=leaver, status=decided)
    owner = leaver.contract.vendor.engineering_owner
    with pytest.raises(TransitionError):
        services.substitution_approve(substitution=substitution, actor=owner)
    with pytest.raises(TransitionError):
        services.substitution_refuse(substitution=substitution, actor=owner, note="No")
    with pytest.raises(TransitionError):
        services.substitution_withdraw(substitution=substitution, actor=procurement)


def test_a_stale_second_approval_is_a_conflict(leaver: Any, procurement: Any) -> None:
    substitution = _request(leaver, procurement)
    stale = Substitution.objects.get(pk=substitution.pk)
    owner = leaver.contract.vendor.engineering_owner
    services.substitution_approve(substitution=substitution, actor=owner)
    with pytest.raises(ConflictError):  # a 409: it re-reads the locked row, which is approved already
        services.substitution_approve(substitution=stale, actor=owner)
    assert Assignment.objects.count() == 2


def test_approval_refused_when_the_joiner_was_assigned_meanwhile(leaver: Any, procurement: Any) -> None:
    substitution = _request(leaver, procurement)
    factories.AssignmentFactory(contract=leaver.contract, engineer=substitution.joiner, start_date=TODAY)
    with pytest.raises(ConflictError, match="already assigned"):
        services.substitution_approve(substitution=substitution, actor=leaver.contract.vendor.engineering_owner)
    assert Substitution.objects.get().status == SubstitutionStatus.REQUESTED


@pytest.mark.django_db(transaction=True)
def test_two_racing_approvals_approve_once() -> None:
    contract = factories.ContractFactory()
    leaver = factories.AssignmentFactory(contract=contract, start_date=TODAY - dt.timedelta(days=50))
    substitution = factories.SubstitutionFactory(leaver_assignment=leaver, joins_on=TODAY + dt.timedelta(days=3))
    owner = contract.vendor.engineering_owner
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve() -> None:
        try:
            barrier.wait()
            services.substitution_approve(substitution=Substitution.objects.get(pk=substitution.pk), actor=owner)
            outcomes.append("approved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    assert Assignment.objects.filter(contract=contract).count() == 2


def test_the_engineering_owner_is_told_to_decide_and_the_requester_learns_the_decision(
    leaver: Any, procurement: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.notifications.models import Notification

    vendor = leaver.contract.vendor
    with django_capture_on_commit_callbacks(execute=False):
        substitution = _request(leaver, procurement)
    asked = Notification.objects.get(kind="substitution_requested")
    assert asked.recipient == vendor.engineering_owner
    assert asked.url == substitution.get_absolute_url() and "#team" in asked.url
    assert f"replace {leaver.engineer.name}" in asked.body and "Moving to another client" in asked.body
    with django_capture_on_commit_callbacks(execute=False):
        services.substitution_refuse(substitution=substitution, actor=vendor.engineering_owner, note="Not now")
    told = Notification.objects.filter(kind="substitution_decided")
    assert {n.recipient for n in told} == {procurement, vendor.delivery_owner} - {None}
    assert all("was refused. Note: Not now" in n.body for n in told)
