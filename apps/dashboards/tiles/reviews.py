"""The overdue service reviews tile: scheduled reviews whose date has passed, of vendors that have not
exited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from apps.contracts.scope import VENDOR_RECORD_ROW
from apps.dashboards.scope import Drill, Scope, drill_url, iso_day
from apps.dashboards.tiles import Tile
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.selectors import review_overdue_condition, service_review_list

REVIEWS_OVERDUE = Tile("reviews-overdue", "dashboards/tiles/reviews_overdue.html")


def reviews_overdue(*, scope: Scope, today: date, user: Any = None) -> Drill:
    count = (
        service_review_list(user=user)
        .filter(scope.q(VENDOR_RECORD_ROW), review_overdue_condition(today))
        .exclude(vendor__status=VendorStatus.EXITED)
        .count()
    )
    url = drill_url(
        "vendors:review-list",
        scope,
        status=ReviewStatus.SCHEDULED,
        scheduled_before=iso_day(today - timedelta(days=1)),
        vendor_exited="false",
    )
    return Drill(count, url, "service reviews overdue")
