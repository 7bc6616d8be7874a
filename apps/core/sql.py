"""Raw SQL that takes its table and column names from the models, never from literals: a statement
names a model's table as ``{alias}`` and a field's column as ``{alias.field}``, and ``compose`` quotes
them (``psycopg.sql.Identifier``) from ``Model._meta.db_table`` and ``field.column``. A model that moves
to another app, or a field given another column, keeps its SQL right. Literal braces are doubled
(``'{{}}'`` is an empty array); parameters stay ``%(name)s`` or ``%s``."""

from __future__ import annotations

from django.db import models
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
