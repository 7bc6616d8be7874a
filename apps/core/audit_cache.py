"""What a set of audit-tracked sources looks like now: how stored figures (``apps.core.rollups``) tell that
anything they are made of changed.

The version of a set of sources is the highest event id of each one's audit trail (pghistory writes an event
for every insert, update and delete, by trigger, whatever wrote it) and, for link tables that have no audit
trail (many-to-many tables), the sum of their row ids (it moves with any insert or delete). Nothing is kept
while another writing transaction is in flight (a session's, or a background worker's; autovacuum's are not
writers of ours): its events may carry lower ids than ones already committed.
One query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql


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


def sources_version(
    tracked: Sequence[type[models.Model]], links: Sequence[type[models.Model]] = ()
) -> tuple[str, bool]:
    """The version of ``tracked`` (audit-tracked models) and ``links`` (tables without an audit trail), and
    whether a value read now may be kept (no other writing transaction in flight). One query."""
    heads, quiet, _ = audit_heads(tracked, links)
    return ":".join(str(value) for value in heads), quiet
