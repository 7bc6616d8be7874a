"""Reads of the function catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.models import PolicyException
from apps.functions.choices import (
    DECISION_LEVEL,
    EXCEPTION_KIND_CONTRACT,
    EXCEPTION_KIND_DECISION,
    RECOMMENDATION_LEVEL,
    Decision,
    Recommendation,
)
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


def recommendation_expression() -> Case:
    """``apps.functions.services.function_recommendation`` as SQL, first match wins, so lists can
    filter and count by the recommendation (tests/functions/test_category_defaults.py checks every
    profile against the Python rule)."""
    from apps.functions import services as rule

    return Case(
        When(
            Q(strategic__gte=rule.NEVER_OUTSOURCE_MIN_STRATEGIC, sensitive__gte=rule.NEVER_OUTSOURCE_MIN_SENSITIVE),
            then=Value(Recommendation.NEVER_OUTSOURCE.value),
        ),
        When(velocity_critical=True, then=Value(Recommendation.KEEP_IN_HOUSE.value)),
        When(
            Q(strategic__lte=rule.OUTSOURCE_MAX_STRATEGIC)
            & (Q(repeatable__gte=rule.OUTSOURCE_MIN_REPEATABLE) | Q(scarce__gte=rule.OUTSOURCE_MIN_SCARCE)),
            then=Value(Recommendation.OUTSOURCE.value),
        ),
        default=Value(Recommendation.HYBRID.value),
        output_field=CharField(),
    )


def _level(expression: Any, levels: dict[str, int]) -> Case:
    return Case(
        *(When(Q(**{expression: value}), then=Value(level)) for value, level in levels.items()),
        default=Value(None),
        output_field=IntegerField(),
    )


def exceptions_in_force(*, kind: str, model: type[Any], as_of: date | None = None) -> QuerySet[PolicyException]:
    """Policy exceptions of ``kind`` on rows of ``model`` that cover their departure as of the day: not
    closed and not past their review date (an expired exception no longer covers anything)."""
    # By the content type's natural key (a join), not its id: no lookup query on a cold cache.
    return PolicyException.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        kind=kind,
        closed_on__isnull=True,
        review_on__gte=as_of or timezone.localdate(),
    )


def function_list(*, user: Any = None) -> QuerySet[Function]:
    """Functions annotated with

    - ``recommended``: the recommendation of the profile (the rule in SQL);
    - ``against_recommendation``: the current decision outsources more than the recommendation allows;
    - ``exception_until`` / ``exception_id`` / ``exception_expired``: the review date and id of the open
      (not closed) policy exception accepting that decision, and whether that date has passed (then
      it is expired and no longer covers the decision);
    - ``contract_conflict``: an active contract covers a function decided keep in-house or recommended
      never outsource, and no exception in force on that contract accepts it;
    - ``decision_conflict``: the current decision is against the recommendation with no exception in
      force accepting it;
    - ``policy_conflict``: either of the two;
    - ``decided_on``: the date of the latest sourcing decision.

    One query."""
    today = timezone.localdate()
    latest_decision = SourcingDecision.objects.filter(function=OuterRef("pk")).order_by(
        "-decided_on", "-created_at", "-pk"
    )
    open_decision_exception = PolicyException.objects.filter(
        content_type__app_label=Function._meta.app_label,
        content_type__model=Function._meta.model_name,
        object_id=OuterRef("pk"),
        kind=EXCEPTION_KIND_DECISION,
        closed_on__isnull=True,
    ).order_by("-review_on", "-pk")
    contract_uncovered = Contract.objects.filter(functions=OuterRef("pk"), status=ContractStatus.ACTIVE).exclude(
        Exists(
            exceptions_in_force(kind=EXCEPTION_KIND_CONTRACT, model=Contract, as_of=today).filter(
                object_id=OuterRef("pk")
            )
        )
    )
    decision_covered = exceptions_in_force(kind=EXCEPTION_KIND_DECISION, model=Function, as_of=today).filter(
        object_id=OuterRef("pk")
    )
    against = Q(decision_level__gt=F("recommended_level"))
    return Function.objects.annotate(
        recommended=recommendation_expression(),
        recommended_level=_level("recommended", RECOMMENDATION_LEVEL),
        decision_level=_level("decision", DECISION_LEVEL),
        against_recommendation=ExpressionWrapper(
            Q(decision_level__isnull=False) & against, output_field=BooleanField()
        ),
        exception_until=Subquery(open_decision_exception.values("review_on")[:1]),
        exception_id=Subquery(open_decision_exception.values("pk")[:1]),
        exception_expired=ExpressionWrapper(Q(exception_until__lt=today), output_field=BooleanField()),
        contract_conflict=ExpressionWrapper(
            (Q(decision=Decision.KEEP_IN_HOUSE) | Q(recommended=Recommendation.NEVER_OUTSOURCE))
            & Q(Exists(contract_uncovered)),
            output_field=BooleanField(),
        ),
        decision_conflict=ExpressionWrapper(
            Q(decision_level__isnull=False) & against & ~Q(Exists(decision_covered)), output_field=BooleanField()
        ),
        policy_conflict=ExpressionWrapper(
            Q(contract_conflict=True) | Q(decision_conflict=True), output_field=BooleanField()
        ),
        decided_on=Subquery(latest_decision.values("decided_on")[:1]),
    )


def policy_conflicts(*, user: Any = None) -> QuerySet[Function]:
    """The functions outsourced against policy with no exception in force accepting it (see
    ``function_list``'s ``policy_conflict``)."""
    return function_list(user=user).filter(policy_conflict=True)  # type: ignore[misc]  # an annotation


def sourcing_decision_list(*, function: Function) -> QuerySet[SourcingDecision]:
    """A function's sourcing decisions, newest first: its history."""
    return function.decisions.select_related("decided_by").order_by("-decided_on", "-created_at", "-pk")


def function_contracts(*, function: Function, user: Any = None) -> QuerySet[Contract]:
    """The contracts that cover a function, with their vendors."""
    return function.contracts.select_related("vendor").order_by("-start_date", "title")
