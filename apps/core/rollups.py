"""Figures worked out per vendor and stored in a table of their own (a *rollup*), kept current by what is
written: the league table's scorecards (``apps.performance.scorecards.SCORECARD_ROLLUP``) and costs
(``apps.costs.ledger_rollup.COST_ROLLUP``), the overview's spend (``apps.dashboards.tiles.spend.SPEND_ROLLUP``)
and who serves which function (``apps.dashboards.tiles.sourcing.SERVING_ROLLUP``).

A portfolio's figures take seconds to work out, and between two views of the overview few vendors change.
So each vendor's figures are stored once worked out, and a vendor's rows are dropped as soon as anything
they are made of changes; the next read works out the dropped vendors alone, in one set-based call for
all of them, and stores them again. What changed is read off the audit trails (pghistory writes an event
for every insert, update and delete, by trigger, whatever wrote it):

- **per-vendor sources** (``VendorSource``): a model and the path from it to its vendor
  (``"contract__vendor"`` for a measurement). The rollup remembers the highest event id it has read of
  each (``RollupMark.marks``); the events above it name the vendors whose rows are dropped;
- **shared sources**: what every vendor's figures read (KPI definitions, FX rates, the cost settings, the
  link tables without an audit trail, the settings in ``key``). When any of them moves, every row goes.

The rows worked out are always stored; the mark moves only while no other writing transaction is in
flight (*quiet*), because an event of a transaction in flight may carry an id below ones already committed.
That is safe: a transaction in flight now took its first event id after the last quiet mark was read, so
what it commits lies above that mark and drops its vendors on the next read, whatever was stored meanwhile.
Until a quiet read moves the mark, the vendors changed since it are worked out again on each read (every
vendor, if a shared source moved). A statement that reads a store itself (the league table's ranking)
first calls ``ensure``, which stores what is missing or stale without reading the rows, then ``stored``
for the few rows a page shows; a rollup whose rows a vendor has only through its sources (a vendor without
contracts has no spend) calls ``ensure_every``, which never asks whether a vendor is missing. A refresh
that stores many rows analyses the table, so the statements that read it next plan with its size. Each
read that finds something to do holds a transaction-level advisory
lock of the rollup's, so that dropping a vendor's rows and storing them again never interleave between two
readers.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from psycopg import sql

from apps.core.audit_cache import audit_heads, audit_trail
from apps.core.models import RollupMark

# Up to this many vendors, their stored rows are read by id (a page of the league table).
READ_BY_ID = 500
# A refresh that stores at least this many rows analyses the store at once: the next statement that reads it
# (the league's ranking, the spend sums) plans with its new size, not with the statistics of an empty table
# until autovacuum comes by.
ANALYZE_AFTER_ROWS = 1000


@dataclass(frozen=True)
class VendorSource:
    """An audit-tracked model whose rows belong to one vendor: ``to_vendor`` is the lookup path from a row
    to its vendor's id ("" for the vendor itself, ``"vendor"``, ``"contract__vendor"`` …)."""

    model: type[models.Model]
    to_vendor: str

    def changed_vendors(self, since: int) -> Any:
        """The ids of the vendors whose rows of this model changed after event ``since``: a values-list
        query. The first step of the path is read off the event's copy of the row, and off the copy the
        object's event before it held (a row moved to another contract or vendor changes both); the rest
        of the path off the live tables."""
        trail = audit_trail(self.model).objects
        events = trail.filter(pgh_id__gt=since)
        if not self.to_vendor:
            return events.values_list("pgh_obj_id", flat=True)
        first, _, rest = self.to_vendor.partition("__")
        before = trail.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id")).order_by("-pgh_id")
        ids = events.values_list(first, flat=True).union(
            # An insert has no event before it: only updates and deletes look back.
            events.exclude(pgh_label="insert")
            .annotate(before=Subquery(before.values(first)[:1]))
            .filter(before__isnull=False)
            .values_list("before", flat=True)
        )
        if not rest:
            return ids
        related = self.model._meta.get_field(first).related_model
        assert related is not None and not isinstance(related, str)
        return related._default_manager.filter(pk__in=ids).values_list(rest, flat=True)


@dataclass(frozen=True)
class Rollup:
    """One stored rollup: its name (its mark and its lock), the model of its rows (each with a ``vendor``)
    and what its figures are made of."""

    name: str
    store: type[models.Model]
    per_vendor: tuple[VendorSource, ...]
    shared: tuple[type[models.Model], ...] = ()
    links: tuple[type[models.Model], ...] = ()

    def _heads(self, key: str) -> tuple[dict[str, int], str, bool, RollupMark | None]:
        """The newest event id of each per-vendor source, the version of the shared ones with ``key``,
        whether nothing else is being written, and the rollup's mark. One query."""
        tracked = [source.model for source in self.per_vendor] + list(self.shared)
        mark_row = sql.SQL("(SELECT json_build_array(marks, shared) FROM {} WHERE name = {})").format(
            sql.Identifier(RollupMark._meta.db_table), sql.Literal(self.name)
        )
        heads, quiet, stored = audit_heads(tracked, self.links, extra=mark_row)
        per_vendor = {
            audit_trail(source.model)._meta.db_table: head for source, head in zip(self.per_vendor, heads, strict=False)
        }
        shared = ":".join(str(head) for head in heads[len(self.per_vendor) :]) + "|" + key
        mark = RollupMark(name=self.name, marks=stored[0], shared=stored[1]) if stored is not None else None
        return per_vendor, shared, quiet, mark

    def _stale_vendors(self, mark: RollupMark | None, heads: Mapping[str, int], shared: str) -> set[int] | None:
        """The vendors changed since ``mark`` (None: every vendor, a shared source moved)."""
        if mark is None or mark.shared != shared:
            return None
        changed = [
            source.changed_vendors(int(mark.marks.get(table, 0)))
            for source in self.per_vendor
            if heads[(table := audit_trail(source.model)._meta.db_table)] > int(mark.marks.get(table, 0))
        ]
        if not changed:
            return set()
        return set(changed[0].union(*changed[1:]) if len(changed) > 1 else changed[0])

    def rows(
        self,
        *,
        key: str,
        vendor_ids: Iterable[int],
        where: Mapping[str, Any],
        compute: Callable[[list[int]], Sequence[models.Model]],
    ) -> dict[int, dict[str, Any]]:
        """The stored rows matching ``where`` of each of ``vendor_ids`` (each row's values by attribute name),
        the missing (or dropped) ones worked out by ``compute(missing vendor ids)`` — one unsaved row per
        vendor — and stored. ``key``: what else every row depends on (settings). Two queries when nothing
        changed; more when something did."""
        wanted = set(vendor_ids)
        if not wanted:
            return {}
        heads, shared, _quiet, mark = self._heads(key)
        if self._fresh(mark, heads, shared):
            found = self._stored(wanted, where)
            if len(found) == len(wanted):
                return found
        return self._refresh(key=key, wanted=wanted, where=where, compute=compute)

    def ensure(
        self,
        *,
        key: str,
        vendors: models.QuerySet[Any],
        where: Mapping[str, Any],
        compute: Callable[[list[int]], Sequence[models.Model]],
    ) -> None:
        """The rows of the vendors of the query ``vendors`` stored and current, not read: for a statement
        that reads the store itself (then ``stored`` reads the few rows a page shows). Two queries when
        nothing changed, the vendors embedded in the second rather than listed (20,000 ids cost more to
        send than the query that finds them)."""
        heads, shared, _quiet, mark = self._heads(key)
        if self._fresh(mark, heads, shared) and not self._missing(vendors, where):
            return
        wanted = set(vendors.order_by().values_list("pk", flat=True))
        if wanted:
            self._refresh(key=key, wanted=wanted, where=where, compute=compute)

    def ensure_every(
        self,
        *,
        key: str,
        where: Mapping[str, Any],
        compute: Callable[[list[int] | None], Sequence[models.Model]],
    ) -> None:
        """The rows of every vendor that has any stored and current, not read, for a rollup whose rows a
        vendor has only through its per-vendor sources (a vendor's spend: its contracts), so that no vendor
        without a row is ever missing one: ``compute(None)`` works out the whole portfolio (none or several
        rows per vendor), ``compute(ids)`` those vendors. One query when nothing changed."""
        heads, shared, _quiet, mark = self._heads(key)
        if not self._fresh(mark, heads, shared):
            self._refresh(key=key, wanted=None, where=where, compute=compute)

    def stored(self, *, vendor_ids: Iterable[int], where: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
        """The stored rows of ``vendor_ids`` as they are (after ``ensure``): one query."""
        wanted = set(vendor_ids)
        return self._stored(wanted, where) if wanted else {}

    def settled(self) -> bool:
        """Whether the mark has read every event of the sources (nothing changed since a read stored
        what changed while no other writer was in flight), whatever the key: one query. What a wait for
        the rollup to settle polls (the tests' query budgets)."""
        heads, shared, _quiet, mark = self._heads("")
        return (
            mark is not None
            and mark.shared.split("|", 1)[0] == shared.split("|", 1)[0]
            and all(head <= int(mark.marks.get(table, 0)) for table, head in heads.items())
        )

    @staticmethod
    def _fresh(mark: RollupMark | None, heads: Mapping[str, int], shared: str) -> bool:
        return (
            mark is not None
            and mark.shared == shared
            and all(head <= int(mark.marks.get(table, 0)) for table, head in heads.items())
        )

    def _names(self) -> list[str]:
        return [field.attname for field in self.store._meta.concrete_fields if not field.primary_key]

    def _stored(
        self, wanted: set[int], where: Mapping[str, Any], leaving_out: set[int] | None = None
    ) -> dict[int, dict[str, Any]]:
        """The stored rows of ``where`` (one per vendor at most) of the vendors ``wanted``: a page's few
        read by id, a portfolio's read whole (faster than through a list of 20,000 ids)."""
        rows = self.store._default_manager.filter(**where)
        if len(wanted) <= READ_BY_ID:
            rows = rows.filter(vendor_id__in=sorted(wanted))
        return {
            row["vendor_id"]: row
            for row in rows.values(*self._names())
            if row["vendor_id"] in wanted and (leaving_out is None or row["vendor_id"] not in leaving_out)
        }

    def _missing(self, vendors: models.QuerySet[Any], where: Mapping[str, Any]) -> bool:
        """Whether a vendor of the query ``vendors`` has no stored row of ``where``. One query."""
        wanted_sql, wanted_params = vendors.order_by().values("pk").query.sql_with_params()
        stored_sql, params = self.store._default_manager.filter(**where).values("vendor_id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM ({wanted_sql}) AS wanted(id) "  # noqa: S608  # Django's SQL
                f"WHERE NOT EXISTS (SELECT 1 FROM ({stored_sql}) AS s(vendor_id) WHERE s.vendor_id = wanted.id))",
                [*wanted_params, *params],
            )
            row = cursor.fetchone()
        return bool(row and row[0])

    def _refresh(
        self,
        *,
        key: str,
        wanted: set[int] | None,
        where: Mapping[str, Any],
        compute: Callable[[Any], Sequence[models.Model]],
    ) -> dict[int, dict[str, Any]]:
        """Under the rollup's lock: drop the rows of the vendors changed since the mark, work out the
        missing ones of ``wanted`` and store them; the rows of ``wanted``. ``wanted`` None (``ensure_every``):
        work out the vendors changed since the mark — every vendor, by ``compute(None)``, when there is no
        mark or a shared source moved — and return nothing."""
        manager = self.store._default_manager
        names = self._names()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"rollup:{self.name}".encode())])
            heads, shared, quiet, mark = self._heads(key)  # again: another reader may have stored meanwhile
            stale = self._stale_vendors(mark, heads, shared)
            table = sql.Identifier(self.store._meta.db_table)
            with connection.cursor() as cursor:
                if stale is None:
                    cursor.execute(sql.SQL("DELETE FROM {}").format(table).as_string(cursor.connection))
                elif stale:
                    cursor.execute(
                        sql.SQL("DELETE FROM {} WHERE vendor_id = ANY(%s)").format(table).as_string(cursor.connection),
                        [sorted(stale)],
                    )
            if wanted is None:
                found: dict[int, dict[str, Any]] = {}
                if stale is None or len(stale) > READ_BY_ID:
                    # Many vendors: the whole portfolio worked out and theirs picked (a statement takes at
                    # most 65,535 parameters, and summing everything costs less than sending their ids).
                    computed = [row for row in compute(None) if stale is None or row.vendor_id in stale]  # type: ignore[attr-defined]  # every store has a vendor
                else:
                    computed = list(compute(sorted(stale))) if stale else []
            else:
                found = {} if stale is None else self._stored(wanted, where, leaving_out=stale)
                computed = list(compute(sorted(wanted - set(found))))
            found.update(
                {row.vendor_id: {name: getattr(row, name) for name in names} for row in computed}  # type: ignore[attr-defined]  # every store has a vendor
            )
            manager.bulk_create(computed, batch_size=5000)
            if len(computed) >= ANALYZE_AFTER_ROWS:
                with connection.cursor() as cursor:
                    cursor.execute(sql.SQL("ANALYZE {}").format(table).as_string(cursor.connection))
            # While another transaction writes, the mark stays: the next read looks at what changed since.
            if quiet:
                with connection.cursor() as cursor:
                    cursor.execute(
                        sql.SQL(
                            "INSERT INTO {} (name, marks, shared, updated_at) VALUES (%s, %s::jsonb, %s, now()) "
                            "ON CONFLICT (name) DO UPDATE SET marks = EXCLUDED.marks, shared = EXCLUDED.shared, "
                            "updated_at = EXCLUDED.updated_at"
                        )
                        .format(sql.Identifier(RollupMark._meta.db_table))
                        .as_string(cursor.connection),
                        [self.name, json.dumps(heads), shared],
                    )
        return found
