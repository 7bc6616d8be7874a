"""FilterSets shared by the API and the HTML list pages.

The functions list also takes filters that only contracts can say what they mean: the portfolio scope
the dashboards drill down with (a vendor geography, tier or engagement model keeps the functions an
active contract of such a vendor / of that model covers; ``apps/contracts/scope.py``), the vendor or
country serving a function, the contract covering it. Contracts adds them to ``FunctionFilterSet``
when it is ready (``apps.contracts.registrations``, through ``apps.core.filters``).
"""

from typing import Any

import django_filters
from django.db.models import F, QuerySet
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from apps.core.filters import BooleanFilter, FilterSet, NumberFilter
from apps.core.search import unaccent_contains
from apps.functions.choices import Decision, FunctionCategory
from apps.functions.models import Function
from apps.functions.selectors import critical_function_condition

# The two axes of the sourcing matrix (the dashboards place every function by them).
SCORE_SUMS = {
    "strategic_sensitive": F("strategic") + F("sensitive"),
    "repeatable_scarce": F("repeatable") + F("scarce"),
}


class FunctionFilterSet(FilterSet):
    # Accent- and case-insensitive, as global search (apps.core.search).
    q = django_filters.CharFilter(method="filter_q", label="Name contains")
    category = django_filters.MultipleChoiceFilter(choices=FunctionCategory.choices)
    decision = django_filters.MultipleChoiceFilter(choices=Decision.choices)
    undecided = BooleanFilter(field_name="decision", lookup_expr="exact", method="filter_undecided")
    policy_conflict = BooleanFilter(label="Policy conflict")  # a selector annotation
    critical = BooleanFilter(
        method="filter_critical", label="Critical", help_text="Highly strategic or sensitive, or vital to velocity."
    )
    strategic_sensitive_min = NumberFilter(method="filter_score_sum", label="Strategic + sensitive ≥")
    strategic_sensitive_max = NumberFilter(method="filter_score_sum", label="Strategic + sensitive ≤")
    repeatable_scarce_min = NumberFilter(method="filter_score_sum", label="Repeatable + scarce ≥")
    repeatable_scarce_max = NumberFilter(method="filter_score_sum", label="Repeatable + scarce ≤")

    class Meta:
        model = Function
        fields = ["q", "category", "decision", "undecided", "velocity_critical", "policy_conflict"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(unaccent_contains(["name"], value))

    def filter_critical(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return (
            queryset.filter(critical_function_condition()) if value else queryset.exclude(critical_function_condition())
        )

    def filter_score_sum(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        axis, bound = name.rsplit("_", 1)
        lookup = GreaterThanOrEqual if bound == "min" else LessThanOrEqual
        return queryset.filter(lookup(SCORE_SUMS[axis], value))

    def filter_undecided(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(decision="") if value else queryset.exclude(decision="")
