"""The FilterSet of the invoices, shared by the API and the list page."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import QuerySet

from apps.core.filters import FilterSet, NumberFilter
from apps.costs.choices import InvoiceStatus
from apps.costs.models import Invoice


class InvoiceFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    period_from = django_filters.DateFilter(method="filter_period_from", label="Period ends on or after")
    period_to = django_filters.DateFilter(method="filter_period_to", label="Period starts on or before")

    class Meta:
        model = Invoice
        fields = ["contract", "vendor", "status", "period_from", "period_to"]

    def filter_period_from(self, queryset: QuerySet[Invoice], name: str, value: date) -> QuerySet[Invoice]:
        return queryset.filter(period_end__gte=value)

    def filter_period_to(self, queryset: QuerySet[Invoice], name: str, value: date) -> QuerySet[Invoice]:
        return queryset.filter(period_start__lte=value)
