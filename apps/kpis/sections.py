"""What the KPI app adds to other apps' pages: the vendor page's *Performance* tab (``apps.core.sections``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.core.sections import register_section
from apps.kpis.scorecards import PERIOD_PARAMETER, performance_section
from apps.vendors.models import Vendor
from apps.vendors.sections import VENDOR_PAGE


@register_section(
    VENDOR_PAGE, key="performance", label="Performance", template="kpis/tabs/vendor_performance.html", order=20
)
def vendor_performance_tab(request: HttpRequest, vendor: Vendor) -> dict[str, Any]:
    return performance_section(
        path=request.path, period_parameter=request.GET.get(PERIOD_PARAMETER), vendor_id=vendor.pk
    )
