"""Waiting for the stored rollups (``apps.core.rollups``) to settle before a query budget is counted.

A read of the league table stores what changed, but moves the rollup's mark only while no other writing
transaction is in flight on the database; until a read does, every read works the changed vendors out
again. A test that counts the queries of a read "with nothing changed" first reads until the marks have
moved — at once, on a quiet database — and names the transactions in flight if they never do.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from apps.costs.ledger_rollup import COST_ROLLUP
from apps.dashboards.ranking import ATTENTION_ROLLUP
from apps.dashboards.tiles.sourcing import SERVING_ROLLUP
from apps.dashboards.tiles.spend import SPEND_ROLLUP
from apps.performance.scorecards import SCORECARD_ROLLUP
from tests.celery_worker import wait_until


def writers_in_flight() -> list[tuple[object, ...]]:
    """The other sessions of this database holding a transaction id: what keeps a mark from moving."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_clear_snapshot(), pid, backend_type, state, backend_xid::text, "
            "now() - xact_start, left(query, 200) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        return [row[1:] for row in cursor.fetchall()]


def read_until_settled(
    read: Callable[[], object], *, spend: bool = True, serving: bool = True, attention: bool | None = None
) -> None:
    """``read()`` (a view of the overview, a league page …) until the rollups it reads have settled: their
    marks have read every event, so the next read finds nothing to work out. ``spend`` False: the read does
    not use the spend rollup (narrowed to a function category, it sums the contracts); ``serving`` False:
    nor who serves which function (a league page alone); ``attention`` False: nor the attention points of
    the vendors' records (narrowed by engagement model or function category; default: as ``spend``)."""
    attention = spend if attention is None else attention
    rollups = [
        SCORECARD_ROLLUP,
        COST_ROLLUP,
        *([SPEND_ROLLUP] if spend else []),
        *([ATTENTION_ROLLUP] if attention else []),
        *([SERVING_ROLLUP] if serving else []),
    ]

    def settled() -> bool:
        read()
        return all(rollup.settled() for rollup in rollups)

    assert wait_until(settled), f"the rollups never settled; writers in flight: {writers_in_flight()}"
