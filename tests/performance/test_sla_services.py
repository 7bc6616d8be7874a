"""SLA-term and breach services: the term rules, CRUD and deletion refused once evaluated, every
breach transition with its stamps, reasons and audit trail."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.errors import ApplicationError, ConflictError, TransitionError
from apps.core.models import StatusChange
from apps.performance import services
from apps.performance.choices import BREACH_TRANSITIONS, BreachStatus
from apps.performance.models import Breach, SlaTerm
from tests.factories import (
    BreachFactory,
    ContractFactory,
    KpiDefinitionFactory,
    SlaEvaluationFactory,
    SlaTermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# -- helpers ----------------------------------------------------------------------------------------
def events_of(model: type[models.Model], pk: Any) -> list[Any]:
    """The pghistory events of one row, oldest first."""
    event_model = model.pgh_event_models["insert"]
    return list(event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context").order_by("pgh_id"))


def event_count(model: type[models.Model]) -> int:
    return model.pgh_event_models["insert"].objects.count()


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored column values of ``obj``, to prove a refused write changed nothing."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


# -- SLA terms ------------------------------------------------------------------------------------------
def sla_data(**overrides: Any) -> dict[str, Any]:
    direction = "higher" if overrides.get("comparator") == "gte" else "lower"
    return {
        "contract": ContractFactory(),
        "area": "quality",
        "kpi": KpiDefinitionFactory(direction=direction),
        "comparator": "lte",
        "target": Decimal("2"),
        "window": "month",
        **overrides,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"window": "rolling"},  # without its number of days
        {"window": "quarter", "window_days": 90},
        {"comparator": "lte", "target": Decimal("2"), "warning_target": Decimal("3")},
        {"comparator": "gte", "target": Decimal("95"), "warning_target": Decimal("90")},
        {"credit_percent": Decimal("101")},
    ],
)
def test_sla_term_rules(overrides: dict[str, Any]) -> None:
    data = sla_data(**overrides)
    with pytest.raises(ValidationError):
        services.sla_term_create(actor=None, data=data)
    assert SlaTerm.objects.count() == 0


def test_sla_term_crud_and_delete_refused_with_evaluations() -> None:
    term = services.sla_term_create(actor=None, data=sla_data(window="rolling", window_days=30))
    services.sla_term_update(instance=term, actor=None, data={"target": Decimal("1.5")})
    assert SlaTerm.objects.get(pk=term.pk).target == Decimal("1.5")
    SlaEvaluationFactory(term=term)
    with pytest.raises(ConflictError, match="SLA evaluations"):
        services.sla_term_delete(instance=term, actor=None)
    assert SlaTerm.objects.filter(pk=term.pk).exists()
    fresh = SlaTermFactory()
    services.sla_term_delete(instance=fresh, actor=None)
    assert not SlaTerm.objects.filter(pk=fresh.pk).exists()


# -- breaches ------------------------------------------------------------------------------------------
BREACH_MOVES: dict[str, Callable[[Breach, Any], Breach]] = {
    "acknowledged": lambda breach, actor: services.breach_acknowledge(breach=breach, actor=actor),
    "resolved": lambda breach, actor: services.breach_resolve(breach=breach, actor=actor, reason="Root cause fixed."),
    "waived": lambda breach, actor: services.breach_waive(breach=breach, actor=actor, reason="Our own outage."),
    "retracted": lambda breach, actor: services.breach_retract(breach=breach, actor=actor),
    "open": lambda breach, actor: services.breach_reopen(breach=breach, actor=actor),
}
BREACH_REASONS = {"resolved": "Root cause fixed.", "waived": "Our own outage."}
STAMPS = {
    "acknowledged": ("acknowledged_at", "acknowledged_by"),
    "resolved": ("resolved_at", "resolved_by"),
    "waived": ("waived_at", "waived_by"),
    "retracted": ("retracted_at", None),
}


@pytest.mark.parametrize(
    ("start", "target"), [p for p in itertools.product(BreachStatus.values, repeat=2) if p[0] != p[1]]
)
def test_every_breach_transition(start: str, target: str) -> None:
    breach = BreachFactory(status=start, waiver_reason="earlier" if start == "waived" else "")
    actor = UserFactory(role="executive")
    if target in BREACH_TRANSITIONS[start]:
        moved = BREACH_MOVES[target](breach, actor)
        stored = Breach.objects.get(pk=breach.pk)
        assert moved.status == stored.status == target
        at, by = STAMPS.get(target, (None, None))
        if at:
            assert getattr(stored, at) is not None
        if by:
            assert getattr(stored, f"{by}_id") == actor.pk
        event = events_of(Breach, breach.pk)[-1]
        reason = BREACH_REASONS.get(target)
        assert event.pgh_context.metadata == {
            "user": actor.pk,
            "action": f"breach_{target}",
            **({"reason": reason} if reason else {}),
        }
        # A person's decision is on the record as a status change; the engine's moves are not.
        changes = StatusChange.objects.filter(object_id=breach.pk, content_type__model="breach")
        if target in {"acknowledged", "resolved", "waived"}:
            assert [(c.from_status, c.to_status, c.reason) for c in changes] == [(start, target, reason or "")]
        else:
            assert not changes.exists()
    else:
        before, events = snapshot(breach), event_count(Breach)
        with pytest.raises(TransitionError) as caught:
            BREACH_MOVES[target](breach, actor)
        assert caught.value.status_code == 409
        assert (snapshot(breach), event_count(Breach)) == (before, events)


def test_waiver_needs_a_reason_and_stamps_who_and_why() -> None:
    cto = UserFactory(role="executive")
    breach = BreachFactory()
    before = snapshot(breach)
    for empty in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            services.breach_waive(breach=breach, actor=cto, reason=empty)
        assert (caught.value.field, caught.value.status_code) == ("reason", 400)
    assert snapshot(breach) == before
    waived = services.breach_waive(breach=breach, actor=cto, reason="  Our own outage.  ")
    assert (waived.waived_by, waived.waiver_reason, waived.status) == (cto, "Our own outage.", "waived")


def test_resolution_needs_a_reason_kept_as_its_note() -> None:
    manager = UserFactory(role="engineering_manager")
    breach = BreachFactory()
    before = snapshot(breach)
    for empty in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            services.breach_resolve(breach=breach, actor=manager, reason=empty)
        assert (caught.value.field, caught.value.status_code) == ("reason", 400)
    assert snapshot(breach) == before
    assert not StatusChange.objects.exists()


def test_resolution_keeps_its_note_and_reopening_clears_the_retraction() -> None:
    manager = UserFactory(role="engineering_manager")
    resolved = services.breach_resolve(breach=BreachFactory(), actor=manager, reason="Hotfix released.")
    assert (resolved.resolution_note, resolved.resolved_by) == ("Hotfix released.", manager)
    retracted = services.breach_retract(breach=BreachFactory())
    assert retracted.retracted_at is not None
    reopened = services.breach_reopen(breach=retracted)
    assert (reopened.status, reopened.retracted_at) == ("open", None)
