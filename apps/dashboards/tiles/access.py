"""The access findings tile: grants breaking at least one access rule (``apps.vendors.findings``),
counted by the most severe of their findings: high and medium (the two add up to the total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q

from apps.contracts.scope import VENDOR_RECORD_ROW
from apps.dashboards.scope import Drill, Scope, drill_url
from apps.dashboards.tiles import Tile
from apps.vendors.findings import SEVERITIES_WORST_FIRST as FINDING_SEVERITIES
from apps.vendors.findings import FindingSeverity
from apps.vendors.selectors import access_grant_list

ACCESS_FINDINGS = Tile("access-findings", "dashboards/tiles/access_findings.html")


@dataclass(frozen=True)
class AccessFindings:
    """The access tile: grants with findings, and the same grants by their most severe finding."""

    total: Drill
    by_severity: tuple[tuple[str, Drill], ...]  # worst first

    @property
    def value(self) -> int:
        return int(self.total.value or 0)

    @property
    def url(self) -> str:
        return self.total.url

    @property
    def high(self) -> Drill:
        return dict(self.by_severity)[FindingSeverity.HIGH]

    @property
    def medium(self) -> Drill:
        return dict(self.by_severity)[FindingSeverity.MEDIUM]

    @property
    def drills(self) -> list[Drill]:
        return [self.total, *(drill for _, drill in self.by_severity)]


def access_findings(*, scope: Scope, today: date, user: Any = None) -> AccessFindings:
    """One query: the grants with findings today (``apps.vendors.findings``), by their worst severity."""
    counts = (
        access_grant_list(user=user, as_of=today)
        .filter(scope.q(VENDOR_RECORD_ROW))
        .aggregate(
            total=Count("pk", filter=Q(finding_count__gt=0)),
            **{str(s): Count("pk", filter=Q(finding_severity=s)) for s in FINDING_SEVERITIES},
        )
    )
    total_url = drill_url("vendors:access-list", scope, has_findings="true", sort="findings")
    return AccessFindings(
        total=Drill(counts["total"], total_url, "access grants with findings"),
        by_severity=tuple(
            (
                str(s),
                Drill(
                    counts[str(s)],
                    drill_url("vendors:access-list", scope, severity=str(s), sort="findings"),
                    f"access grants whose worst finding is {s.label.lower()}",
                ),
            )
            for s in FINDING_SEVERITIES
        ),
    )
