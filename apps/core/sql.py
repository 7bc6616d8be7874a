"""Raw SQL that takes its table and column names from the models, never from literals: a statement
names a model's table as ``{alias}`` and a field's column as ``{alias.field}``, and ``compose`` quotes
them (``psycopg.sql.Identifier``) from ``Model._meta.db_table`` and ``field.column``. A model that moves
to another app, or a field given another column, keeps its SQL right. Literal braces are doubled
(``'{{}}'`` is an empty array); parameters stay ``%(name)s`` or ``%s``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql


def model_identifiers(**aliases: type[models.Model]) -> dict[str, sql.Identifier]:
    """``{"term": SlaTerm}`` → ``{"term": "contracts_slaterm", "term.contract": "contract_id", …}``: the
    table of each aliased model and the column of each of its concrete fields, as identifiers."""
    names: dict[str, sql.Identifier] = {}
    for alias, model in aliases.items():
        names[alias] = sql.Identifier(model._meta.db_table)
        for field in model._meta.concrete_fields:
            assert field.column is not None  # a concrete field has its column
            names[f"{alias}.{field.name}"] = sql.Identifier(field.column)
    return names


def compose(template: str, **aliases: type[models.Model]) -> str:
    """The statement ``template`` with ``{alias}`` and ``{alias.field}`` replaced by the quoted table
    and column names of the models ``aliases`` name."""
    return sql.SQL(template).format(**model_identifiers(**aliases)).as_string()


def insert_new_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = ("id",),
    placeholders: Sequence[str] | None = None,
    batch_size: int = 500,
) -> list[tuple[Any, ...]]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` of ``rows`` into ``model``'s table: the ``returning``
    columns of the rows that went in (a row whose unique key exists is skipped, and a concurrent insert
    of the same key waits for the other transaction, then is skipped). ``bulk_create(ignore_conflicts=
    True)`` cannot say which rows it inserted; RETURNING can. ``placeholders`` casts a value where
    needed (``"%s::jsonb"``); table and column names come from the model's meta and are quoted, every
    value is a query parameter."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    returned = ", ".join(quote(column) for column in returning)
    one_row = "(" + ", ".join(placeholders or ["%s"] * len(columns)) + ")"
    inserted: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            statement = (
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(batch))} "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {returned}"
            )
            cursor.execute(statement, [value for row in batch for value in row])
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted
