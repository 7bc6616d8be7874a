"""What a set of audit-tracked sources looks like now: how stored figures (``apps.core.rollups``) and
cached ones (``cached_by_version``) tell that anything they are made of changed.

The version of a set of sources is the highest event id of each one's audit trail (pghistory writes an event
for every insert, update and delete, by trigger, whatever wrote it) and, for link tables that have no audit
trail (many-to-many tables), the sum of their row ids (it moves with any insert or delete). Nothing is kept
while another writing transaction is in flight (a session's, or a background worker's; autovacuum's are not
writers of ours): its events may carry lower ids than ones already committed.
One query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, models
from psycopg import sql

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A cached value's key names the version it was worked out at, so a value is never stale; old keys
# expire after a day so that the cache does not keep them.
CACHED_BY_VERSION_SECONDS = 24 * 60 * 60


def audit_trail(model: type[models.Model]) -> Any:
    """The pghistory event model of a tracked model (its ``events``)."""
    return model._meta.get_field("events").related_model


def audit_heads(
    tracked: Sequence[type[models.Model]],
    links: Sequence[type[models.Model]] = (),
    *,
    extra: sql.Composable | None = None,
) -> tuple[list[int], bool, Any]:
    """The highest event id of each of ``tracked`` (audit-tracked models; 0 for an empty trail), the row-id
    sum of each of ``links`` (tables without an audit trail), in that order, whether no other writing
    transaction is in flight (so a value read now may be kept), and ``extra`` (a scalar subquery read in
    the same statement, or None). One query."""
    parts = [
        sql.SQL("(SELECT coalesce(max(pgh_id), 0) FROM {})").format(sql.Identifier(audit_trail(model)._meta.db_table))
        for model in tracked
    ] + [
        sql.SQL("(SELECT coalesce(sum(id), 0) FROM {})").format(sql.Identifier(model._meta.db_table)) for model in links
    ]
    statement = sql.SQL(
        # pg_stat_clear_snapshot: inside a transaction pg_stat_activity would answer as it first did. An
        # autovacuum worker is no writer here: its ANALYZE takes a transaction id to store its statistics,
        # but it writes no audit event, and counting it would leave the marks unmoved at random moments.
        "SELECT pg_stat_clear_snapshot(), {}, NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = "
        "current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
        "AND backend_type <> 'autovacuum worker'), {}"
    ).format(sql.SQL(", ").join(parts) if parts else sql.SQL("NULL"), extra if extra is not None else sql.SQL("NULL"))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection))
        row = cursor.fetchone()
    assert row is not None
    return [int(value) for value in row[1:-2]] if parts else [], bool(row[-2]), row[-1]


def cached_by_version(name: str, tracked: Sequence[type[models.Model]], compute: Callable[[], T]) -> T:
    """``compute()``'s value, kept in the cache (Redis) under ``name`` and the version of ``tracked``
    (audit-tracked models; ``compute`` reads nothing else that changes): worked out again only once
    any of them changed. Kept only while no other writing transaction is in flight (``audit_heads``);
    worked out every time while the cache does not answer. One query when kept. The key also names the
    database (its oid): a database created afresh restarts the event ids, and must not meet values a
    former one left in the cache."""
    heads, quiet, database = audit_heads(
        tracked, extra=sql.SQL("(SELECT oid FROM pg_database WHERE datname = current_database())")
    )
    key = f"audit-cache:{name}:{database}:{':'.join(str(head) for head in heads)}"
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: the value is worked out, the page still answers
        logger.warning("The cache did not answer: %s worked out without it.", name)
        return compute()
    if found is not None:
        return found  # what compute() returned at this version
    value = compute()
    if quiet:
        try:
            cache.set(key, value, timeout=CACHED_BY_VERSION_SECONDS)
        except Exception:  # noqa: BLE001 - not kept: worked out again next time
            logger.warning("The cache did not answer: %s not kept.", name)
    return value
