"""The renewals tile: active contracts whose cancel-by date falls in the next ``RENEWAL_DAYS`` days,
today included (``contracts_renewing_within``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from apps.contracts.choices import ContractStatus
from apps.contracts.scope import CONTRACT_ROW
from apps.contracts.selectors import contracts_renewing_within
from apps.dashboards.scope import Drill, Scope, drill_url, iso_day
from apps.dashboards.tiles import Tile

RENEWALS = Tile("renewals", "dashboards/tiles/renewals.html")

RENEWAL_DAYS = 90


def renewals_due(*, scope: Scope, today: date, days: int = RENEWAL_DAYS, user: Any = None) -> Drill:
    count = contracts_renewing_within(as_of=today, days=days, user=user).filter(scope.q(CONTRACT_ROW)).count()
    url = drill_url(
        "contracts:contract-list",
        scope,
        status=ContractStatus.ACTIVE,
        cancel_by_after=iso_day(today),
        cancel_by_before=iso_day(today + timedelta(days=days)),
        sort="cancel_by",
    )
    return Drill(count, url, f"cancel-by dates in the next {days} days")
