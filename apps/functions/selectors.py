"""Reads of the function catalogue."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
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

from apps.core.models import PolicyException
from apps.functions import services as rule
from apps.functions.choices import (
    DECISION_LEVEL,
    EXCEPTION_KIND_DECISION,
    RECOMMENDATION_LEVEL,
    Recommendation,
)
from apps.functions.conflicts import registered_conflicts
from apps.functions.models import Function, SourcingDecision


def critical_function_condition() -> Q:
    """A critical function: highly strategic or highly sensitive (a score of at least the
    recommendation rule's ``HIGH_SCORE``), or vital to delivery velocity — the functions a vendor
    must not come to hold alone (the dashboards' concentration)."""
    high = rule.HIGH_SCORE
    return Q(strategic__gte=high) | Q(sensitive__gte=high) | Q(velocity_critical=True)


def recommendation_expression() -> Case:
    """``apps.functions.services.function_recommendation`` as SQL, first match wins, so lists can
    filter and count by the recommendation (tests/functions/test_category_defaults.py checks every
    profile against the Python rule)."""
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


def function_list(*, user: Any = None) -> QuerySet[Function]:
    """Functions annotated with

    - ``recommended``: the recommendation of the profile (the rule in SQL);
    - ``against_recommendation``: the current decision outsources more than the recommendation allows;
    - ``exception_until`` / ``exception_id`` / ``exception_expired``: the review date and id of the open
      (not closed) policy exception accepting that decision, and whether that date has passed (then
      it is expired and no longer covers the decision);
    - one boolean per kind of policy conflict (``apps.functions.conflicts``): ``decision_conflict``, the
      current decision is against the recommendation with no exception in force accepting it, and those
      the apps above register (contracts: ``contract_conflict``, an active contract covers a function
      decided keep in-house or recommended never outsource, and no exception in force on that contract
      accepts it);
    - ``policy_conflict``: any of them;
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
    against = Q(decision_level__gt=F("recommended_level"))
    conflicts = registered_conflicts()
    any_conflict = Q()
    for conflict in conflicts:
        any_conflict |= Q(**{conflict.name: True})
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
        **{
            conflict.name: ExpressionWrapper(conflict.condition(today), output_field=BooleanField())
            for conflict in conflicts
        },
        policy_conflict=ExpressionWrapper(any_conflict, output_field=BooleanField()),
        decided_on=Subquery(latest_decision.values("decided_on")[:1]),
    )


def policy_conflicts(*, user: Any = None) -> QuerySet[Function]:
    """The functions outsourced against policy with no exception in force accepting it (see
    ``function_list``'s ``policy_conflict``)."""
    return function_list(user=user).filter(policy_conflict=True)  # type: ignore[misc]  # an annotation


def sourcing_decision_list(*, function: Function) -> QuerySet[SourcingDecision]:
    """A function's sourcing decisions, newest first: its history."""
    return function.decisions.select_related("decided_by").order_by("-decided_on", "-created_at", "-pk")
