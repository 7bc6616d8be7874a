"""A column's drill-down URL built once (``VendorUrls``, ``vendor_path_template``) is, for every row, the
string ``drill_url`` / ``reverse`` give for that row's vendor: the league table's links stay exactly the
lists they were, at one reversal per column instead of one per cell."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from apps.dashboards.scope import Scope, VendorUrls, drill_url, vendor_path_template


@pytest.mark.parametrize(
    "scope",
    [Scope(), Scope(geography="offshore", tier="tier_2"), Scope(engagement_model="managed_services", vendor=7)],
)
@pytest.mark.parametrize("vendor_id", [1, 42, 9_000_000])
def test_a_column_template_gives_each_rows_own_url(scope: Scope, vendor_id: int) -> None:
    urls = VendorUrls("performance:breach-list", scope, status=["open", "acknowledged"])
    assert urls(vendor_id) == drill_url(
        "performance:breach-list", replace(scope, vendor=vendor_id), status=["open", "acknowledged"]
    )
    served = VendorUrls("functions:function-list", scope, vendor_parameter="served_by", critical="true")
    assert served(vendor_id) == drill_url(
        "functions:function-list", replace(scope, vendor=vendor_id), vendor_parameter="served_by", critical="true"
    )


def test_a_path_template_gives_each_vendors_path() -> None:
    url = vendor_path_template("vendors:vendor-tab", "performance", query="?period=2026-10")
    assert url(5) == reverse("vendors:vendor-tab", args=[5, "performance"]) + "?period=2026-10"
    assert url(123456) == reverse("vendors:vendor-tab", args=[123456, "performance"]) + "?period=2026-10"
