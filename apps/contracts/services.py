"""Writes of contracts and their checklists (their SLA terms and breaches: ``apps.performance.services``).

Every function here is one transaction (``apps.core.services``): it validates, saves and records the
audit context (who, which action); a refused change writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.contracts.choices import (
    CONTRACT_TRANSITIONS,
    ClauseKind,
    ContractStatus,
    ExitItemKind,
    Renewal,
)
from apps.contracts.gates import (
    POLICY_EXCEPTION_KIND,
    VENDOR_STATUSES_IN_FORCE,
    dates_within_master_agreement_problem,
    functions_kept_in_house,
    open_policy_exception,
)
from apps.contracts.models import Contract, ContractClause, ExitPlanItem
from apps.core.errors import ApplicationError, TransitionError
from apps.core.formatting import format_date
from apps.core.gates import gate_enforce, require_reason
from apps.core.services import (
    audited,
    model_create,
    model_delete,
    model_update,
    policy_exception_open,
    save_validated,
    status_change_record,
)
from apps.notifications.choices import WebhookEventType
from apps.notifications.webhooks.events import contract_ref, subject_ref, vendor_ref, webhook_event_publish

logger = logging.getLogger(__name__)

CLAUSE_EDITABLE_FIELDS = ("assessment", "note")
EXIT_PLAN_ITEM_EDITABLE_FIELDS = ("owner", "done_on", "note")
# The moves that end a contract's obligations by hand: they need a reason on the record.
CONTRACT_STATUSES_NEEDING_REASON = frozenset({ContractStatus.TERMINATED, ContractStatus.EXPIRED})
# What the contract form and API send to accept a contract covering in-house functions.
EXCEPTION_FIELDS = ("exception_justification", "exception_review_on")


# -- contracts -----------------------------------------------------------------------------------
def _contract_status_label(status: str) -> str:
    return str(ContractStatus(status).label)


def contract_check_status_fits_dates(
    *, status: str, start_date: date | None, end_date: date | None, as_of: date | None = None
) -> None:
    """A contract's status must be true by date: an active one has a start date and has not ended,
    an expired one has ended. Raises ``ApplicationError`` naming the field at fault."""
    today = as_of or timezone.localdate()
    if status == ContractStatus.ACTIVE:
        if start_date is None:
            raise ApplicationError("An active contract needs a start date.", field="start_date")
        if end_date is not None and end_date < today:
            raise ApplicationError(
                f"The end date {format_date(end_date)} has passed: an active contract cannot have ended. "
                "Extend the end date first.",
                field="end_date",
            )
    if status == ContractStatus.EXPIRED and (end_date is None or end_date >= today):
        raise ApplicationError("Only a contract whose end date has passed can be expired.", field="status")


def contract_check_hierarchy(*, contract: Contract, parent: Contract | None, vendor_id: int | None) -> None:
    """What the model's ``clean()`` cannot see from one row: a master agreement that already has
    statements of work stays a master agreement, and keeps the vendor its statements of work are with."""
    if contract.pk is None:
        return
    children = Contract.objects.filter(parent_id=contract.pk)
    if parent is not None and children.exists():
        raise ApplicationError(
            "This contract is the master agreement of other contracts, so it cannot fall under another one.",
            field="parent",
        )
    if vendor_id is not None and children.exclude(vendor_id=vendor_id).exists():
        raise ApplicationError(
            "The statements of work under this master agreement are with its current vendor; the vendor cannot change.",
            field="vendor",
        )


def contract_checklists_create(*, contract: Contract) -> None:
    """Give ``contract`` the full clause checklist (every clause missing until assessed) and exit plan.
    Rows it already has are kept, so this is safe to run again."""
    ContractClause.objects.bulk_create(
        [ContractClause(contract=contract, kind=kind) for kind in ClauseKind.values], ignore_conflicts=True
    )
    ExitPlanItem.objects.bulk_create(
        [ExitPlanItem(contract=contract, kind=kind) for kind in ExitItemKind.values], ignore_conflicts=True
    )


def contract_check_in_force(
    *,
    vendor: Any,
    parent: Contract | None,
    start_date: date | None,
    end_date: date | None,
) -> None:
    """What the activation gate checks that a contract created (or edited) as active can show at once:
    the vendor is in pilot or active, a statement of work's master agreement is active and its dates
    contain the statement of work's. (The clause checklist is born *missing*, so clauses are checked
    at activation only.) Raises a ``ValidationError`` on the fields at fault."""
    errors: dict[str, str] = {}
    if vendor is not None and vendor.status not in VENDOR_STATUSES_IN_FORCE:
        errors["vendor"] = (
            f"{vendor} is {vendor.get_status_display().lower()}: a contract can be active only with a vendor "
            "in pilot or active. Save it as a draft."
        )
    if parent is not None:
        if parent.status != ContractStatus.ACTIVE:
            errors["parent"] = (
                f"The master agreement {parent} is {parent.get_status_display().lower()}: a statement of work "
                "can be active only under an active master agreement."
            )
        else:
            problem = dates_within_master_agreement_problem(start_date=start_date, end_date=end_date, parent=parent)
            if problem:
                field = "start_date" if problem.startswith("starts") else "end_date"
                errors[field] = f"A statement of work lies inside its master agreement's term; this one {problem}."
    if errors:
        raise ValidationError(errors)


def contract_accept_policy_exception(
    *, contract: Contract, exception: Mapping[str, Any], required: bool, actor: Any | None
) -> None:
    """A contract covering functions policy keeps in-house (decided keep in-house, or recommended never
    outsource) is accepted only as a policy exception with a justification and a review date.

    ``required``: the contract is (or becomes) active, so without an open exception it is refused on
    the exception fields. A draft may be saved without one (its activation gate asks for it); when the
    fields are given anyway, the exception is opened now. Inside the caller's transaction."""
    kept = functions_kept_in_house(contract.functions.all())
    justification = (exception.get("exception_justification") or "").strip()
    review_on = exception.get("exception_review_on")
    if not kept or open_policy_exception(contract) is not None:
        return
    if not required and not (justification or review_on):
        return
    names = ", ".join(f"{function} ({why})" for function, why in kept)
    errors: dict[str, str] = {}
    if not justification:
        errors["exception_justification"] = (
            f"This contract covers {names}: it is accepted only as a policy exception with a justification."
        )
    if review_on is None:
        errors["exception_review_on"] = f"This contract covers {names}: the policy exception needs a review date."
    if errors:
        raise ValidationError(errors)
    try:
        policy_exception_open(
            subject=contract,
            kind=POLICY_EXCEPTION_KIND,
            summary=f"{contract} covers {names}",
            justification=justification,
            review_on=review_on,
            actor=actor,
        )
    except ValidationError as exc:
        raise ValidationError({f"exception_{field}": messages for field, messages in exc.message_dict.items()}) from exc


def _split_exception(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = {k: v for k, v in data.items() if k not in EXCEPTION_FIELDS}
    exception = {k: v for k, v in data.items() if k in EXCEPTION_FIELDS}
    return fields, exception


def contract_create(*, actor: Any | None, data: Mapping[str, Any]) -> Contract:
    """A new contract (status ``draft`` unless given, and true by date) with its full clause checklist
    and exit plan, in one transaction. Created *active*, it must already meet what the activation gate
    can check at creation (vendor in force, master agreement active and containing its dates) and,
    covering in-house functions, come with its policy exception (``exception_justification``,
    ``exception_review_on``)."""
    fields, exception = _split_exception(data)
    with audited(actor=actor, action="contract_create"):
        contract = model_create(Contract, actor=actor, data=fields, action="contract_create")
        # After full_clean, so the dates are dates; raising here rolls the insert back.
        contract_check_status_fits_dates(
            status=contract.status, start_date=contract.start_date, end_date=contract.end_date
        )
        active = contract.status == ContractStatus.ACTIVE
        if active:
            contract_check_in_force(
                vendor=contract.vendor,
                parent=contract.parent,
                start_date=contract.start_date,
                end_date=contract.end_date,
            )
        contract_accept_policy_exception(contract=contract, exception=exception, required=active, actor=actor)
        contract_checklists_create(contract=contract)
    return contract


def contract_update(*, instance: Contract, actor: Any | None, data: Mapping[str, Any]) -> Contract:
    """Change a contract's terms; its status changes only through ``contract_transition``. An active
    contract stays consistent: a new vendor, master agreement or dates must still let it be in force,
    and functions policy keeps in-house need their policy exception."""
    if "status" in data and data["status"] != instance.status:
        raise ApplicationError(
            "The status changes through a transition (POST contracts/{id}/transition/), not an edit.", field="status"
        )
    fields, exception = _split_exception({k: v for k, v in data.items() if k != "status"})
    parent = fields.get("parent", instance.parent)
    vendor = fields.get("vendor")
    contract_check_hierarchy(
        contract=instance, parent=parent, vendor_id=vendor.pk if vendor is not None else instance.vendor_id
    )
    if "renewal_term_months" in fields and fields["renewal_term_months"] is not None:
        fields["renewal_term_days"] = None  # a term chosen in months replaces one remembered in days
    active = instance.status == ContractStatus.ACTIVE
    in_force_fields = ("vendor", "parent", "start_date", "end_date")
    moved = any(name in fields and fields[name] != getattr(instance, name) for name in in_force_fields)
    with audited(actor=actor, action="contract_update"):
        contract = model_update(instance, actor=actor, data=fields, action="contract_update")
        if active and moved:
            contract_check_in_force(
                vendor=contract.vendor,
                parent=contract.parent,
                start_date=contract.start_date,
                end_date=contract.end_date,
            )
        contract_accept_policy_exception(contract=contract, exception=exception, required=active, actor=actor)
    return contract


def contract_delete(*, instance: Contract, actor: Any | None) -> None:
    """Delete a contract with its checklists; refused (409) while SLA terms, measurements or statements
    of work still reference it."""
    model_delete(instance, actor=actor, action="contract_delete")


def contract_transition(
    *,
    contract: Contract,
    to_status: str,
    actor: Any | None,
    reason: str = "",
    override: bool = False,
    as_of: date | None = None,
) -> Contract:
    """Activate, expire, terminate or re-activate (renew) a contract, as ``CONTRACT_TRANSITIONS`` allows.

    The row is locked and its status re-read, so two concurrent transitions cannot both start from the
    same status. Activation passes the readiness gate (``apps.contracts.gates``: 409 listing what is
    unmet) unless an executive overrides it with a reason; terminating or expiring by hand needs a
    reason (400 on ``reason``). Every move is recorded as a ``StatusChange`` with its reason (and, for
    an override, the conditions it passed). Returns the saved contract (``contract`` itself is left as
    it was given).
    """
    today = as_of or timezone.localdate()
    if to_status not in ContractStatus.values:
        raise ApplicationError(
            f"Unknown status “{to_status}”; choose one of {', '.join(ContractStatus.values)}.", field="status"
        )
    reason = (reason or "").strip()
    with audited(actor=actor, action=f"contract_transition_{to_status}", reason=reason):
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        from_status = current.status
        allowed = CONTRACT_TRANSITIONS[from_status]
        if to_status not in allowed:
            options = ", ".join(_contract_status_label(s) for s in allowed) or "nowhere (it is final)"
            raise TransitionError(
                f"A contract cannot go from {_contract_status_label(from_status)} to "
                f"{_contract_status_label(to_status)}; from {_contract_status_label(from_status)} "
                f"it can go to: {options}.",
                field="status",
            )
        renewing = from_status == ContractStatus.EXPIRED and to_status == ContractStatus.ACTIVE
        if renewing and (current.end_date is None or current.end_date <= today):
            raise TransitionError(
                "Re-activating an expired contract needs an end date in the future: extend it first.",
                field="end_date",
            )
        try:
            contract_check_status_fits_dates(
                status=to_status, start_date=current.start_date, end_date=current.end_date, as_of=today
            )
        except ApplicationError as exc:
            raise TransitionError(exc.message, field=exc.field) from exc
        if to_status in CONTRACT_STATUSES_NEEDING_REASON:
            verb = "Terminating" if to_status == ContractStatus.TERMINATED else "Marking expired"
            require_reason(reason, what=f"{verb} a contract")
        report = gate_enforce(
            current,
            to_status,
            actor=actor,
            override=override,
            reason=reason,
            label="activate this contract" if to_status == ContractStatus.ACTIVE else f"move it to {to_status}",
        )
        current.status = to_status
        saved = save_validated(current)
        change = status_change_record(
            subject=saved, from_status=from_status, to_status=to_status, actor=actor, reason=reason, report=report
        )
        _publish_status_changed(saved, from_status=from_status, actor=actor, reason=reason, key=f"change:{change.pk}")
        return saved


def _publish_status_changed(contract: Contract, *, from_status: str, actor: Any | None, reason: str, key: str) -> None:
    """``contract.status_changed`` for the webhook endpoints that subscribe (inside the caller's transaction)."""
    moved_by = f" by {actor}" if getattr(actor, "pk", None) else ""
    summary = (
        f"“{contract.title}” with {contract.vendor} went from {_contract_status_label(from_status)} to "
        f"{_contract_status_label(contract.status)}{moved_by}."
    ) + (f" Reason: {reason}" if reason else "")
    webhook_event_publish(
        event_type=WebhookEventType.CONTRACT_STATUS_CHANGED,
        data={
            "title": f"Contract {_contract_status_label(contract.status).lower()}: {contract.title}",
            "summary": summary,
            "url": contract.get_absolute_url(),
            "subject": subject_ref("contract", contract.pk),
            "vendor": vendor_ref(contract.vendor),
            "contract": contract_ref(contract),
            "from_status": from_status,
            "to_status": contract.status,
            "reason": reason,
            "actor": actor.get_username() if actor is not None and getattr(actor, "pk", None) else None,
        },
        dedupe_key=f"contract.status_changed:{contract.pk}:{key}",
    )


# -- status by date and automatic renewal ----------------------------------------------------------
@dataclass(frozen=True)
class ContractTerm:
    """The length of a contract term: whole months (calendar-aware) or, when it is not, days."""

    months: int | None = None
    days: int | None = None


def contract_term_of(*, start_date: date, end_date: date) -> ContractTerm:
    """The term from ``start_date`` to ``end_date`` inclusive. Whole months when the dates align to
    month boundaries (1 Jan–31 Dec, or 15 Jan–14 Apr), so a renewal keeps them aligned; else days."""
    day_after = end_date + timedelta(days=1)
    months = (day_after.year - start_date.year) * 12 + day_after.month - start_date.month
    if months >= 1 and start_date + relativedelta(months=months) == day_after:
        return ContractTerm(months=months)
    return ContractTerm(days=(day_after - start_date).days)


def contract_renewal_term(contract: Contract) -> ContractTerm:
    """The term an automatic renewal adds: the one chosen or remembered on the contract, else the
    original term (its dates before any renewal)."""
    if contract.renewal_term_months:
        return ContractTerm(months=contract.renewal_term_months)
    if contract.renewal_term_days:
        return ContractTerm(days=contract.renewal_term_days)
    assert contract.end_date is not None
    return contract_term_of(start_date=contract.start_date, end_date=contract.end_date)


def contract_renewed_end_date(*, start_date: date, end_date: date, term: ContractTerm) -> date:
    """The end date after one renewal by ``term``. Month terms are counted from the start date, so a
    term ending on the 31st does not drift to the 28th after a February."""
    if term.months is None:
        return end_date + timedelta(days=term.days or 0)
    day_after = end_date + timedelta(days=1)
    elapsed = contract_term_of(start_date=start_date, end_date=end_date).months
    if elapsed is not None:
        return start_date + relativedelta(months=elapsed + term.months) - timedelta(days=1)
    return day_after + relativedelta(months=term.months) - timedelta(days=1)


def contract_renew(*, contract: Contract, as_of: date) -> Contract:
    """Renew an automatically renewing contract by whole renewal terms until it runs through ``as_of``;
    the first renewal remembers the original term, so later ones add the same length."""
    assert contract.end_date is not None
    term = contract_renewal_term(contract)
    if contract.renewal_term_months is None and contract.renewal_term_days is None:
        contract.renewal_term_months, contract.renewal_term_days = term.months, term.days
    end_date = contract.end_date
    while end_date < as_of:
        end_date = contract_renewed_end_date(start_date=contract.start_date, end_date=end_date, term=term)
    contract.end_date = end_date
    return save_validated(contract)  # cancel_by follows in Contract.save()


def contract_sync_status_by_date(*, as_of: date) -> dict[str, int]:
    """Keep status true by date: active contracts past their end date expire, except automatically
    renewing ones, which renew. Idempotent: a second run for the same day changes nothing.

    Each contract is its own transaction (locked while it changes), so one row that no longer
    validates is logged and counted in ``failed`` without holding back the others.
    """
    counts = {"expired": 0, "renewed": 0, "failed": 0}
    due = Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=as_of).values_list("pk", flat=True)
    for pk in list(due):
        try:
            with audited(actor=None, action="contract_sync_status_by_date"):
                contract = (
                    Contract.objects.select_for_update()
                    .filter(pk=pk, status=ContractStatus.ACTIVE, end_date__lt=as_of)
                    .first()
                )
                if contract is None:  # changed since it was listed
                    continue
                if contract.renewal == Renewal.AUTOMATIC:
                    contract_renew(contract=contract, as_of=as_of)
                    counts["renewed"] += 1
                else:
                    contract.status = ContractStatus.EXPIRED
                    save_validated(contract)
                    _publish_status_changed(
                        contract,
                        from_status=ContractStatus.ACTIVE,
                        actor=None,
                        reason=f"Its end date ({contract.end_date}) has passed.",
                        key=f"by-date:{as_of}",
                    )
                    counts["expired"] += 1
        except (ApplicationError, ValidationError):
            logger.exception("Contract %s could not be brought up to date as of %s", pk, as_of)
            counts["failed"] += 1
    return counts


# -- checklists ---------------------------------------------------------------------------------------
def clause_update(*, instance: ContractClause, actor: Any | None, data: Mapping[str, Any]) -> ContractClause:
    """Assess one clause of the checklist (present / weak / missing) with a note."""
    fields = {k: v for k, v in data.items() if k in CLAUSE_EDITABLE_FIELDS}
    return model_update(instance, actor=actor, data=fields, action="clause_update")


def exit_plan_item_update(*, instance: ExitPlanItem, actor: Any | None, data: Mapping[str, Any]) -> ExitPlanItem:
    """Name the owner of one exit-plan item, the date it was done and a note."""
    fields = {k: v for k, v in data.items() if k in EXIT_PLAN_ITEM_EDITABLE_FIELDS}
    return model_update(instance, actor=actor, data=fields, action="exit_plan_item_update")


def exit_plan_item_waive(*, instance: ExitPlanItem, actor: Any | None, reason: str) -> ExitPlanItem:
    """Waive an exit-plan item that does not apply (nothing to hand back), with its reason: it then
    counts as closed for the vendor's exit."""
    reason = require_reason(reason, what="Waiving an exit-plan item")
    with audited(actor=actor, action="exit_plan_item_waive", reason=reason):
        current = ExitPlanItem.objects.select_for_update().get(pk=instance.pk)
        if current.done_on is not None:
            raise TransitionError("This exit-plan item is already done.", field="done_on")
        current.waived_on = timezone.localdate()
        current.waived_by = actor if getattr(actor, "pk", None) else None
        current.waiver_reason = reason
        return save_validated(current)
