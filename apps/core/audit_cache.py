"""Figures that take seconds to work out, kept in Django's cache until anything they are made of changes.

The version of a set of sources is the highest event id of each one's audit trail (pghistory writes an event
for every insert, update and delete, by trigger, whatever wrote it) and, for link tables that have no audit
trail (many-to-many tables), the sum of their row ids (it moves with any insert or delete). Nothing is kept
while another writing transaction is in flight: its events may carry lower ids than ones already committed.
One query when the figures are cached; the work when not. Used by the league table's scorecards
(``apps.performance.scorecards``) and costs (``apps.costs.ledger_rollup``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, models
from psycopg import sql

logger = logging.getLogger(__name__)
T = TypeVar("T")


def audit_trail(model: type[models.Model]) -> Any:
    """The pghistory event model of a tracked model (its ``events``)."""
    return model._meta.get_field("events").related_model


def sources_version(
    tracked: Sequence[type[models.Model]], links: Sequence[type[models.Model]] = ()
) -> tuple[str, bool]:
    """The version of ``tracked`` (audit-tracked models) and ``links`` (tables without an audit trail), and
    whether a value read now may be kept (no other writing transaction in flight). One query."""
    parts = [
        sql.SQL("(SELECT max(pgh_id) FROM {})").format(sql.Identifier(audit_trail(model)._meta.db_table))
        for model in tracked
    ] + [
        sql.SQL("(SELECT coalesce(sum(id), 0) FROM {})").format(sql.Identifier(model._meta.db_table)) for model in links
    ]
    statement = sql.SQL(
        # pg_stat_clear_snapshot: inside a transaction pg_stat_activity would answer as it first did.
        "SELECT pg_stat_clear_snapshot(), {}, NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = "
        "current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())"
    ).format(sql.SQL(", ").join(parts))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection))
        row = cursor.fetchone()
    assert row is not None
    return ":".join(str(value or 0) for value in row[1:-1]), bool(row[-1])


def cached_while_unchanged(
    *,
    name: str,
    key: str,
    seconds: int,
    tracked: Sequence[type[models.Model]],
    links: Sequence[type[models.Model]] = (),
    compute: Callable[[], T],
) -> T:
    """``compute()``, from the cache under ``name`` when nothing in ``tracked`` and ``links`` changed since it
    was worked out for the same ``key`` (what else it depends on: its arguments, its settings). ``seconds``
    0: always worked out. A cache that cannot be read or written is logged and worked around."""
    if not seconds:
        return compute()
    version, cacheable = sources_version(tracked, links)
    cache_key = f"{name}:{hashlib.sha256(f'{version}|{key}'.encode()).hexdigest()}"
    try:
        cached = cache.get(cache_key)
    except Exception:
        logger.warning("The %s cache could not be read.", name, exc_info=True)
        cached = None
    if cached is not None:
        return cached  # what compute() returned for this key and version
    value = compute()
    if cacheable:
        try:
            cache.set(cache_key, value, seconds)
        except Exception:
            logger.warning("The %s cache could not be written.", name, exc_info=True)
    return value
