"""Template helpers of the KPI entry grid: whether to offer "Log KPIs" on a page (the grid checks again)."""

from __future__ import annotations

from typing import Any

from django import template

from apps.kpis.selectors import may_log_measurements

register = template.Library()


@register.filter
def kpis_loggable_by(contract: Any, user: Any) -> bool:
    """``{% if contract|kpis_loggable_by:user %}``: the user may log this contract's KPIs."""
    return may_log_measurements(user=user, contract=contract)
