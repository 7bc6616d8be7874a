"""What every dashboard number shares: the scope it is narrowed to, the list of the rows it counts
(``Drill``) and the small values tiles are made of.

**Scope.** The filters (vendor geography, vendor tier, engagement model, function category; one vendor
for a vendor's own page) narrow every number: ``apps/contracts/scope.py`` says what each means for each
kind of row. **Drill**: every number carries the list of exactly the rows it counts, the value and the
URL of an existing list page with query-string filters. The lists filter with the same conditions
(``apps.contracts.scope`` for the dashboard's filters, the owning apps' selectors and FilterSets for the
rest), and ``tests/dashboards`` proves each list's count equals its number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import get_script_prefix, reverse

from apps.contracts.scope import SCOPE_FILTERS, ScopeAnchor, scope_q
from apps.core.fx import Conversion

PERCENT_PLACES = Decimal("0.1")
MONEY_PLACES = Decimal("0.01")


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def iso_day(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class Scope:
    """What the dashboard is narrowed to: the filter bar's values ("" = all) and, for a vendor's own
    page, one vendor."""

    geography: str = ""
    tier: str = ""
    engagement_model: str = ""
    function_category: str = ""
    vendor: int | None = None

    def filters(self) -> dict[str, list[Any]]:
        chosen: dict[str, list[Any]] = {name: [getattr(self, name)] for name in SCOPE_FILTERS if getattr(self, name)}
        if self.vendor is not None:
            chosen["vendor"] = [self.vendor]
        return chosen

    def q(self, anchor: ScopeAnchor) -> Q:
        return scope_q(anchor, self.filters())

    def query(self, *, vendor_parameter: str | None = "vendor") -> dict[str, Any]:
        """The query-string filters of a drill-down list (a list names its vendor filter
        ``vendor_parameter``; the functions list ``served_by``)."""
        params: dict[str, Any] = {name: getattr(self, name) for name in SCOPE_FILTERS if getattr(self, name)}
        if self.vendor is not None and vendor_parameter:
            params[vendor_parameter] = self.vendor
        return params

    @property
    def is_narrowed(self) -> bool:
        return bool(self.filters())


@dataclass(frozen=True)
class Drill:
    """A number and the list of exactly the rows it counts. ``counts_rows``: the number is the list's
    row count (else it is a sum over the rows, e.g. money)."""

    value: int | Decimal | None
    url: str
    label: str = ""
    counts_rows: bool = True


def drill_url(url_name: str, scope: Scope, *, vendor_parameter: str | None = "vendor", **filters: Any) -> str:
    """The list page ``url_name`` filtered by ``filters`` and the scope (a filter both name must agree:
    the list would otherwise show the union of the two)."""
    scoped = scope.query(vendor_parameter=vendor_parameter)
    for name in set(filters) & set(scoped):
        if str(filters[name]) != str(scoped[name]):
            raise ValueError(f"The drill-down filter {name}={filters[name]} contradicts the scope's {scoped[name]}.")
    params: list[tuple[str, Any]] = []
    for name, value in {**filters, **scoped}.items():
        values = value if isinstance(value, list | tuple) else [value]
        params.extend((name, str(v)) for v in values if v not in (None, ""))
    query = urlencode(params)
    return _list_path(url_name, get_script_prefix()) + (f"?{query}" if query else "")


# A vendor id no vendor has, standing for "this row's vendor" in a column's URL template.
_ANY_VENDOR = 9_007_199_254_740_991


def _per_vendor(template: str) -> Callable[[int], str]:
    """``template`` with its one ``_ANY_VENDOR`` replaced by each row's vendor id."""
    marker = str(_ANY_VENDOR)
    if template.count(marker) != 1:
        raise ValueError(f"{template}: the vendor appears {template.count(marker)} times in it.")
    return lambda vendor_id: template.replace(marker, str(int(vendor_id)))


class VendorUrls:
    """One column's drill-down URL for many vendors, built once and filled in per row: a league table of
    20,000 vendors builds one URL per column, not one per cell (``drill_url`` with each row's vendor in
    the scope gives the same string, tests/dashboards/test_scope.py)."""

    def __init__(self, url_name: str, scope: Scope, *, vendor_parameter: str = "vendor", **filters: Any) -> None:
        self._fill = _per_vendor(
            drill_url(url_name, replace(scope, vendor=_ANY_VENDOR), vendor_parameter=vendor_parameter, **filters)
        )

    def __call__(self, vendor_id: int) -> str:
        return self._fill(vendor_id)


def vendor_path_template(url_name: str, *args: Any, query: str = "") -> Callable[[int], str]:
    """``reverse(url_name, args=[vendor_id, *args]) + query`` for many vendors: reversed once."""
    return _per_vendor(reverse(url_name, args=[_ANY_VENDOR, *args]) + query)


@lru_cache(maxsize=64)
def _list_path(url_name: str, prefix: str) -> str:
    """The path of a list page (no arguments): reversed once per script prefix, not once per number (an
    overview at enterprise scale builds thousands of links)."""
    return reverse(url_name)


@dataclass(frozen=True)
class Amount:
    """A sum of money in one currency, and the list of the rows summed; ``conversion``: the same sum
    in the reporting currency (with its rate and date, or why it has none) where the page adds up."""

    currency: str
    amount: Decimal
    drill: Drill
    conversion: Conversion | None = None


@dataclass(frozen=True)
class Segment:
    """One part of a breakdown: its key and label, its value and the rows behind it."""

    key: str
    label: str
    value: Decimal | int
    share: Decimal | None
    drill: Drill
