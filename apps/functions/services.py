"""Writes of the function catalogue and its sourcing decisions, and the recommendation rule."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.errors import PermissionDeniedError
from apps.core.models import PolicyException
from apps.core.services import (
    audited,
    model_create,
    model_delete,
    model_update,
    policy_exception_close,
    policy_exception_open,
    save_validated,
)
from apps.functions.choices import (
    EXCEPTION_KIND_DECISION,
    Decision,
    Recommendation,
    decision_against_recommendation,
)
from apps.functions.figures import decision_figures
from apps.functions.models import Function, SourcingDecision

# -- the recommendation rule ------------------------------------------------------------------------
# Scores run from 1 (low) to 5 (high); a score at or above HIGH_SCORE counts as "high".
HIGH_SCORE = 4
# Strategic AND sensitive both high: the work is the product and its secrets, so it stays close.
NEVER_OUTSOURCE_MIN_STRATEGIC = HIGH_SCORE
NEVER_OUTSOURCE_MIN_SENSITIVE = HIGH_SCORE
# Repeatable OR scarce (high) makes an outsourcing candidate…
OUTSOURCE_MIN_REPEATABLE = HIGH_SCORE
OUTSOURCE_MIN_SCARCE = HIGH_SCORE
# …but only while it is "not strategic": a low strategic score. A middling one (3) keeps ownership
# in-house and is hybrid, because handing over a partly differentiating function is hard to undo.
OUTSOURCE_MAX_STRATEGIC = 2

SOURCING_DECISION_PERMISSION = "functions.add_sourcingdecision"


def function_recommendation(
    *, strategic: int, sensitive: int, repeatable: int, scarce: int, velocity_critical: bool
) -> Recommendation:
    """The rule of docs/product/functions.md, first match wins: strategic and sensitive work is never outsourced; work vital
    to delivery velocity stays in-house; repeatable or scarce work that is not strategic is an
    outsourcing candidate; the rest is hybrid (keep ownership, augment capacity)."""
    if strategic >= NEVER_OUTSOURCE_MIN_STRATEGIC and sensitive >= NEVER_OUTSOURCE_MIN_SENSITIVE:
        return Recommendation.NEVER_OUTSOURCE
    if velocity_critical:
        return Recommendation.KEEP_IN_HOUSE
    if strategic <= OUTSOURCE_MAX_STRATEGIC and (
        repeatable >= OUTSOURCE_MIN_REPEATABLE or scarce >= OUTSOURCE_MIN_SCARCE
    ):
        return Recommendation.OUTSOURCE
    return Recommendation.HYBRID


def recommendation_for(function: Function) -> Recommendation:
    return function_recommendation(
        strategic=function.strategic,
        sensitive=function.sensitive,
        repeatable=function.repeatable,
        scarce=function.scarce,
        velocity_critical=function.velocity_critical,
    )


# -- the catalogue ------------------------------------------------------------------------------------
def function_create(*, actor: Any | None, data: Mapping[str, Any]) -> Function:
    return model_create(Function, actor=actor, data=data, action="function_create")


def function_update(*, instance: Function, actor: Any | None, data: Mapping[str, Any]) -> Function:
    return model_update(instance, actor=actor, data=data, action="function_update")


def function_delete(*, instance: Function, actor: Any | None) -> None:
    """A function with sourcing decisions is governance history: deleting it is refused (409)."""
    model_delete(instance, actor=actor, action="function_delete")


# -- sourcing decisions ---------------------------------------------------------------------------
def _require_decision_permission(actor: Any | None) -> None:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.has_perm(SOURCING_DECISION_PERMISSION)
    ):
        raise PermissionDeniedError("Only executives (and admins) record sourcing decisions.")


def open_decision_exceptions(function: Function) -> list[PolicyException]:
    """The function's policy exceptions for a decision against the recommendation that are not closed."""
    return list(
        PolicyException.objects.filter(
            content_type=ContentType.objects.get_for_model(Function),
            object_id=function.pk,
            kind=EXCEPTION_KIND_DECISION,
            closed_on__isnull=True,
        ).order_by("pk")
    )


def function_decide(
    *,
    function: Function,
    decision: str,
    rationale: str,
    actor: Any,
    decided_on: date | None = None,
    justification: str = "",
    review_on: date | None = None,
) -> SourcingDecision:
    """Record a sourcing decision. Earlier decisions are never edited: they are the history. The
    function's current ``decision``/``rationale`` are then those of its latest decision (by date), in
    the same transaction, so a back-dated decision does not overwrite a newer one.

    A decision that outsources more than the recommendation allows (``decision_against_recommendation``)
    is accepted only as a policy exception: it needs a ``justification`` and a future ``review_on``
    (400 on each), and opens the exception in the same transaction; the justification is the reason in
    the audit trail. When the function's current decision changes, the exception of the decision it
    replaces is closed: a new departure gets its own exception, a decision within the recommendation
    needs none.

    The decision records the figures it is made on (``figures``: what the providers registered in
    ``apps.functions.figures`` compute as of ``decided_on``, e.g. the vendors' cost against the in-house
    estimate), in the same transaction."""
    _require_decision_permission(actor)
    rationale = (rationale or "").strip()
    justification = (justification or "").strip()
    decided_on = decided_on or timezone.localdate()
    today = timezone.localdate()
    recommendation = recommendation_for(function)
    against = decision_against_recommendation(decision, recommendation)
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = f"Choose one of: {', '.join(Decision.values)}."
    if not rationale:
        errors["rationale"] = "A sourcing decision needs its rationale."
    if decided_on > today:
        errors["decided_on"] = "A decision cannot be dated in the future."
    if against:
        departure = f"“{Decision(decision).label}” goes against the recommendation “{recommendation.label}”"
        if not justification:
            errors["justification"] = f"{departure}: justify the exception."
        if review_on is None:
            errors["review_on"] = f"{departure}: give the date this exception is to be reviewed."
        elif review_on <= today:
            errors["review_on"] = "The review date must be in the future."
    if errors:
        raise ValidationError(errors)
    with audited(actor=actor, action="function_decide", reason=justification if against else None):
        # The lock serialises concurrent decisions, so the denormalised fields match the latest one.
        locked = Function.objects.select_for_update().get(pk=function.pk)
        record = save_validated(
            SourcingDecision(
                function=locked,
                decision=decision,
                rationale=rationale,
                decided_by=actor,
                decided_on=decided_on,
                # What the decision is made on (the apps above register the providers: apps.functions.figures).
                figures=decision_figures(locked, as_of=decided_on),
            )
        )
        latest = locked.decisions.order_by("-decided_on", "-created_at", "-pk").first()
        assert latest is not None
        if latest.pk == record.pk:
            # This decision is now the one in force: it supersedes the exception of the one before.
            for superseded in open_decision_exceptions(locked):
                policy_exception_close(
                    exception=superseded, actor=actor, reason="Superseded by a new decision.", check_permission=False
                )
            if against:
                policy_exception_open(
                    subject=locked,
                    kind=EXCEPTION_KIND_DECISION,
                    summary=f"{locked}: decided {Decision(decision).label.lower()}, "
                    f"recommended {recommendation.label.lower()}",
                    justification=justification,
                    review_on=review_on,
                    actor=actor,
                )
        if (locked.decision, locked.rationale) != (latest.decision, latest.rationale):
            locked.decision, locked.rationale = latest.decision, latest.rationale
            save_validated(locked)
        function.decision, function.rationale = locked.decision, locked.rationale
        function.updated_at = locked.updated_at
    return record


def function_save_with_decision(*, actor: Any, data: Mapping[str, Any], instance: Function | None = None) -> Function:
    """Create or change a function and, when ``decision``/``rationale`` are given and differ from the
    current ones, record a sourcing decision — all in one transaction, so a refused decision (no
    permission, no rationale) writes nothing at all.

    Sending back the current decision and rationale unchanged (a PUT of what was read) records nothing.
    """
    fields = dict(data)
    # Blank means "not given": a client echoing an undecided function (null decision, "" rationale)
    # decides nothing.
    decision = fields.pop("decision", None) or None
    rationale = (fields.pop("rationale", None) or "").strip() or None
    # Only for a decision against the recommendation: the exception's justification and review date.
    justification = fields.pop("justification", None) or ""
    review_on = fields.pop("review_on", None)
    deciding = decision is not None or rationale is not None
    if deciding and instance is not None:
        deciding = (decision or instance.decision, rationale or "") != (instance.decision, instance.rationale)
    if deciding:
        _require_decision_permission(actor)  # before anything is written
    with audited(actor=actor, action="function_update" if instance else "function_create"):
        if instance is None:
            function = function_create(actor=actor, data=fields)
        else:
            function = function_update(instance=instance, actor=actor, data=fields) if fields else instance
        if deciding:
            function_decide(
                function=function,
                decision=decision or function.decision,
                rationale=rationale or "",
                actor=actor,
                justification=justification,
                review_on=review_on,
            )
    return function
