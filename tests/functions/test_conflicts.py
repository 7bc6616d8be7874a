"""The kinds of policy conflict (apps.functions.conflicts): functions' own, and those the apps above
register; ``function_list``'s ``policy_conflict`` is any of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.models import Q

from apps.functions import conflicts
from apps.functions.selectors import function_list, policy_conflicts
from tests.factories import FunctionFactory

pytestmark = pytest.mark.django_db


def test_functions_declares_the_decision_conflict_itself() -> None:
    names = [conflict.name for conflict in conflicts.registered_conflicts()]
    assert "decision_conflict" in names
    assert conflicts.DECISION_CONFLICT in conflicts.registered_conflicts()


@pytest.fixture
def scarce_conflict() -> Iterator[conflicts.PolicyConflict]:
    """A throwaway kind of conflict, as an app above would register one."""
    conflict = conflicts.PolicyConflict(
        name="scarce_conflict", condition=lambda today: Q(scarce=5), reason=lambda f: f"{f} is scarce.", order=150
    )
    conflicts.register_conflict(conflict)
    yield conflict
    conflicts._CONFLICTS.pop(conflict.name)


def test_a_registered_conflict_is_annotated_and_counts_as_a_policy_conflict(
    scarce_conflict: conflicts.PolicyConflict,
) -> None:
    scarce = FunctionFactory(name="Scarce", scarce=5)
    FunctionFactory(name="Common", scarce=1)
    row = function_list().get(pk=scarce.pk)
    assert (row.scarce_conflict, row.policy_conflict) == (True, True)
    assert list(policy_conflicts()) == [scarce]
    ordered = [conflict.name for conflict in conflicts.registered_conflicts()]
    assert ordered.index("scarce_conflict") < ordered.index("decision_conflict")  # order 150 < 200
