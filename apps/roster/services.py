"""Writes of the team roster: assignments, staffing plans and substitutions (docs/architecture/roster.md).

Every function here is one transaction (``apps.core.services``): it checks who may act, validates
(``full_clean`` and the rules one row cannot see), saves and records the audit context; a refused change
writes nothing. Who may act:

- the roster (assignments, the staffing plan) is managed by procurement, administrators and the vendor's
  delivery owner (``apps.vendors.roster_access``, shared with the vendor's engineers);
- a substitution is requested by a roster manager or the vendor's engineering owner, withdrawn by its
  requester or a roster manager, and decided — approved or refused — by the vendor's **engineering owner
  only** (not an administrator, not procurement).

An approval ends the leaver's assignment after the handover overlap and starts the joiner's in the same
role, allocation, key-person standing and rate, in the same transaction; the substitution row is locked
first, so of two approvals racing, the second finds it decided and is refused with a 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, transition_require
from apps.core.formatting import format_date
from apps.core.gates import require_reason
from apps.core.services import audited, save_validated, status_change_record
from apps.notifications.choices import NotificationKind
from apps.notifications.services import notify
from apps.roster.choices import SUBSTITUTION_TRANSITIONS, SubstitutionStatus
from apps.roster.models import Assignment, StaffingPlan, StaffingPlanLine, Substitution
from apps.vendors import roster_access
from apps.vendors.choices import SeniorityBand
from apps.vendors.models import Engineer

# What an assignment's form and API may set; the engineer and the contract are fixed once it exists.
ASSIGNMENT_FIELDS = (
    "engineer",
    "contract",
    "role",
    "allocation_percent",
    "start_date",
    "end_date",
    "key_person",
    "billed_rate",
    "rate_currency",
)
ASSIGNMENT_FIXED_FIELDS = ("engineer", "contract")
# What an approved substitution's joiner takes over from the leaver's assignment.
INHERITED_FIELDS = ("role", "allocation_percent", "key_person", "billed_rate", "rate_currency")
SUBSTITUTION_REQUEST_FIELDS = ("leaver_assignment", "joiner", "reason", "joins_on", "overlap_days")


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def _label(status: str) -> str:
    return str(SubstitutionStatus(status).label).lower()


# -- who may act -------------------------------------------------------------------------------------------
def may_decide_substitution(user: Any, vendor: Any) -> bool:
    """Only ``vendor``'s engineering owner approves or refuses a substitution — not an administrator."""
    return (
        _signed_in(user)
        and vendor is not None
        and vendor.engineering_owner_id is not None
        and vendor.engineering_owner_id == user.pk
    )


def may_request_substitution(user: Any, vendor: Any) -> bool:
    """Roster managers and the vendor's engineering owner."""
    return roster_access.may_manage_roster(user, vendor) or may_decide_substitution(user, vendor)


def may_withdraw_substitution(user: Any, substitution: Substitution) -> bool:
    """The person who requested it, and roster managers."""
    requester = substitution.requested_by_id is not None and substitution.requested_by_id == getattr(user, "pk", None)
    return (requester and _signed_in(user)) or roster_access.may_manage_roster(user, substitution.contract.vendor)


def _require_engineering_owner(actor: Any, vendor: Any) -> None:
    if not may_decide_substitution(actor, vendor):
        owner = vendor.engineering_owner
        named = f" ({owner.get_full_name() or owner.get_username()})" if owner is not None else " (none is named yet)"
        raise PermissionDeniedError(
            f"Only the engineering owner of {vendor}{named} approves or refuses its substitutions."
        )


# -- assignments -------------------------------------------------------------------------------------------
def assignment_overlapping(
    *, engineer_id: int, contract_id: int, start_date: date, end_date: date | None, exclude_pk: int | None = None
) -> Assignment | None:
    """Another assignment of the engineer on the contract whose days meet ``start_date``..``end_date``."""
    overlapping = Assignment.objects.filter(engineer_id=engineer_id, contract_id=contract_id).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    return overlapping.order_by("start_date").first()


def _assignment_check(assignment: Assignment, *, new_engineer: bool) -> None:
    """The rules one assignment row cannot check itself: the engineer is of the contract's vendor, is not
    anonymised (when newly assigned), and has no other assignment on the contract over the same days.
    Call after ``full_clean`` (so the dates are dates) and with the engineer's row locked."""
    engineer, contract = assignment.engineer, assignment.contract
    if engineer.vendor_id != contract.vendor_id:
        raise ApplicationError(
            f"{engineer.name} is on the roster of {engineer.vendor}, not of {contract.vendor} (the contract's vendor).",
            field="engineer",
        )
    if new_engineer and engineer.anonymised_on is not None:
        raise ApplicationError(
            f"{engineer.name} is anonymised: an anonymised engineer cannot be assigned.", field="engineer"
        )
    other = assignment_overlapping(
        engineer_id=engineer.pk,
        contract_id=contract.pk,
        start_date=assignment.start_date,
        end_date=assignment.end_date,
        exclude_pk=assignment.pk,
    )
    if other is not None:
        until = f" to {format_date(other.end_date)}" if other.end_date else " with no end"
        raise ApplicationError(
            f"{engineer.name} is already assigned to this contract from {format_date(other.start_date)}{until}: "
            "change that assignment instead (or end it first).",
            field="start_date",
        )


def _assignment_save(assignment: Assignment, *, new_engineer: bool) -> Assignment:
    assignment.full_clean()
    # Locking the engineer serialises two writes of their assignments, so two overlapping ones cannot race in.
    Engineer.objects.select_for_update().filter(pk=assignment.engineer_id).first()
    _assignment_check(assignment, new_engineer=new_engineer)
    return save_validated(assignment)


def assignment_create(*, actor: Any | None, data: Mapping[str, Any]) -> Assignment:
    """Assign an engineer of the contract's vendor to the contract (``data``: ``ASSIGNMENT_FIELDS``).
    Refused: an engineer of another vendor or anonymised (400 on ``engineer``), an assignment of the same
    engineer on the same contract over the same days (400 on ``start_date``)."""
    fields = {name: value for name, value in data.items() if name in ASSIGNMENT_FIELDS}
    assignment = Assignment(**fields)
    contract = fields.get("contract")
    if contract is None:
        raise ApplicationError("Choose the contract.", field="contract")
    roster_access.require_roster_manager(actor, contract.vendor)
    if fields.get("engineer") is None:
        raise ApplicationError("Choose the engineer.", field="engineer")
    with audited(actor=actor, action="assignment_create"):
        return _assignment_save(assignment, new_engineer=True)


def assignment_update(*, instance: Assignment, actor: Any | None, data: Mapping[str, Any]) -> Assignment:
    """Change an assignment's role, allocation, dates, key-person flag or rate. Its engineer and contract
    stay (400): a different person is a new assignment, or a substitution."""
    roster_access.require_roster_manager(actor, instance.contract.vendor)
    for name in ASSIGNMENT_FIXED_FIELDS:
        if name in data and getattr(data[name], "pk", data[name]) != getattr(instance, f"{name}_id"):
            raise ApplicationError(
                f"An assignment keeps its {name}: add a new assignment (or request a substitution) instead.",
                field=name,
            )
    fields = {
        name: value for name, value in data.items() if name in ASSIGNMENT_FIELDS and name not in ASSIGNMENT_FIXED_FIELDS
    }
    with audited(actor=actor, action="assignment_update"):
        current = Assignment.objects.select_for_update().get(pk=instance.pk)
        for name, value in fields.items():
            setattr(current, name, value)
        saved = _assignment_save(current, new_engineer=False)
    for name in (*fields, "updated_at"):
        setattr(instance, name, getattr(saved, name))
    return instance


def assignment_end(*, assignment: Assignment, actor: Any | None, end_date: date | None, reason: str) -> Assignment:
    """End an assignment: ``end_date`` is the engineer's last day on the contract, ``reason`` (required)
    is kept in the audit trail. An assignment already ended earlier is not extended by ending it (400);
    to move an end date, edit the assignment."""
    roster_access.require_roster_manager(actor, assignment.contract.vendor)
    reason = require_reason(reason, what="Ending an assignment")
    if end_date is None:
        raise ApplicationError("Give the last day on the contract.", field="end_date")
    with audited(actor=actor, action="assignment_end", reason=reason):
        current = Assignment.objects.select_for_update().select_related("engineer", "contract").get(pk=assignment.pk)
        if end_date < current.start_date:
            raise ApplicationError(
                f"The assignment started on {format_date(current.start_date)}: it cannot end before.", field="end_date"
            )
        if current.end_date is not None and current.end_date <= end_date:
            raise ApplicationError(
                f"The assignment already ended on {format_date(current.end_date)}.", field="end_date"
            )
        current.end_date = end_date
        saved = save_validated(current)
    assignment.end_date, assignment.updated_at = saved.end_date, saved.updated_at
    return assignment


# -- staffing plans ----------------------------------------------------------------------------------------
def staffing_plan_save(
    *, contract: Any, actor: Any | None, lines: Mapping[str, Decimal | None], note: str | None = None
) -> StaffingPlan:
    """Create or replace the contract's staffing plan: ``lines`` maps a seniority band to its planned
    headcount (full-time equivalents; ``None`` or a missing band: no line for it). ``note`` (when given)
    replaces the plan's note. The key personnel are not part of the plan's row: they are the contract's
    assignments flagged ``key_person`` (``assignment_create``/``assignment_update``)."""
    roster_access.require_roster_manager(actor, contract.vendor)
    unknown = sorted(set(lines) - set(SeniorityBand.values))
    if unknown:
        raise ApplicationError(
            f"Unknown seniority band {', '.join(unknown)}; choose from {', '.join(SeniorityBand.values)}.",
            field="lines",
        )
    with audited(actor=actor, action="staffing_plan_save"):
        plan = StaffingPlan.objects.select_for_update().filter(contract=contract).first()
        if plan is None:
            plan = save_validated(StaffingPlan(contract=contract, note=(note or "").strip()))
        elif note is not None and note.strip() != plan.note:
            plan.note = note.strip()
            save_validated(plan)
        existing = {line.seniority: line for line in plan.lines.all()}
        for band in SeniorityBand.values:
            headcount = lines.get(band)
            line = existing.get(band)
            if headcount is None:
                if line is not None:
                    line.delete()
                continue
            if line is None:
                line = StaffingPlanLine(plan=plan, seniority=band, headcount=headcount)
            elif line.headcount == headcount:
                continue
            line.headcount = headcount
            try:
                save_validated(line)
            except ValidationError as exc:  # on the band it is about (the form's field of that band)
                raise ValidationError({band: exc.messages}) from exc
    return plan


# -- substitutions -----------------------------------------------------------------------------------------
def substitution_leaver_end(*, leaver: Assignment, joins_on: date, overlap_days: int) -> date:
    """The leaver's last day: the joiner's first plus the overlap, less a day (the day before the joiner's
    first without overlap), never before the leaver's start, never after an end already set."""
    end = joins_on + timedelta(days=overlap_days - 1) if overlap_days else joins_on - timedelta(days=1)
    end = max(end, leaver.start_date)
    return min(end, leaver.end_date) if leaver.end_date is not None else end


def _substitution_check(substitution: Substitution) -> None:
    """The rules of a request that one row cannot check: the joiner is another engineer of the contract's
    vendor, not anonymised, free on the contract from their first day; the leaver's assignment is still on
    when the joiner joins."""
    leaver = substitution.leaver_assignment
    joiner, contract = substitution.joiner, substitution.contract
    if joiner.vendor_id != contract.vendor_id:
        raise ApplicationError(
            f"{joiner.name} is on the roster of {joiner.vendor}, not of {contract.vendor}.", field="joiner"
        )
    if joiner.pk == leaver.engineer_id:
        raise ApplicationError("The joiner is the engineer who leaves: choose someone else.", field="joiner")
    if joiner.anonymised_on is not None:
        raise ApplicationError(f"{joiner.name} is anonymised and cannot join.", field="joiner")
    if leaver.end_date is not None and leaver.end_date < substitution.joins_on:
        raise ApplicationError(
            f"{leaver.engineer.name}'s assignment ended on {format_date(leaver.end_date)}, before the joiner's first "
            "day: there is no one to replace then.",
            field="joins_on",
        )
    if substitution.joins_on < leaver.start_date:
        raise ApplicationError(
            f"{leaver.engineer.name} starts on {format_date(leaver.start_date)}: the joiner cannot replace them before.",
            field="joins_on",
        )
    other = assignment_overlapping(
        engineer_id=joiner.pk, contract_id=contract.pk, start_date=substitution.joins_on, end_date=None
    )
    if other is not None:
        raise ApplicationError(
            f"{joiner.name} is already assigned to this contract from {format_date(other.start_date)}.",
            field="joiner",
        )


def substitution_request(*, actor: Any | None, data: Mapping[str, Any]) -> Substitution:
    """Ask to replace the engineer of ``leaver_assignment`` by ``joiner`` from ``joins_on``, with a
    ``reason`` and ``overlap_days`` of handover; the vendor's engineering owner decides. One request (or
    approval) at a time per leaving assignment (409)."""
    leaver = data.get("leaver_assignment")
    if leaver is None:
        raise ApplicationError("Choose the assignment of the engineer who leaves.", field="leaver_assignment")
    leaver = Assignment.objects.select_related("engineer", "contract__vendor").get(pk=leaver.pk)
    contract = leaver.contract
    given_contract = data.get("contract")
    if given_contract is not None and getattr(given_contract, "pk", given_contract) != contract.pk:
        raise ApplicationError("The leaving assignment is on another contract.", field="leaver_assignment")
    if not may_request_substitution(actor, contract.vendor):
        raise PermissionDeniedError(
            f"Only procurement, administrators and the delivery or engineering owner of {contract.vendor} "
            "request its substitutions."
        )
    fields = {name: value for name, value in data.items() if name in SUBSTITUTION_REQUEST_FIELDS}
    fields["leaver_assignment"] = leaver
    if fields.get("joiner") is None:
        raise ApplicationError("Choose the engineer who joins.", field="joiner")
    substitution = Substitution(
        contract=contract,
        status=SubstitutionStatus.REQUESTED,
        requested_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    with audited(actor=actor, action="substitution_request"):
        substitution.full_clean()
        _substitution_check(substitution)
        saved = save_validated(substitution)
        _notify_requested(saved, actor=actor)
        return saved


def _people(substitution: Substitution) -> str:
    leaver, joiner = substitution.leaver_assignment.engineer, substitution.joiner
    return (
        f"{leaver.name} ({leaver.get_seniority_display().lower()}) by {joiner.name} "
        f"({joiner.get_seniority_display().lower()}) as {substitution.leaver_assignment.role}"
    )


def _notify_requested(substitution: Substitution, *, actor: Any | None) -> None:
    """The engineering owner is told there is a substitution to decide (in-app, e-mail after commit)."""
    contract = substitution.contract
    who = "The system"
    if actor is not None and getattr(actor, "pk", None):
        who = actor.get_full_name() or actor.get_username()
    notify(
        recipients=[contract.vendor.engineering_owner],
        kind=NotificationKind.SUBSTITUTION_REQUESTED,
        title=f"Substitution to decide: {contract}",
        body=(
            f"{who} asks to replace {_people(substitution)} on “{contract}” from "
            f"{format_date(substitution.joins_on)}, with {substitution.overlap_days} days of handover. "
            f"Reason: {substitution.reason}"
        ),
        url=substitution.get_absolute_url(),
        dedupe_key=f"substitution-requested:{substitution.pk}",
    )


def _notify_decided(substitution: Substitution) -> None:
    """Who asked for it, and the vendor's delivery owner, learn the engineering owner's decision."""
    contract = substitution.contract
    verb = "approved" if substitution.status == SubstitutionStatus.APPROVED else "refused"
    note = f" Note: {substitution.decision_note}" if substitution.decision_note else ""
    notify(
        recipients=[substitution.requested_by, contract.vendor.delivery_owner],
        kind=NotificationKind.SUBSTITUTION_DECIDED,
        title=f"Substitution {verb}: {contract}",
        body=f"The replacement of {_people(substitution)} on “{contract}” was {verb}.{note}",
        url=substitution.get_absolute_url(),
        dedupe_key=f"substitution-decided:{substitution.pk}",
    )


def substitution_decide(
    *, substitution: Substitution, actor: Any | None, to_status: str, note: str = ""
) -> Substitution:
    """Approve or refuse a requested substitution (``SUBSTITUTION_TRANSITIONS``); only the vendor's
    engineering owner may (403). A refusal needs a note (400 on ``note``). An approval ends the leaver's
    assignment (``substitution_leaver_end``) and creates the joiner's with the leaver's role, allocation,
    key-person flag and rate, from ``joins_on``. The row is locked and re-read: a decision already taken
    (two approvals racing) is a 409."""
    if to_status not in (SubstitutionStatus.APPROVED, SubstitutionStatus.REFUSED):
        raise ApplicationError("A substitution is decided by approving or refusing it.", field="status")
    note = (note or "").strip()
    if to_status == SubstitutionStatus.REFUSED and not note:
        raise ApplicationError("Say why the substitution is refused.", field="note")
    verb = "approve" if to_status == SubstitutionStatus.APPROVED else "refuse"
    with audited(actor=actor, action=f"substitution_{verb}", reason=note):
        current = (
            Substitution.objects.select_for_update(of=("self",))
            .select_related("contract__vendor__engineering_owner", "joiner")
            .get(pk=substitution.pk)
        )
        _require_engineering_owner(actor, current.contract.vendor)
        from_status = current.status
        transition_require(SUBSTITUTION_TRANSITIONS, from_status, to_status, subject="A substitution", label=_label)
        if to_status == SubstitutionStatus.APPROVED:
            leaver = (
                Assignment.objects.select_for_update(of=("self",))
                .select_related("engineer", "contract")
                .get(pk=current.leaver_assignment_id)
            )
            current.leaver_assignment = leaver
            try:
                _substitution_check(current)
            except ApplicationError as exc:
                raise ConflictError(f"The roster changed since the request: {exc.message}", field=exc.field) from exc
            joiner_assignment = Assignment(
                engineer=current.joiner,
                contract=current.contract,
                start_date=current.joins_on,
                **{name: getattr(leaver, name) for name in INHERITED_FIELDS},
            )
            leaver.end_date = substitution_leaver_end(
                leaver=leaver, joins_on=current.joins_on, overlap_days=current.overlap_days
            )
            save_validated(leaver)
            current.joiner_assignment = _assignment_save(joiner_assignment, new_engineer=True)
        current.status = to_status
        current.decided_by = actor if getattr(actor, "pk", None) else None
        current.decided_at = timezone.now()
        current.decision_note = note
        saved = save_validated(current)
        status_change_record(subject=saved, from_status=from_status, to_status=to_status, actor=actor, reason=note)
        _notify_decided(saved)
    return saved


def substitution_approve(*, substitution: Substitution, actor: Any | None, note: str = "") -> Substitution:
    """``substitution_decide`` to approved."""
    return substitution_decide(substitution=substitution, actor=actor, to_status=SubstitutionStatus.APPROVED, note=note)


def substitution_refuse(*, substitution: Substitution, actor: Any | None, note: str) -> Substitution:
    """``substitution_decide`` to refused (a note required)."""
    return substitution_decide(substitution=substitution, actor=actor, to_status=SubstitutionStatus.REFUSED, note=note)


def substitution_withdraw(*, substitution: Substitution, actor: Any | None, note: str = "") -> Substitution:
    """Withdraw a request before it is decided: its requester or a roster manager (403 otherwise; 409
    once decided)."""
    note = (note or "").strip()
    with audited(actor=actor, action="substitution_withdraw", reason=note):
        current = (
            Substitution.objects.select_for_update(of=("self",))
            .select_related("contract__vendor")
            .get(pk=substitution.pk)
        )
        if not may_withdraw_substitution(actor, current):
            raise PermissionDeniedError(
                "Only the person who requested it, procurement, administrators and the delivery owner withdraw a "
                "substitution."
            )
        from_status = current.status
        transition_require(
            SUBSTITUTION_TRANSITIONS, from_status, SubstitutionStatus.WITHDRAWN, subject="A substitution", label=_label
        )
        current.status = SubstitutionStatus.WITHDRAWN
        current.decision_note = note
        saved = save_validated(current)
        status_change_record(
            subject=saved, from_status=from_status, to_status=SubstitutionStatus.WITHDRAWN, actor=actor, reason=note
        )
    return saved
