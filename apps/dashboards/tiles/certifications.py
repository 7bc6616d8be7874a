"""The certifications tile: two numbers — *expired* (however long ago) and *expiring* in the next
``CERTIFICATION_DAYS`` days, today included — of certifications not renewed (no later one of the same
vendor, kind and name) and not retired (their vendor has not exited; a deleted certification is gone)
(``certifications_to_renew``). An expired certification stays counted until it is renewed or retired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from apps.contracts.scope import VENDOR_RECORD_ROW
from apps.dashboards.scope import Drill, Scope, drill_url, iso_day
from apps.dashboards.tiles import Tile
from apps.vendors.selectors import certifications_to_renew

CERTIFICATIONS = Tile("certifications", "dashboards/tiles/certifications.html")

CERTIFICATION_DAYS = 60


@dataclass(frozen=True)
class CertificationStanding:
    """The certifications tile: those expired and those expiring soon, neither renewed nor retired."""

    expired: Drill
    expiring: Drill

    @property
    def value(self) -> int:
        """Both together: what needs a renewed certificate."""
        return int(self.expired.value or 0) + int(self.expiring.value or 0)

    @property
    def drills(self) -> list[Drill]:
        return [self.expired, self.expiring]


def certifications_expiring(
    *, scope: Scope, today: date, days: int = CERTIFICATION_DAYS, user: Any = None
) -> CertificationStanding:
    """One query: certifications to renew (``certifications_to_renew``), the expired apart from those
    expiring in the next ``days`` days."""
    counts = (
        certifications_to_renew(as_of=today, within_days=days, user=user)
        .filter(scope.q(VENDOR_RECORD_ROW))
        .aggregate(
            expired=Count("pk", filter=Q(expires_on__lt=today)),
            expiring=Count("pk", filter=Q(expires_on__gte=today)),
        )
    )
    not_renewed = {"superseded": "false", "vendor_exited": "false"}
    expired_url = drill_url(
        "vendors:certification-list", scope, expires_before=iso_day(today - timedelta(days=1)), **not_renewed
    )
    expiring_url = drill_url(
        "vendors:certification-list",
        scope,
        expires_after=iso_day(today),
        expires_before=iso_day(today + timedelta(days=days)),
        **not_renewed,
    )
    return CertificationStanding(
        expired=Drill(counts["expired"], expired_url, "certifications expired and not renewed"),
        expiring=Drill(counts["expiring"], expiring_url, f"certifications expiring in the next {days} days"),
    )
