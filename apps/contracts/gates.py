"""The readiness gates only contracts can see, as data next to ``CONTRACT_TRANSITIONS``.

- Contract → *active*: the vendor is in pilot or active; a statement of work sits under an active
  master agreement and inside its dates; the critical clauses are present (a weak one is a warning, a
  missing one blocks); the functions it covers that policy keeps in-house are covered by an open policy
  exception.
- Vendor → *offboarding* and → *exited*: the exit plans of the vendor's contracts (the vendors app
  declares its own conditions; these are the ones a vendor cannot see from its own floor).

``register_contract_gates`` is called once, from ``ContractsConfig.ready``. Every caller (the service,
the transition page, the readiness endpoint) evaluates the same lists through ``apps.core.gates``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.utils import timezone

from apps.contracts.choices import ClauseAssessment, ClauseKind, ContractStatus
from apps.contracts.models import Contract, ExitPlanItem
from apps.core.formatting import format_date
from apps.core.gates import Condition, Outcome, register
from apps.core.models import PolicyException
from apps.functions.choices import Decision, Recommendation
from apps.functions.models import Function
from apps.functions.services import recommendation_for
from apps.vendors.choices import VendorStatus
from apps.vendors.models import Vendor

# The clauses without which an engagement cannot be governed: who owns the work, what stays secret,
# how incidents reach us, and how we get out.
CRITICAL_CLAUSES: tuple[str, ...] = (
    ClauseKind.IP_OWNERSHIP,
    ClauseKind.CONFIDENTIALITY,
    ClauseKind.SECURITY,
    ClauseKind.EXIT_TRANSITION,
)
# The vendor statuses under which a contract may be in force.
VENDOR_STATUSES_IN_FORCE: tuple[str, ...] = ("pilot", "active")
# ``apps.core.models.PolicyException.kind`` of a contract covering a function policy keeps in-house.
POLICY_EXCEPTION_KIND = "contract_covers_in_house"


# -- contract → active ------------------------------------------------------------------------------
def vendor_in_force(contract: Contract) -> Outcome:
    vendor = contract.vendor
    if vendor.status in VENDOR_STATUSES_IN_FORCE:
        return Outcome(met=True, detail=f"{vendor} is {vendor.get_status_display().lower()}")
    return Outcome(met=False, detail=f"{vendor} is {vendor.get_status_display().lower()}")


def master_agreement_active(contract: Contract) -> Outcome:
    parent = contract.parent
    if parent is None:
        return Outcome(met=True, detail="a master agreement")
    if parent.status == ContractStatus.ACTIVE:
        return Outcome(met=True, detail=f"{parent} is active")
    return Outcome(met=False, detail=f"{parent} is {parent.get_status_display().lower()}")


def dates_within_master_agreement_problem(
    *, start_date: date | None, end_date: date | None, parent: Contract | None
) -> str:
    """Why a statement of work's dates fall outside its master agreement's ('' when they fit)."""
    if parent is None or start_date is None:
        return ""
    if start_date < parent.start_date:
        return f"starts {format_date(start_date)}, before {parent} ({format_date(parent.start_date)})"
    if parent.end_date is not None:
        if end_date is None:
            return f"open-ended, but {parent} ends {format_date(parent.end_date)}"
        if end_date > parent.end_date:
            return f"ends {format_date(end_date)}, after {parent} ({format_date(parent.end_date)})"
    return ""


def within_master_agreement_dates(contract: Contract) -> Outcome:
    if contract.parent is None:
        return Outcome(met=True, detail="a master agreement")
    problem = dates_within_master_agreement_problem(
        start_date=contract.start_date, end_date=contract.end_date, parent=contract.parent
    )
    return Outcome(met=not problem, detail=problem or f"inside {contract.parent}'s term")


def _clause_condition(kind: str) -> Condition:
    label = str(ClauseKind(kind).label)

    def test(contract: Contract) -> Outcome:
        clause = contract.clauses.filter(kind=kind).first()
        assessment = clause.assessment if clause is not None else ClauseAssessment.MISSING
        if assessment == ClauseAssessment.PRESENT:
            return Outcome(met=True, detail="present")
        if assessment == ClauseAssessment.WEAK:
            note = f": {clause.note}" if clause is not None and clause.note else ""
            return Outcome(met=True, warning=True, detail=f"weak{note}")
        return Outcome(met=False, detail="missing")

    return Condition(code=f"clause_{kind}", label=f"{label} clause present", test=test)


def functions_kept_in_house(functions: Iterable[Function]) -> list[tuple[Function, str]]:
    """The functions that policy keeps in-house, each with why: decided keep in-house, or recommended
    never outsource."""
    found = []
    for function in functions:
        if getattr(function, "decision", "") == Decision.KEEP_IN_HOUSE:
            found.append((function, "decided keep in-house"))
        elif recommendation_for(function) == Recommendation.NEVER_OUTSOURCE:
            found.append((function, "recommended never outsource"))
    return found


def open_policy_exception(contract: Contract, *, as_of: date | None = None) -> PolicyException | None:
    """The contract's open policy exception for covering in-house functions: not closed, and not past
    its review date (an expired exception is a finding, not a licence)."""
    from django.contrib.contenttypes.models import ContentType

    if contract.pk is None:
        return None
    today = as_of or timezone.localdate()
    return (
        PolicyException.objects.filter(
            content_type=ContentType.objects.get_for_model(Contract),
            object_id=contract.pk,
            kind=POLICY_EXCEPTION_KIND,
            closed_on__isnull=True,
            review_on__gte=today,
        )
        .order_by("-review_on")
        .first()
    )


def in_house_functions_excepted(contract: Contract) -> Outcome:
    kept = functions_kept_in_house(contract.functions.all())
    if not kept:
        return Outcome(met=True, detail="no function policy keeps in-house")
    names = ", ".join(f"{function} ({why})" for function, why in kept)
    exception = open_policy_exception(contract)
    if exception is not None:
        until = format_date(exception.review_on)
        return Outcome(met=True, warning=True, detail=f"{names}: policy exception, to be reviewed by {until}")
    return Outcome(met=False, detail=f"{names}: needs a policy exception with a justification and a review date")


CONTRACT_ACTIVE_CONDITIONS: tuple[Condition, ...] = (
    Condition("vendor_in_force", "The vendor is in pilot or active", vendor_in_force),
    Condition("master_agreement_active", "A statement of work's master agreement is active", master_agreement_active),
    Condition(
        "within_master_agreement",
        "A statement of work's dates lie inside its master agreement's",
        within_master_agreement_dates,
    ),
    *(_clause_condition(kind) for kind in CRITICAL_CLAUSES),
    Condition(
        "policy_exception",
        "Functions policy keeps in-house are covered by an open policy exception",
        in_house_functions_excepted,
    ),
)


# -- vendor → offboarding / exited: the exit plans of its contracts -----------------------------------
def _exit_items(vendor: Vendor, contracts: Q) -> list[ExitPlanItem]:
    return list(
        ExitPlanItem.objects.filter(contracts, contract__vendor=vendor)
        .select_related("contract")
        .order_by("contract__title", "kind")
    )


def _listing(items: list[ExitPlanItem]) -> str:
    shown = "; ".join(f"{item.contract}: {item.get_kind_display()}" for item in items[:5])
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return shown + more


def exit_plan_owned(vendor: Vendor) -> Outcome:
    """Every open item of each active contract's exit plan has an owner (done or waived items need none)."""
    items = _exit_items(vendor, Q(contract__status=ContractStatus.ACTIVE))
    unowned = [item for item in items if item.owner_id is None and item.done_on is None and item.waived_on is None]
    if unowned:
        return Outcome(met=False, detail=f"no owner: {_listing(unowned)}")
    if not items:
        return Outcome(met=True, detail="no active contract")
    return Outcome(met=True, detail=f"{len(items)} item{'s' if len(items) != 1 else ''} owned")


def exit_plan_closed(vendor: Vendor) -> Outcome:
    """Every exit-plan item of each contract that was put in force (not a draft) is done or waived."""
    items = _exit_items(vendor, ~Q(contract__status=ContractStatus.DRAFT))
    open_items = [item for item in items if item.done_on is None and item.waived_on is None]
    if open_items:
        return Outcome(met=False, detail=f"not done: {_listing(open_items)}")
    return Outcome(met=True, detail="every item done or waived" if items else "no contract in force")


def no_active_contract(vendor: Vendor) -> Outcome:
    active = list(Contract.objects.filter(vendor=vendor, status=ContractStatus.ACTIVE).order_by("title"))
    if active:
        return Outcome(met=False, detail="still active: " + ", ".join(str(contract) for contract in active))
    return Outcome(met=True)


VENDOR_OFFBOARDING_CONDITIONS: tuple[Condition, ...] = (
    Condition("exit_plan_owned", "Every exit-plan item of its active contracts has an owner", exit_plan_owned),
)
VENDOR_EXITED_CONDITIONS: tuple[Condition, ...] = (
    Condition("exit_plan_closed", "Every exit-plan item is done or waived with a reason", exit_plan_closed),
    Condition("no_active_contract", "No active contract", no_active_contract),
)


def register_contract_gates() -> None:
    """Register the gates above (idempotent: ``apps.core.gates.register`` replaces by code)."""
    register(Contract, ContractStatus.ACTIVE, *CONTRACT_ACTIVE_CONDITIONS)
    register(Vendor, VendorStatus.OFFBOARDING, *VENDOR_OFFBOARDING_CONDITIONS)
    register(Vendor, VendorStatus.EXITED, *VENDOR_EXITED_CONDITIONS)
