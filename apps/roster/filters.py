"""FilterSets of the roster records, shared by the API (and any list page)."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import QuerySet

from apps.core.filters import BooleanFilter, FilterSet, NumberFilter
from apps.roster import models
from apps.roster.choices import FindingKind, SubstitutionStatus
from apps.roster.selectors import active_on_q


class AssignmentFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    active_on = django_filters.DateFilter(method="filter_active_on", label="Active on (YYYY-MM-DD)")

    class Meta:
        model = models.Assignment
        fields = ["contract", "engineer", "vendor", "key_person", "active_on"]

    def filter_active_on(
        self, queryset: QuerySet[models.Assignment], name: str, value: date
    ) -> QuerySet[models.Assignment]:
        return queryset.filter(active_on_q(value))


class StaffingPlanFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")

    class Meta:
        model = models.StaffingPlan
        fields = ["contract", "vendor"]


class SubstitutionFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    status = django_filters.MultipleChoiceFilter(choices=SubstitutionStatus.choices)

    class Meta:
        model = models.Substitution
        fields = ["contract", "vendor", "status", "joiner"]


class RosterFindingFilterSet(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=FindingKind.choices)
    open = BooleanFilter(field_name="closed_at", lookup_expr="isnull", label="Open")

    class Meta:
        model = models.RosterFinding
        fields = ["vendor", "contract", "kind", "engineer", "open"]
