"""The overview's filter bar: a FilterSet over vendors whose values also narrow every other number of
the page (``Scope``, ``apps/contracts/scope.py``) and pick the month (``period``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.utils import timezone

from apps.contracts.choices import EngagementModel
from apps.contracts.scope import SCOPE_FILTERS, VENDOR_ROW, PortfolioScopeFilterSet
from apps.dashboards.scope import Scope
from apps.functions.choices import FunctionCategory
from apps.performance.scorecards import MONTH, Period
from apps.vendors.choices import Geography, Tier
from apps.vendors.models import Vendor

# How far back the month picker reaches (the SLA engine re-evaluates 190 days; older months stay readable).
PERIOD_CHOICE_MONTHS = 24
PERIOD_PARAMETER = "period"


def period_choices(today: date) -> list[tuple[str, str]]:
    """The closed months a user may pick, newest first."""
    month = Period.last_closed(MONTH, today=today)
    choices = []
    for _ in range(PERIOD_CHOICE_MONTHS):
        choices.append((month.key, month.label))
        month = month.previous()
    return choices


class DashboardFilterSet(PortfolioScopeFilterSet):
    """Period, geography, engagement model, vendor tier and function category: one value each (or all)."""

    scope_anchor = VENDOR_ROW

    period = django_filters.ChoiceFilter(label="Month", method="filter_period", empty_label=None)
    geography = django_filters.ChoiceFilter(
        choices=Geography.choices, label="Geography", empty_label="All", method="filter_scope"
    )
    engagement_model = django_filters.ChoiceFilter(
        choices=EngagementModel.choices,
        label="Engagement model",
        empty_label="All",
        method="filter_scope",
    )
    tier = django_filters.ChoiceFilter(
        choices=Tier.choices, label="Vendor tier", empty_label="All", method="filter_scope"
    )
    function_category = django_filters.ChoiceFilter(
        choices=FunctionCategory.choices,
        label="Function category",
        empty_label="All",
        method="filter_scope",
    )

    class Meta:
        model = Vendor
        fields = ["period", "geography", "engagement_model", "tier", "function_category"]

    def __init__(self, data: Any = None, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.today = today or timezone.localdate()
        self.filters["period"].extra["choices"] = period_choices(self.today)
        self.form.fields["period"].choices = period_choices(self.today)
        for name in self.form.fields:
            self.form.fields[name].widget.attrs.setdefault("id", f"dashboard-{name.replace('_', '-')}")

    def filter_period(self, queryset: Any, name: str, value: str) -> Any:
        return queryset  # the period picks the month of the numbers; it narrows no rows

    def cleaned(self) -> dict[str, Any]:
        """The valid values (an invalid one is dropped: the page shows why and uses the default)."""
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self.form, "cleaned_data", {}).items()
            if name not in self.form.errors and value
        }

    def scope(self) -> Scope:
        values = self.cleaned()
        return Scope(**{name: values.get(name, "") for name in SCOPE_FILTERS})

    def period_value(self) -> Period:
        chosen = Period.parse(self.cleaned().get(PERIOD_PARAMETER))
        return chosen or Period.last_closed(MONTH, today=self.today)

    def query(self) -> dict[str, str]:
        """The filters as they go in a URL (the default month left out, so a link stays current)."""
        values = self.cleaned()
        query = {name: str(values[name]) for name in SCOPE_FILTERS if values.get(name)}
        period = self.period_value()
        if period != Period.last_closed(MONTH, today=self.today):
            query = {PERIOD_PARAMETER: period.key, **query}
        return query
