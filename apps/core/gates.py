"""Readiness gates: the conditions a record must meet before it may move to a status.

A gate is ``(model, to_status)`` with an ordered list of ``Condition``s. The app that owns the model
declares its own conditions next to its transition map; an app on a higher floor adds the conditions
only it can see (a vendor cannot leave while one of its *contracts* is active) through ``register``,
so no lower floor imports an upper one. Every caller (service, page, API) evaluates the same list:

- ``gate_report(obj, to_status)`` — each condition met or not, with a detail and a warning flag; the
  page shows it as a checklist *before* the button;
- ``gate_enforce(...)`` — called by the transition service inside its transaction: a gate with unmet
  blocking conditions raises ``GateError`` (409, the unmet conditions listed) unless an executive
  overrides it with a reason, which is then recorded (``apps.core.models.StatusChange.overridden``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from apps.core.errors import ApplicationError, PermissionDeniedError, TransitionError

OVERRIDE_PERMISSION = "core.override_gate"


@dataclass(frozen=True)
class Outcome:
    """What one condition found for one record. ``warning``: met, but worth a look (a *weak* clause)."""

    met: bool
    detail: str = ""
    warning: bool = False


@dataclass(frozen=True)
class Condition:
    """One condition of a gate. ``test`` takes the record (its current, locked row inside a
    transition) and returns an ``Outcome`` (or a bare ``bool``)."""

    code: str
    label: str
    test: Callable[[Any], Outcome | bool]


@dataclass(frozen=True)
class Check:
    """A condition as evaluated for one record: what the checklist shows and the 409 lists."""

    code: str
    label: str
    met: bool
    detail: str = ""
    warning: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "met": self.met, "detail": self.detail}


@dataclass(frozen=True)
class GateReport:
    to_status: str
    checks: list[Check] = field(default_factory=list)

    @property
    def unmet(self) -> list[Check]:
        return [check for check in self.checks if not check.met]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.met and check.warning]

    @property
    def passed(self) -> bool:
        return not self.unmet


_GATES: dict[tuple[str, str], list[Condition]] = {}


def _key(model: type[models.Model] | models.Model, to_status: str) -> tuple[str, str]:
    return (model._meta.label_lower, str(to_status))


def register(model: type[models.Model], to_status: str, *conditions: Condition) -> None:
    """Add ``conditions`` to the gate into ``to_status`` of ``model`` (kept in registration order; a
    condition registered twice under the same code replaces the first, so app reloads are harmless)."""
    gate = _GATES.setdefault(_key(model, to_status), [])
    for condition in conditions:
        gate[:] = [existing for existing in gate if existing.code != condition.code]
        gate.append(condition)


def conditions(model: type[models.Model] | models.Model, to_status: str) -> list[Condition]:
    return list(_GATES.get(_key(model, to_status), []))


def gate_report(obj: models.Model, to_status: str) -> GateReport:
    """Every condition of the gate into ``to_status``, evaluated for ``obj``."""
    checks = []
    for condition in conditions(obj, to_status):
        outcome = condition.test(obj)
        if isinstance(outcome, bool):
            outcome = Outcome(met=outcome)
        checks.append(
            Check(
                code=condition.code,
                label=condition.label,
                met=outcome.met,
                detail=outcome.detail,
                warning=outcome.warning,
            )
        )
    return GateReport(to_status=str(to_status), checks=checks)


class GateError(TransitionError):
    """The gate's blocking conditions are not met: a 409 that lists them."""

    default_code = "gate_unmet"

    def __init__(self, message: str, *, report: GateReport) -> None:
        super().__init__(message, field="status")
        self.report = report

    def as_dict(self) -> dict[str, Any]:
        return {"status": [self.message], "unmet": [check.as_dict() for check in self.report.unmet]}


def can_override(actor: Any | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.has_perm(OVERRIDE_PERMISSION))


def require_move_permission(
    actor: Any, obj: models.Model, to_status: str, *, override: bool, permission: str, transitions: Any, what: str
) -> None:
    """Who may ask for a lifecycle move: whoever holds the app's write ``permission``; an executive
    without it (``core.override_gate``) only to override a gate that is in fact unmet. 403 otherwise."""
    if actor.has_perm(permission):
        return
    if not can_override(actor):
        raise PermissionDeniedError(f"Your role does not allow moving {what}.")
    gate_met = to_status in transitions.get(getattr(obj, "status", None), ()) and gate_report(obj, to_status).passed
    if not override or gate_met:
        raise PermissionDeniedError(
            f"Your role moves {what} only by overriding an unmet readiness gate (override with a reason)."
        )


def clean_reason(reason: str | None) -> str:
    return (reason or "").strip()


def require_reason(reason: str | None, *, what: str) -> str:
    """The stripped reason, or a 400 on ``reason`` saying that ``what`` needs one."""
    reason = clean_reason(reason)
    if not reason:
        raise ApplicationError(f"{what} needs a reason.", field="reason")
    return reason


def gate_enforce(
    obj: models.Model, to_status: str, *, actor: Any | None, override: bool = False, reason: str = "", label: str
) -> GateReport:
    """Refuse the move of ``obj`` (its locked row) into ``to_status`` while a blocking condition is
    unmet — unless ``override``: then the actor must hold ``core.override_gate`` (executives, admins)
    and give a reason. Returns the report; the caller records an override with ``StatusChange``.

    ``label`` names the move in messages ("move this vendor to Active").
    """
    report = gate_report(obj, to_status)
    if report.passed:
        return report
    if not override:
        missing = "; ".join(check.label + (f" ({check.detail})" if check.detail else "") for check in report.unmet)
        raise GateError(f"Not ready to {label}: {missing}.", report=report)
    if not can_override(actor):
        raise PermissionDeniedError("Only an executive can override a readiness gate.")
    require_reason(reason, what="An override")
    return report
