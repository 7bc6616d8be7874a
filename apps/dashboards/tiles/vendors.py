"""The vendors in scope: the active vendors tile (*active vendors*: vendors whose status is active) and
the engaged vendors — piloting, active or offboarding, those delivering work — that the league table
ranks."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.contracts.scope import VENDOR_ROW
from apps.dashboards.scope import Drill, Scope, drill_url
from apps.dashboards.tiles import Tile
from apps.vendors.choices import VendorStatus
from apps.vendors.models import Vendor
from apps.vendors.selectors import vendor_list

ACTIVE_VENDORS = Tile("active-vendors", "dashboards/tiles/active_vendors.html")

# The vendors of the league table: those delivering work under contract.
ENGAGED_VENDOR_STATUSES = (VendorStatus.PILOT, VendorStatus.ACTIVE, VendorStatus.OFFBOARDING)


@dataclass(frozen=True)
class VendorRow:
    id: int
    name: str
    country: str
    geography: str
    tier: str
    status: str


def engaged_vendor_query(*, scope: Scope, user: Any = None) -> QuerySet[Vendor]:
    """The vendors in scope that deliver work — piloting, active or offboarding (a statement over the
    whole table embeds it rather than a list of 20,000 ids)."""
    return vendor_list(user=user).filter(status__in=ENGAGED_VENDOR_STATUSES).filter(scope.q(VENDOR_ROW))


def engaged_vendors(*, scope: Scope, user: Any = None, vendor_ids: Collection[int] | None = None) -> list[VendorRow]:
    """One query: the vendors in scope that deliver work — piloting, active or offboarding (of
    ``vendor_ids``, when given), by name."""
    rows = engaged_vendor_query(scope=scope, user=user)
    if vendor_ids is not None:
        rows = rows.filter(pk__in=sorted(vendor_ids))
    return [
        VendorRow(r["pk"], r["name"], str(r["country"]), r["geography"], r["tier"], r["status"])
        for r in rows.order_by("name", "pk").values("pk", "name", "country", "geography", "tier", "status")
    ]


@dataclass(frozen=True)
class VendorCounts:
    """How many vendors in scope deliver work (the league table's), and how many of them are active."""

    engaged: int
    active: int


def engaged_vendor_counts(*, scope: Scope, user: Any = None) -> VendorCounts:
    """One query: the engaged vendors in scope counted, and the active ones among them — in the database,
    whatever the size of the portfolio (the league table reads its page's vendors by id)."""
    found = engaged_vendor_query(scope=scope, user=user).aggregate(
        engaged=Count("pk"), active=Count("pk", filter=Q(status=VendorStatus.ACTIVE))
    )
    return VendorCounts(found["engaged"], found["active"])


def active_vendor_drill(active: int, *, scope: Scope) -> Drill:
    """The active vendors tile: ``active`` (``VendorCounts.active``) and the list of them."""
    return Drill(active, drill_url("vendors:vendor-list", scope, status=VendorStatus.ACTIVE), "active vendors")
