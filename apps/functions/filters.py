"""FilterSets shared by the API and the HTML list pages."""

import django_filters

from apps.functions.choices import Decision, FunctionCategory
from apps.functions.models import Function


class FunctionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    category = django_filters.MultipleChoiceFilter(choices=FunctionCategory.choices)
    decision = django_filters.MultipleChoiceFilter(choices=Decision.choices)
    undecided = django_filters.BooleanFilter(field_name="decision", lookup_expr="exact", method="filter_undecided")
    policy_conflict = django_filters.BooleanFilter(label="Policy conflict")  # a selector annotation
    contract = django_filters.NumberFilter(field_name="contracts", distinct=True, label="Covered by contract")

    class Meta:
        model = Function
        fields = ["q", "category", "decision", "undecided", "velocity_critical", "policy_conflict", "contract"]

    def filter_undecided(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value is None:
            return queryset
        return queryset.filter(decision="") if value else queryset.exclude(decision="")
