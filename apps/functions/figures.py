"""The figures a sourcing decision is made on: a registry the apps above functions fill.

A sourcing decision records, in ``SourcingDecision.figures`` (JSON), the figures that were on the table
when it was made — the vendors' total cost of ownership against an in-house estimate, for instance. Only
an upper floor can compute them (``apps.costs`` reads the ledger), and functions never imports it: the
upper app registers a *figures provider* from its ``AppConfig.ready``, and ``function_decide`` asks every
provider registered here, in the same transaction as the decision::

    register_decision_figures(DecisionFigures(name="costs", collect=collect, describe=describe))  # costs
    record.figures = decision_figures(function, as_of=decided_on)                                   # functions

``collect(function, as_of)`` returns a JSON-serialisable mapping (or an empty one: nothing to record); the
providers' mappings are merged in the order of their names. ``describe(figures)`` says in one line what a
recorded snapshot held ("made on: …"), or "" when it holds nothing of that provider's, so the decision
history shows a snapshot without knowing its keys. Registering a name again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from apps.functions.models import Function


@dataclass(frozen=True)
class DecisionFigures:
    """One provider of a decision's figures: ``collect`` computes them, ``describe`` reads them back."""

    name: str
    collect: Callable[[Function, date], Mapping[str, Any]]
    describe: Callable[[Mapping[str, Any]], str]


_PROVIDERS: dict[str, DecisionFigures] = {}


def register_decision_figures(provider: DecisionFigures) -> None:
    """Add a provider of the figures a sourcing decision records (a name registered again is replaced)."""
    _PROVIDERS[provider.name] = provider


def registered_decision_figures() -> list[DecisionFigures]:
    return [_PROVIDERS[name] for name in sorted(_PROVIDERS)]


def decision_figures(function: Function, *, as_of: date) -> dict[str, Any]:
    """The figures a decision on ``function`` dated ``as_of`` is made on: every provider's, merged."""
    figures: dict[str, Any] = {}
    for provider in registered_decision_figures():
        figures.update(provider.collect(function, as_of))
    return figures


def describe_decision_figures(figures: Mapping[str, Any] | None) -> list[str]:
    """What a recorded snapshot says, one line per provider that recognises it; none for an empty one."""
    if not figures:
        return []
    lines = (provider.describe(figures) for provider in registered_decision_figures())
    return [line for line in lines if line]
