"""The one place where a domain row is validated, saved and audited.

Each domain service (``vendor_create``, ``contract_update``, …) is a thin, named wrapper around these
helpers, so every write runs the same way: one transaction, ``full_clean()`` (fields, ``clean()`` and
the named constraints), the save, the audit context (who and which action) for pghistory, and side
effects only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.gates import GateReport, gate_report
from apps.core.models import PolicyException, StatusChange

ModelT = TypeVar("ModelT", bound=models.Model)


@contextmanager
def audited(*, actor: Any | None, action: str, **context: Any) -> Iterator[None]:
    """One transaction whose rows are recorded in the audit trail as ``action`` by ``actor`` (plus any
    ``context``, e.g. the ``reason`` of a consequential action)."""
    user_id = getattr(actor, "pk", None)
    extra = {name: value for name, value in context.items() if value not in (None, "")}
    with transaction.atomic(), pghistory.context(user=user_id, action=action, **extra):
        yield


def _split(instance: models.Model, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    many_to_many = {f.name for f in instance._meta.many_to_many}
    fields = {k: v for k, v in data.items() if k not in many_to_many}
    relations = {k: v for k, v in data.items() if k in many_to_many}
    return fields, relations


def save_validated(instance: ModelT, *, m2m: Mapping[str, Iterable[Any]] | None = None) -> ModelT:
    """``full_clean()`` and save inside the caller's transaction; a race on a constraint is a 409."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(
            f"This {instance._meta.verbose_name} conflicts with an existing record: {exc.__cause__ or exc}"
        ) from exc
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


def model_create(model: type[ModelT], *, actor: Any | None, data: Mapping[str, Any], action: str) -> ModelT:
    """Create one ``model`` row from ``data`` (field values, many-to-many values by field name)."""
    with audited(actor=actor, action=action):
        fields, relations = _split(model(), data)
        return save_validated(model(**fields), m2m=relations)


def model_update(instance: ModelT, *, actor: Any | None, data: Mapping[str, Any], action: str) -> ModelT:
    """Change the given fields of ``instance``; the rest stay as they are."""
    with audited(actor=actor, action=action):
        fields, relations = _split(instance, data)
        for name, value in fields.items():
            setattr(instance, name, value)
        return save_validated(instance, m2m=relations)


def model_delete(instance: models.Model, *, actor: Any | None, action: str) -> None:
    """Delete ``instance``; a governance record that others still reference is refused with a 409."""
    with audited(actor=actor, action=action):
        try:
            instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            blockers = sorted({obj._meta.verbose_name_plural for obj in exc.args[1]}) if len(exc.args) > 1 else []
            detail = f" It is still referenced by {', '.join(str(b) for b in blockers)}." if blockers else ""
            raise ConflictError(f"This {instance._meta.verbose_name} cannot be deleted.{detail}") from exc


# -- status changes, overrides and policy exceptions (apps.core.gates) ------------------------------
def status_change_record(
    *,
    subject: models.Model,
    from_status: str,
    to_status: str,
    actor: Any | None,
    reason: str = "",
    report: GateReport | None = None,
) -> StatusChange:
    """Record one lifecycle move inside the caller's transaction; an override (a report with unmet
    conditions) keeps the conditions it passed."""
    overridden = [check.as_dict() for check in report.unmet] if report is not None else []
    return save_validated(
        StatusChange(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            overridden=overridden,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    )


def overrides_clear(*, as_of: date) -> int:
    """Close the open overrides whose gate is now met, or whose record has left the status it was let
    into. Idempotent; returns how many were cleared."""
    cleared = 0
    for change in StatusChange.objects.filter(cleared_on__isnull=True).exclude(overridden=[]):
        subject = change.subject
        left = subject is None or getattr(subject, "status", None) != change.to_status
        if left or gate_report(subject, change.to_status).passed:  # type: ignore[arg-type]  # not None here
            with audited(actor=None, action="override_clear"):
                change.cleared_on = as_of
                save_validated(change)
            cleared += 1
    return cleared


def policy_exception_open(
    *, subject: models.Model, kind: str, summary: str, justification: str, review_on: date | None, actor: Any | None
) -> PolicyException:
    """Accept a departure from sourcing policy as an exception: it needs a justification and a future
    review date (a 400 on each missing one). Inside the caller's transaction."""
    errors: dict[str, str] = {}
    if not (justification or "").strip():
        errors["justification"] = "A policy exception needs its justification."
    if review_on is None:
        errors["review_on"] = "A policy exception needs a review date."
    elif review_on <= timezone.localdate():
        errors["review_on"] = "The review date must be in the future."
    if errors or review_on is None:
        raise ValidationError(errors)
    return save_validated(
        PolicyException(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            kind=kind,
            summary=summary[:300],
            justification=justification.strip(),
            review_on=review_on,
            raised_by=actor if getattr(actor, "pk", None) else None,
        )
    )


# -- the exceptions register: renewing and closing policy exceptions ---------------------------------
# Those who may pass a readiness gate (executives, admins) are those who accept departures from policy.
POLICY_EXCEPTION_PERMISSION = "core.override_gate"


def _require_exception_permission(actor: Any | None, *, exception: PolicyException, allow_raiser: bool) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError("Sign in to change a policy exception.")
    if actor.has_perm(POLICY_EXCEPTION_PERMISSION):
        return
    if allow_raiser and exception.raised_by_id is not None and exception.raised_by_id == actor.pk:
        return
    who = "executives (and admins)" if not allow_raiser else "the person who raised it, executives (and admins)"
    raise PermissionDeniedError(f"Only {who} may do this to a policy exception.")


def policy_exception_renew(
    *, exception: PolicyException, justification: str, review_on: date | None, actor: Any | None
) -> PolicyException:
    """Accept the departure for another period: a new justification and a new future review date
    (400 on each missing one); executives and admins only. A closed exception cannot be renewed (409).
    The previous justification and date stay in the audit trail; the new justification is its reason."""
    _require_exception_permission(actor, exception=exception, allow_raiser=False)
    justification = (justification or "").strip()
    errors: dict[str, str] = {}
    if not justification:
        errors["justification"] = "A renewal needs its justification."
    if review_on is None:
        errors["review_on"] = "A renewal needs a new review date."
    elif review_on <= timezone.localdate():
        errors["review_on"] = "The review date must be in the future."
    if errors or review_on is None:
        raise ValidationError(errors)
    with audited(actor=actor, action="policy_exception_renew", reason=justification):
        locked = PolicyException.objects.select_for_update().get(pk=exception.pk)
        if locked.closed_on is not None:
            raise ConflictError("This policy exception is closed: a departure needs a new exception.")
        locked.justification, locked.review_on = justification, review_on
        save_validated(locked)
    exception.justification, exception.review_on, exception.updated_at = (
        locked.justification,
        locked.review_on,
        locked.updated_at,
    )
    return exception


def policy_exception_close(
    *, exception: PolicyException, actor: Any | None, reason: str = "", check_permission: bool = True
) -> PolicyException:
    """End an exception (the departure is over, or is no longer accepted): ``closed_on`` today.
    Executives, admins and the person who raised it may close it; a service that closes it as a
    consequence of its own (already permitted) write passes ``check_permission=False`` (a new sourcing
    decision supersedes the one the exception covered). Closing a closed exception changes nothing."""
    if check_permission:
        _require_exception_permission(actor, exception=exception, allow_raiser=True)
    with audited(actor=actor, action="policy_exception_close", reason=(reason or "").strip() or None):
        locked = PolicyException.objects.select_for_update().get(pk=exception.pk)
        if locked.closed_on is None:
            locked.closed_on = timezone.localdate()
            save_validated(locked)
    exception.closed_on = locked.closed_on
    return exception
