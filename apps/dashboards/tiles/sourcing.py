"""The functions: the policy conflicts tile, the sourcing matrix, and the function rows (with the
vendors serving each) that the concentration shares read.

*Policy conflicts*: functions decided keep-in-house that an active contract covers (``function_list``).
*Sourcing matrix*: each function placed by strategic + sensitive (rows) against repeatable + scarce
(columns), each sum (2–10) in one of ``MATRIX_BANDS``; the vendors serving a function are those with an
active contract covering it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from django.db.models import Case, Value, When

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.contracts.scope import FUNCTION_ROW
from apps.core.rollups import Rollup, VendorSource
from apps.dashboards.models import VendorFunctionRollup
from apps.dashboards.scope import Drill, Scope, drill_url
from apps.dashboards.tiles import Tile
from apps.functions.choices import Decision
from apps.functions.selectors import critical_function_condition, function_list

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
    vendors: tuple[tuple[int, str], ...] = ()  # (id, name) of the vendors serving it, by name

    @property
    def strategic_sensitive(self) -> int:
        return self.strategic + self.sensitive

    @property
    def repeatable_scarce(self) -> int:
        return self.repeatable + self.scarce

    @property
    def decision_label(self) -> str:
        return decision_label(self.decision)


class ServingPair(NamedTuple):
    """A function an active contract of a vendor covers (a portfolio has tens of thousands: a named tuple
    is built five times faster than a frozen dataclass)."""

    function_id: int
    vendor_id: int
    vendor_name: str
    country: str


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


def function_rows(*, scope: Scope, user: Any = None) -> tuple[list[FunctionRow], list[ServingPair]]:
    """Three queries: the functions in scope (with the policy-conflict annotation of ``function_list``
    and whether they are critical), and which vendors serve them (an active contract covers them), read
    from the stored rollup (``store_serving``: its heads, then the pairs)."""
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
    # Each (function, vendor) once, read from the stored rollup (``SERVING_ROLLUP``), by the vendor's name.
    store_serving()
    pairs = (
        VendorFunctionRollup.objects.filter(function__in=in_scope)
        .order_by("vendor__name", "function_id", "vendor_id")
        .values_list("function_id", "vendor_id", "vendor__name", "vendor__country")
    )
    serving = [ServingPair(f, v, name, str(country)) for f, v, name, country in pairs]
    by_function: dict[int, dict[tuple[int, str], None]] = defaultdict(dict)  # an ordered set, by vendor name
    for pair in serving:
        by_function[pair.function_id][(pair.vendor_id, pair.vendor_name)] = None
    return [replace(row, vendors=tuple(by_function.get(row.id, {}))) for row in rows], serving


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
