"""FilterSets shared by the API and the HTML list pages (one per model)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.contracts import models
from apps.contracts.choices import (
    BreachStatus,
    ContractStatus,
    EngagementModel,
    EvaluationStatus,
    Renewal,
    Severity,
    SlaArea,
)
from apps.contracts.scope import CONTRACT_ROW, TERM_ROW, PortfolioScopeFilterSet, scope_condition


class ContractFilterSet(PortfolioScopeFilterSet):
    # + the portfolio scope (vendor geography and tier, function category): apps/contracts/scope.py
    scope_anchor = CONTRACT_ROW
    q = django_filters.CharFilter(method="filter_q", label="Title or reference contains")
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices)
    engagement_model = django_filters.MultipleChoiceFilter(choices=EngagementModel.choices)
    renewal = django_filters.MultipleChoiceFilter(choices=Renewal.choices)
    function = django_filters.NumberFilter(field_name="functions", distinct=True, label="Covers function (id)")
    cancel_by_before = django_filters.DateFilter(
        field_name="cancel_by", lookup_expr="lte", label="Cancel by on or before"
    )
    cancel_by_after = django_filters.DateFilter(
        field_name="cancel_by", lookup_expr="gte", label="Cancel by on or after"
    )
    end_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lte", label="Ends on or before")
    end_after = django_filters.DateFilter(field_name="end_date", lookup_expr="gte", label="Ends on or after")
    country = django_filters.CharFilter(method="filter_country", label="Vendor country (ISO code)")

    class Meta:
        model = models.Contract
        fields = ["q", "vendor", "parent", "status", "engagement_model", "renewal", "currency", "function"]

    def filter_country(self, queryset: QuerySet[models.Contract], name: str, value: str) -> QuerySet[models.Contract]:
        return queryset.filter(scope_condition(CONTRACT_ROW, "country", [value.upper()]))

    def filter_q(self, queryset: QuerySet[models.Contract], name: str, value: str) -> QuerySet[models.Contract]:
        return queryset.filter(Q(title__icontains=value) | Q(reference__icontains=value))


class KpiRefFilter(django_filters.CharFilter):
    """A KPI by its id or its ``code`` (codes start with a letter, so digits are always an id)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        lookup = f"{self.field_name}_id" if str(value).isdigit() else f"{self.field_name}__code"
        return qs.filter(**{lookup: value})


class ContractClauseFilterSet(django_filters.FilterSet):
    class Meta:
        model = models.ContractClause
        fields = ["contract", "kind", "assessment"]


class ExitPlanItemFilterSet(django_filters.FilterSet):
    done = django_filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True, label="Done")

    class Meta:
        model = models.ExitPlanItem
        fields = ["contract", "kind", "owner", "done"]


class SlaTermFilterSet(django_filters.FilterSet):
    vendor = django_filters.NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    kpi = KpiRefFilter(field_name="kpi", label="KPI (id or code)")
    area = django_filters.MultipleChoiceFilter(choices=SlaArea.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)

    class Meta:
        model = models.SlaTerm
        fields = ["contract", "vendor", "area", "kpi", "severity", "window"]


class SlaEvaluationFilterSet(PortfolioScopeFilterSet):
    scope_anchor = TERM_ROW
    contract = django_filters.NumberFilter(field_name="term__contract", label="Contract (id)")
    vendor = django_filters.NumberFilter(field_name="term__contract__vendor", label="Vendor (id)")
    area = django_filters.MultipleChoiceFilter(field_name="term__area", choices=SlaArea.choices)
    status = django_filters.MultipleChoiceFilter(choices=EvaluationStatus.choices)
    window_start_after = django_filters.DateFilter(field_name="window_start", lookup_expr="gte")
    window_start_before = django_filters.DateFilter(field_name="window_start", lookup_expr="lte")
    window_end_after = django_filters.DateFilter(
        field_name="window_end", lookup_expr="gte", label="Window ends on or after"
    )
    window_end_before = django_filters.DateFilter(
        field_name="window_end", lookup_expr="lte", label="Window ends on or before"
    )

    class Meta:
        model = models.SlaEvaluation
        fields = ["term", "contract", "status", "is_closed"]


class BreachFilterSet(PortfolioScopeFilterSet):
    scope_anchor = TERM_ROW
    contract = django_filters.NumberFilter(field_name="term__contract", label="Contract (id)")
    vendor = django_filters.NumberFilter(field_name="term__contract__vendor", label="Vendor (id)")
    area = django_filters.MultipleChoiceFilter(field_name="term__area", choices=SlaArea.choices)
    status = django_filters.MultipleChoiceFilter(choices=BreachStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    window_start_after = django_filters.DateFilter(field_name="window_start", lookup_expr="gte")
    window_start_before = django_filters.DateFilter(field_name="window_start", lookup_expr="lte")
    window_end_after = django_filters.DateFilter(
        field_name="window_end", lookup_expr="gte", label="Window ends on or after"
    )
    window_end_before = django_filters.DateFilter(
        field_name="window_end", lookup_expr="lte", label="Window ends on or before"
    )
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact", label="Currency")

    class Meta:
        model = models.Breach
        fields = ["term", "contract", "vendor", "area", "status", "severity"]
