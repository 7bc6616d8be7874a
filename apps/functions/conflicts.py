"""Policy conflicts: the ways a function can be outsourced against policy with no policy exception in
force accepting it.

``selectors.function_list`` annotates each conflict as a boolean of its own name and ``policy_conflict``
as whether any of them holds (the list's filter, the API's field and the dashboards' count); the
function page explains each one that holds, in ``order``.

The functions app declares the conflict it can see itself (``decision_conflict``, below: the current
decision goes against the recommendation). An app on a higher floor registers the ones only it can see
from its ``AppConfig.ready`` (contracts: an active contract covers a function that policy keeps
in-house, ``contract_conflict``), so functions never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.core.models import PolicyException
from apps.functions.choices import EXCEPTION_KIND_DECISION
from apps.functions.models import Function


@dataclass(frozen=True)
class PolicyConflict:
    """One kind of policy conflict.

    ``name``: the boolean annotation ``function_list`` adds. ``condition(today)``: its condition on a
    row of ``function_list``; it may read that selector's annotations (``recommended``,
    ``recommended_level``, ``decision_level``). ``reason(function)``: what the function page says when
    it holds. ``order``: the place of that explanation.
    """

    name: str
    condition: Callable[[date], Q]
    reason: Callable[[Any], str]
    order: int = 100


_CONFLICTS: dict[str, PolicyConflict] = {}


def register_conflict(conflict: PolicyConflict) -> None:
    """Add a kind of policy conflict (registering a name again replaces it)."""
    _CONFLICTS[conflict.name] = conflict


def registered_conflicts() -> list[PolicyConflict]:
    """Every kind of policy conflict, in ``order``."""
    return sorted(_CONFLICTS.values(), key=lambda conflict: (conflict.order, conflict.name))


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


# -- the conflict functions sees itself -------------------------------------------------------------
def decision_conflict_condition(today: date) -> Q:
    """The current decision outsources more than the recommendation allows, and no policy exception in
    force on the function accepts it."""
    covered = exceptions_in_force(kind=EXCEPTION_KIND_DECISION, model=Function, as_of=today).filter(
        object_id=OuterRef("pk")
    )
    return Q(decision_level__isnull=False) & Q(decision_level__gt=F("recommended_level")) & ~Q(Exists(covered))


def decision_conflict_reason(function: Any) -> str:
    return (
        "The decision goes against the recommendation and no policy exception in force accepts it: "
        "record the decision again with a justification and a review date, or decide within the "
        "recommendation."
    )


DECISION_CONFLICT = PolicyConflict(
    name="decision_conflict", condition=decision_conflict_condition, reason=decision_conflict_reason, order=200
)
register_conflict(DECISION_CONFLICT)
