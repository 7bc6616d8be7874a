"""The one place where a domain row is validated, saved and audited.

Each domain service (``vendor_create``, ``contract_update``, …) is a thin, named wrapper around these
helpers, so every write runs the same way: one transaction, ``full_clean()`` (fields, ``clean()`` and
the named constraints), the save, the audit context (who and which action) for pghistory, and side
effects only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import pghistory
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError

from apps.core.errors import ConflictError

ModelT = TypeVar("ModelT", bound=models.Model)


@contextmanager
def audited(*, actor: Any | None, action: str) -> Iterator[None]:
    """One transaction whose rows are recorded in the audit trail as ``action`` by ``actor``."""
    user_id = getattr(actor, "pk", None)
    with transaction.atomic(), pghistory.context(user=user_id, action=action):
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
