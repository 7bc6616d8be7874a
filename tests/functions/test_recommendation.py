"""The recommendation rule, table-driven: the outsourcing matrix of docs/product/functions.md, then each named threshold
from both sides."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from apps.functions.choices import Recommendation
from apps.functions.services import (
    NEVER_OUTSOURCE_MIN_SENSITIVE,
    NEVER_OUTSOURCE_MIN_STRATEGIC,
    OUTSOURCE_MAX_STRATEGIC,
    OUTSOURCE_MIN_REPEATABLE,
    OUTSOURCE_MIN_SCARCE,
    function_recommendation,
    recommendation_for,
)
from tests.factories import FunctionFactory


class Profile(NamedTuple):
    strategic: int
    sensitive: int
    repeatable: int
    scarce: int
    velocity_critical: bool = False


NEVER, KEEP, HYBRID, OUT = (
    Recommendation.NEVER_OUTSOURCE,
    Recommendation.KEEP_IN_HOUSE,
    Recommendation.HYBRID,
    Recommendation.OUTSOURCE,
)

# docs/product/functions.md, the outsourcing matrix the recommendation rule reproduces, as typical profiles.
DESIGN_MATRIX = [
    ("core application architecture", Profile(5, 5, 2, 2), NEVER),  # strategic differentiator
    ("CI/CD platform", Profile(3, 3, 4, 2, velocity_critical=True), KEEP),  # vital for delivery velocity
    ("customer-insight loop", Profile(5, 4, 2, 2), NEVER),  # product ownership
    ("ML models & data infrastructure", Profile(5, 5, 2, 4), NEVER),  # IP-sensitive, long-term differentiator
    ("payroll systems", Profile(1, 3, 5, 2), OUT),  # commoditised (sensitive data, yet not strategic)
    ("pen testing", Profile(2, 3, 2, 5), OUT),  # scarce skills, needs independence
    ("one-off migrations", Profile(2, 2, 4, 3), OUT),  # short-term, scopable
    ("L1 support systems", Profile(1, 2, 5, 2), OUT),  # scalable, repeatable
]

S, V, R, C = (
    NEVER_OUTSOURCE_MIN_STRATEGIC,
    NEVER_OUTSOURCE_MIN_SENSITIVE,
    OUTSOURCE_MIN_REPEATABLE,
    OUTSOURCE_MIN_SCARCE,
)
M = OUTSOURCE_MAX_STRATEGIC
LOW = 1

# Each threshold at its value and one step to the other side, everything else held where it matters.
BOUNDARIES = [
    ("strategic and sensitive at their minimums", Profile(S, V, LOW, LOW), NEVER),
    ("strategic one below its never-outsource minimum", Profile(S - 1, V, LOW, LOW), HYBRID),
    ("sensitive one below its never-outsource minimum", Profile(S, V - 1, LOW, LOW), HYBRID),
    ("strategic+sensitive beats velocity-critical", Profile(S, V, LOW, LOW, velocity_critical=True), NEVER),
    ("strategic+sensitive beats repeatable+scarce", Profile(S, V, 5, 5), NEVER),
    ("velocity-critical beats an outsourcing profile", Profile(LOW, LOW, 5, 5, velocity_critical=True), KEEP),
    ("velocity-critical just short of never-outsource", Profile(S, V - 1, LOW, LOW, velocity_critical=True), KEEP),
    ("repeatable at its minimum", Profile(M, LOW, R, LOW), OUT),
    ("repeatable one below its minimum", Profile(M, LOW, R - 1, LOW), HYBRID),
    ("scarce at its minimum", Profile(M, LOW, LOW, C), OUT),
    ("scarce one below its minimum", Profile(M, LOW, LOW, C - 1), HYBRID),
    ("strategic at the outsourcing maximum", Profile(M, LOW, 5, 5), OUT),
    ("strategic one above the outsourcing maximum", Profile(M + 1, LOW, 5, 5), HYBRID),
    ("strategic high but not sensitive, repeatable", Profile(S, LOW, 5, 5), HYBRID),
    ("nothing stands out", Profile(3, 3, 3, 3), HYBRID),
    # The same thresholds, spelled out on the 1–5 scale, so a changed constant shows up here too.
    ("repeatable and scarce but middling strategic", Profile(3, 2, 5, 5), HYBRID),
    ("repeatable, strategic 2", Profile(2, 5, 4, 1), OUT),
    ("sensitive but not strategic, nothing else", Profile(2, 5, 3, 3), HYBRID),
    ("strategic 4 and sensitive 4", Profile(4, 4, 1, 1), NEVER),
    ("strategic 4 and sensitive 3, repeatable", Profile(4, 3, 5, 5), HYBRID),
    ("everything lowest", Profile(LOW, LOW, LOW, LOW), HYBRID),
]


@pytest.mark.parametrize(
    ("label", "profile", "expected"), DESIGN_MATRIX + BOUNDARIES, ids=[r[0] for r in DESIGN_MATRIX + BOUNDARIES]
)
def test_recommendation(label: str, profile: Profile, expected: Recommendation) -> None:
    assert function_recommendation(**profile._asdict()) == expected


def test_thresholds_are_on_the_score_scale() -> None:
    for threshold in (S, V, R, C, M):
        assert 1 < threshold <= 5
    assert M < S, "a strategic score cannot both keep work close and allow outsourcing it"


@pytest.mark.django_db
def test_a_function_row_gets_the_rule_of_its_profile() -> None:
    label, profile, expected = DESIGN_MATRIX[1]
    assert recommendation_for(FunctionFactory(name=label, **profile._asdict())) == expected
