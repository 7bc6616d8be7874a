"""The functions: the policy conflicts tile, the sourcing matrix, the function rows (each with the vendors
serving it, counted), and who serves the critical functions (``critical_serving``: what the concentration
panel's function shares read), both counted in the database from the stored pairs (``SERVING_ROLLUP``).

*Policy conflicts*: functions decided keep-in-house that an active contract covers (``function_list``).
*Sourcing matrix*: each function placed by strategic + sensitive (rows) against repeatable + scarce
(columns), each sum (2–10) in one of ``MATRIX_BANDS``; the vendors serving a function are those with an
active contract covering it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Case, Count, Value, When

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.contracts.scope import FUNCTION_ROW
from apps.core.rollups import Rollup, VendorSource
from apps.core.sql import compose
from apps.dashboards.models import VendorFunctionRollup
from apps.dashboards.scope import Drill, Scope, drill_url
from apps.dashboards.tiles import Tile
from apps.functions.choices import Decision
from apps.functions.selectors import critical_function_condition, function_list
from apps.vendors.models import Vendor

POLICY_CONFLICTS = Tile("policy-conflicts", "dashboards/tiles/policy_conflicts.html")
MATRIX = Tile("matrix", "dashboards/tiles/matrix.html")


@dataclass(frozen=True)
class MatrixBand:
    """A band of a sourcing-matrix axis: a sum of two scores (each 1–5) from ``low`` to ``high``."""

    key: str
    label: str
    low: int
    high: int

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high


MATRIX_BANDS = (
    MatrixBand("low", "Low", 2, 4),
    MatrixBand("medium", "Medium", 5, 7),
    MatrixBand("high", "High", 8, 10),
)


def decision_label(decision: str) -> str:
    return str(Decision(decision).label) if decision else "Undecided"


@dataclass(frozen=True)
class FunctionRow:
    id: int
    name: str
    category: str
    strategic: int
    sensitive: int
    repeatable: int
    scarce: int
    velocity_critical: bool
    decision: str
    policy_conflict: bool
    critical: bool
    # (id, name) of the vendors serving it, by name: the first ``MATRIX_VENDOR_NAMES`` (all of them for the
    # CSV, ``function_rows(every_vendor=True)``); ``vendor_count`` counts them all.
    vendors: tuple[tuple[int, str], ...] = ()
    vendor_count: int = 0

    @property
    def strategic_sensitive(self) -> int:
        return self.strategic + self.sensitive

    @property
    def repeatable_scarce(self) -> int:
        return self.repeatable + self.scarce

    @property
    def more_vendors(self) -> int:
        """The vendors serving it that ``vendors`` does not name."""
        return self.vendor_count - len(self.vendors)

    @property
    def decision_label(self) -> str:
        return decision_label(self.decision)


# The vendors the sourcing matrix names for each function (a link to the function shows the rest).
MATRIX_VENDOR_NAMES = 3


class CriticalServing(NamedTuple):
    """Who serves the critical functions in scope (an active contract covers them), counted in the
    database: each vendor's critical functions and its share of them (``percent``'s rounding), by share,
    then name in code-point order, then id — the first ``shown`` and every one above the concentration
    threshold (``read_all()`` reads them all); how many vendors serve one; each vendor country's; and how
    many critical functions an active contract covers in all."""

    by_vendor: list[tuple[int, str, int, Decimal | None]]  # (vendor id, name, functions, share)
    vendors: int
    by_country: list[tuple[str, int]]  # (country code, functions)
    total: int
    read_all: Callable[[], list[tuple[int, str, int, Decimal | None]]]


def _nothing() -> list[tuple[int, str, int, Decimal | None]]:
    return []


NO_CRITICAL_SERVING = CriticalServing([], 0, [], 0, _nothing)


def serving_pairs(vendor_ids: list[int] | None = None) -> list[tuple[int, int]]:
    """Which vendors serve which functions — (function id, vendor id), each once: an active contract of the
    vendor covers the function — of ``vendor_ids`` (None: of every vendor), worked out from the contracts.
    One query."""
    links = Contract.functions.through.objects.filter(contract__status=ContractStatus.ACTIVE)
    if vendor_ids is not None:
        links = links.filter(contract__vendor_id__in=vendor_ids)
    return list(links.order_by().values_list("function_id", "contract__vendor_id").distinct())


# Who serves what, stored (decision 0025): a vendor's pairs dropped when one of its contracts changes; every
# pair when any contract's functions change (the link table has no audit trail: its row ids are summed).
SERVING_ROLLUP = Rollup(
    name="dashboards:vendor-functions",
    store=VendorFunctionRollup,
    per_vendor=(VendorSource(Contract, "vendor"),),
    links=(Contract.functions.through,),
)


def store_serving() -> None:
    """Every vendor's pairs of ``serving_pairs`` stored and current (``SERVING_ROLLUP``), not read: one query
    when nothing changed."""

    def compute(vendor_ids: list[int] | None) -> list[VendorFunctionRollup]:
        return [VendorFunctionRollup(function_id=f, vendor_id=v) for f, v in serving_pairs(vendor_ids)]

    SERVING_ROLLUP.ensure_every(key="", where={}, compute=compute)


# Each function's vendors counted, and the first ``MATRIX_VENDOR_NAMES`` by name (then id): the vendors walked
# in the order of their name index, each looked up among the function's pairs, until that many are found — a
# few dozen lookups per function, where sorting every pair by name took 0.1 s at 77,000 pairs.
_FIRST_VENDORS = """
WITH pair AS (PAIRS)
SELECT counted.function_id, counted.n, first.ids, first.names
FROM (SELECT function_id, count(*) AS n FROM pair GROUP BY function_id) AS counted
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(v.id ORDER BY v.name, v.id), '{{}}') AS ids,
           coalesce(array_agg(v.name ORDER BY v.name, v.id), '{{}}') AS names
    FROM (SELECT v.{vendor.id} AS id, v.{vendor.name} AS name FROM {vendor} v
          WHERE EXISTS (SELECT 1 FROM {served} r WHERE r.{served.function} = counted.function_id
                        AND r.{served.vendor} = v.{vendor.id})
          ORDER BY v.{vendor.name}, v.{vendor.id} LIMIT %s) AS v
) AS first
"""


def _first_vendors(pairs: Any) -> list[tuple[int, int, list[int], list[str]]]:
    """``(function id, vendors, first ids, first names)`` of the functions of the stored ``pairs``. One query."""
    pairs_sql, params = pairs.values_list("function_id", "vendor_id").query.sql_with_params()
    statement = compose(_FIRST_VENDORS, vendor=Vendor, served=VendorFunctionRollup).replace(
        "PAIRS",
        f"SELECT * FROM ({pairs_sql}) AS p(function_id, vendor_id)",  # noqa: S608  # Django's SQL
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, MATRIX_VENDOR_NAMES])
        return cursor.fetchall()


def function_rows(*, scope: Scope, user: Any = None, every_vendor: bool = False) -> list[FunctionRow]:
    """The functions in scope (with the policy-conflict annotation of ``function_list`` and whether they
    are critical), each with the vendors serving it (an active contract covers it) read from the stored
    rollup (``store_serving``): their number, and the first ``MATRIX_VENDOR_NAMES`` by name (every one with
    ``every_vendor``). Three queries: the functions, the rollup's heads, the vendors counted per function."""
    functions = (
        function_list(user=user)
        .filter(scope.q(FUNCTION_ROW))
        .annotate(critical=Case(When(critical_function_condition(), then=Value(True)), default=Value(False)))
        .order_by("name", "pk")
        .values(
            "pk",
            "name",
            "category",
            "strategic",
            "sensitive",
            "repeatable",
            "scarce",
            "velocity_critical",
            "decision",
            "policy_conflict",
            "critical",
        )
    )
    rows = [
        FunctionRow(
            id=f["pk"],
            name=f["name"],
            category=f["category"],
            strategic=f["strategic"],
            sensitive=f["sensitive"],
            repeatable=f["repeatable"],
            scarce=f["scarce"],
            velocity_critical=f["velocity_critical"],
            decision=f["decision"],
            policy_conflict=bool(f["policy_conflict"]),
            critical=bool(f["critical"]),
        )
        for f in functions
    ]
    in_scope = function_list(user=user).filter(scope.q(FUNCTION_ROW)).values("pk")
    store_serving()
    pairs = VendorFunctionRollup.objects.filter(function__in=in_scope).order_by()
    if every_vendor:
        # Every vendor of each function by name (then id): the CSV's.
        by_name = ("vendor__name", "vendor_id")
        counted = list(
            pairs.values("function_id")
            .annotate(
                n=Count("pk"),
                ids=ArrayAgg("vendor_id", order_by=by_name),
                names=ArrayAgg("vendor__name", order_by=by_name),
            )
            .values_list("function_id", "n", "ids", "names")
        )
    else:
        counted = _first_vendors(pairs)
    served = {
        function_id: (n, tuple(zip(vendor_ids, vendor_names, strict=True)))
        for function_id, n, vendor_ids, vendor_names in counted
    }
    return [
        replace(row, vendor_count=served[row.id][0], vendors=served[row.id][1]) if row.id in served else row
        for row in rows
    ]


# Who serves the critical functions in scope: per vendor with its share (the first ``shown`` and those above
# ``threshold``: a top-N sort, not a sort of every vendor; with no limit, all), per vendor country, and in all.
_CRITICAL_SERVING = """
WITH pair AS MATERIALIZED ({pairs}),
total AS (SELECT count(*) AS n FROM (SELECT DISTINCT function_id FROM pair) AS served),
vendor AS MATERIALIZED (
    SELECT counted.*, round(counted.n * 100::numeric / nullif(total.n, 0), 1) AS share
    FROM (SELECT vendor_id, min(name) AS name, count(*) AS n FROM pair WHERE {vendor_filter} GROUP BY vendor_id) AS counted
    CROSS JOIN total
),
chosen AS (
    (SELECT * FROM vendor ORDER BY share DESC, name COLLATE "C", vendor_id LIMIT %s)
    UNION SELECT * FROM vendor WHERE share > %s
)
SELECT * FROM (
    SELECT 0 AS level, vendor_id, name, '' AS country, n, share, (SELECT count(*) FROM vendor) AS vendors FROM chosen
    UNION ALL SELECT 1, NULL, NULL, country, count(DISTINCT function_id), NULL, 0 FROM pair GROUP BY country
    UNION ALL SELECT 2, NULL, NULL, '', n, NULL, 0 FROM total
) AS counted
ORDER BY level, share DESC, name COLLATE "C", vendor_id
"""


def critical_serving(*, scope: Scope, shown: int, threshold: Decimal, user: Any = None) -> CriticalServing:
    """Who serves the critical functions in scope (``CriticalServing``), read from the stored pairs
    (``store_serving`` first: ``function_rows`` does): the first ``shown`` vendors and those whose share is
    above ``threshold``. Narrowed to one vendor (the functions in scope are then those its active contracts
    cover), only that vendor's row. One query; ``read_all()`` one more."""
    critical = function_list(user=user).filter(scope.q(FUNCTION_ROW), critical_function_condition()).values("pk")
    pairs = VendorFunctionRollup.objects.filter(function__in=critical).order_by()
    pairs_sql, params = pairs.values_list(
        "vendor_id", "function_id", "vendor__name", "vendor__country"
    ).query.sql_with_params()
    statement = _CRITICAL_SERVING.format(
        pairs=f"SELECT * FROM ({pairs_sql}) AS p(vendor_id, function_id, name, country)",  # noqa: S608  # Django's SQL
        vendor_filter="vendor_id = %s" if scope.vendor is not None else "TRUE",
    )
    # The parameters in the order of their placeholders: the pairs', the vendor's, the limit, the threshold.
    leading = [*params, *([scope.vendor] if scope.vendor is not None else [])]

    def read(every: bool) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(statement, [*leading, None if every else shown, threshold])
            return cursor.fetchall()

    found = read(False)
    by_vendor = [(vendor_id, name, n, share) for level, vendor_id, name, _, n, share, _ in found if level == 0]
    vendors = next((count for level, *_, count in found if level == 0), 0)
    by_country = [(str(country), n) for level, _, _, country, n, _, _ in found if level == 1]
    total = next((n for level, _, _, _, n, _, _ in found if level == 2), 0)

    def read_all() -> list[tuple[int, str, int, Decimal | None]]:
        return [(vendor_id, name, n, share) for level, vendor_id, name, _, n, share, _ in read(True) if level == 0]

    return CriticalServing(by_vendor, vendors, by_country, total, read_all)


def policy_conflict_drill(functions: Sequence[FunctionRow], *, scope: Scope) -> Drill:
    count = sum(1 for f in functions if f.policy_conflict)
    url = drill_url("functions:function-list", scope, vendor_parameter="served_by", policy_conflict="true")
    return Drill(count, url, "functions outsourced against policy")


@dataclass(frozen=True)
class MatrixCell:
    closeness: MatrixBand  # strategic + sensitive
    leverage: MatrixBand  # repeatable + scarce
    functions: list[FunctionRow]
    drill: Drill


@dataclass(frozen=True)
class SourcingMatrix:
    rows: list[tuple[MatrixBand, list[MatrixCell]]]  # highest strategic + sensitive first
    columns: tuple[MatrixBand, ...]
    total: int

    def cells(self) -> list[MatrixCell]:
        return [cell for _, cells in self.rows for cell in cells]


def sourcing_matrix(functions: Sequence[FunctionRow], *, scope: Scope) -> SourcingMatrix:
    rows = []
    for closeness in reversed(MATRIX_BANDS):
        cells = []
        for leverage in MATRIX_BANDS:
            placed = [
                f
                for f in functions
                if closeness.contains(f.strategic_sensitive) and leverage.contains(f.repeatable_scarce)
            ]
            url = drill_url(
                "functions:function-list",
                scope,
                vendor_parameter="served_by",
                strategic_sensitive_min=closeness.low,
                strategic_sensitive_max=closeness.high,
                repeatable_scarce_min=leverage.low,
                repeatable_scarce_max=leverage.high,
            )
            label = f"strategic + sensitive {closeness.label.lower()}, repeatable + scarce {leverage.label.lower()}"
            cells.append(MatrixCell(closeness, leverage, placed, Drill(len(placed), url, label)))
        rows.append((closeness, cells))
    return SourcingMatrix(rows=rows, columns=MATRIX_BANDS, total=len(functions))
