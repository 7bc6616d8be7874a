"""The vendors in scope: the active vendors tile (*active vendors*: vendors whose status is active) and
the engaged vendors — piloting, active or offboarding, those delivering work — that the league table
ranks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

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


def engaged_vendors(*, scope: Scope, user: Any = None) -> list[VendorRow]:
    """One query: the vendors in scope that deliver work — piloting, active or offboarding."""
    rows = (
        engaged_vendor_query(scope=scope, user=user)
        .order_by("name", "pk")
        .values("pk", "name", "country", "geography", "tier", "status")
    )
    return [VendorRow(r["pk"], r["name"], str(r["country"]), r["geography"], r["tier"], r["status"]) for r in rows]


def active_vendor_drill(vendors: Sequence[VendorRow], *, scope: Scope) -> Drill:
    return Drill(
        sum(1 for vendor in vendors if vendor.status == VendorStatus.ACTIVE),
        drill_url("vendors:vendor-list", scope, status=VendorStatus.ACTIVE),
        "active vendors",
    )
