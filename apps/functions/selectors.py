"""Reads of the function catalogue."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.functions.choices import Decision
from apps.functions.models import Function, SourcingDecision


def covered_by_active_contract() -> Exists:
    """Whether an active contract covers the function of the outer query."""
    return Exists(Contract.objects.filter(functions=OuterRef("pk"), status=ContractStatus.ACTIVE))


def critical_function_condition() -> Q:
    """A critical function: highly strategic or highly sensitive (a score of at least the
    recommendation rule's ``HIGH_SCORE``), or vital to delivery velocity — the functions a vendor
    must not come to hold alone (the dashboards' concentration)."""
    from apps.functions.services import HIGH_SCORE

    return Q(strategic__gte=HIGH_SCORE) | Q(sensitive__gte=HIGH_SCORE) | Q(velocity_critical=True)


def function_list(*, user: Any = None) -> QuerySet[Function]:
    """Functions annotated with ``policy_conflict`` (decided keep-in-house, yet an active contract
    covers them) and ``decided_on`` (the date of the latest sourcing decision). One query."""
    latest_decision = SourcingDecision.objects.filter(function=OuterRef("pk")).order_by(
        "-decided_on", "-created_at", "-pk"
    )
    return Function.objects.annotate(
        policy_conflict=ExpressionWrapper(
            Q(decision=Decision.KEEP_IN_HOUSE) & Q(covered_by_active_contract()), output_field=BooleanField()
        ),
        decided_on=Subquery(latest_decision.values("decided_on")[:1]),
    )


def policy_conflicts(*, user: Any = None) -> QuerySet[Function]:
    """The functions outsourced against policy: decided keep-in-house, covered by an active contract."""
    return function_list(user=user).filter(policy_conflict=True)  # type: ignore[misc]  # an annotation


def sourcing_decision_list(*, function: Function) -> QuerySet[SourcingDecision]:
    """A function's sourcing decisions, newest first: its history."""
    return function.decisions.select_related("decided_by").order_by("-decided_on", "-created_at", "-pk")


def function_contracts(*, function: Function, user: Any = None) -> QuerySet[Contract]:
    """The contracts that cover a function, with their vendors."""
    return function.contracts.select_related("vendor").order_by("-start_date", "title")
