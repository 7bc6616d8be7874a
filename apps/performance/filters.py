"""FilterSets shared by the API and the HTML list pages (one per model)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.contracts.filters import ContractChoiceFilter
from apps.contracts.scope import TERM_ROW, PortfolioScopeFilterSet
from apps.core.filters import BooleanFilter, FilterSet, IsoDateTimeFilter, NumberFilter
from apps.kpis.filters import KpiRefFilter
from apps.performance import models
from apps.performance.choices import BreachStatus, EvaluationStatus, ImportStatus, MeasurementSource, Severity, SlaArea
from apps.vendors.filters import VendorChoiceFilter


class SlaTermFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    kpi = KpiRefFilter(field_name="kpi", label="KPI (id or code)")
    area = django_filters.MultipleChoiceFilter(choices=SlaArea.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)

    class Meta:
        model = models.SlaTerm
        fields = ["contract", "vendor", "area", "kpi", "severity", "window"]


class TermWindowFilterSet(PortfolioScopeFilterSet):
    """What the rows of one SLA term's window share (evaluations and breaches): the term's contract,
    vendor and area, and the window's dates."""

    scope_anchor = TERM_ROW
    contract = NumberFilter(field_name="term__contract", label="Contract (id)")
    vendor = VendorChoiceFilter(field_name="term__contract__vendor")
    area = django_filters.MultipleChoiceFilter(field_name="term__area", choices=SlaArea.choices)
    window_start_after = django_filters.DateFilter(field_name="window_start", lookup_expr="gte")
    window_start_before = django_filters.DateFilter(field_name="window_start", lookup_expr="lte")
    window_end_after = django_filters.DateFilter(
        field_name="window_end", lookup_expr="gte", label="Window ends on or after"
    )
    window_end_before = django_filters.DateFilter(
        field_name="window_end", lookup_expr="lte", label="Window ends on or before"
    )


class SlaEvaluationFilterSet(TermWindowFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=EvaluationStatus.choices)

    class Meta:
        model = models.SlaEvaluation
        fields = ["term", "contract", "status", "is_closed"]


class BreachFilterSet(TermWindowFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BreachStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact", label="Currency")
    # Breaches that owe a credit (more than zero): the cost ledger's credits link to them.
    has_credit = BooleanFilter(method="filter_has_credit", label="Owes a credit")

    class Meta:
        model = models.Breach
        fields = ["term", "contract", "vendor", "area", "status", "severity"]

    def filter_has_credit(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        owes = Q(credit_amount__gt=0)
        return queryset.filter(owes) if value else queryset.exclude(owes)


class MeasurementFilterSet(FilterSet):
    contract = ContractChoiceFilter()
    kpi = KpiRefFilter(field_name="kpi", label="KPI id or code")
    vendor = VendorChoiceFilter(field_name="contract__vendor")
    source = django_filters.MultipleChoiceFilter(choices=MeasurementSource.choices)
    period_end_after = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label="Period ends on/after"
    )
    period_end_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Period ends on/before"
    )
    recorded_by = NumberFilter(field_name="recorded_by", label="Recorded by (user id)")
    # When the row was last written (created or changed): an import's rows are those it wrote while it ran.
    written_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label="Written at/after")
    written_before = IsoDateTimeFilter(field_name="updated_at", lookup_expr="lte", label="Written at/before")

    class Meta:
        model = models.Measurement
        fields = [
            "contract",
            "vendor",
            "kpi",
            "source",
            "period_end_after",
            "period_end_before",
            "recorded_by",
            "written_after",
            "written_before",
        ]


def _register_choices() -> list[tuple[str, str]]:
    from apps.core.importing import import_registers

    return [*((register.key, register.label) for register in import_registers()), ("workbook", "Workbook")]


class ImportJobFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ImportStatus.choices)
    register = django_filters.ChoiceFilter(choices=_register_choices, empty_label="Any register")

    class Meta:
        model = models.ImportJob
        fields = ["status", "register", "created_by"]
