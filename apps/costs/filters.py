"""The FilterSet of the invoices, shared by the API and the list page; and the ledger's filter bar
(``LedgerFilterSet``: the contracts it reads and the months it covers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from apps.contracts.filters import ContractChoiceFilter
from apps.contracts.models import Contract
from apps.core.filters import FilterSet, NumberFilter
from apps.core.forms import people
from apps.costs.choices import InvoiceStatus
from apps.costs.models import Invoice, OwnerHours
from apps.costs.selectors import week_monday
from apps.vendors.filters import VendorChoiceFilter


class InvoiceFilterSet(FilterSet):
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    period_from = django_filters.DateFilter(method="filter_period_from", label="Period ends on or after")
    period_to = django_filters.DateFilter(method="filter_period_to", label="Period starts on or before")
    # The ledger's drill-down: the invoices it counts in a month are those whose period *ends* in it.
    period_end_after = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label="Period ends on or after"
    )
    period_end_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Period ends on or before"
    )

    class Meta:
        model = Invoice
        fields = ["contract", "vendor", "status", "period_from", "period_to", "period_end_after", "period_end_before"]

    def filter_period_from(self, queryset: QuerySet[Invoice], name: str, value: date) -> QuerySet[Invoice]:
        return queryset.filter(period_end__gte=value)

    def filter_period_to(self, queryset: QuerySet[Invoice], name: str, value: date) -> QuerySet[Invoice]:
        return queryset.filter(period_start__lte=value)


# -- the ledger ----------------------------------------------------------------------------------------------
MONTH_FORMAT = "%Y-%m"


class MonthInput(forms.TextInput):
    """``<input type="month">``: a browser offers a month picker and sends ``2026-10``."""

    input_type = "month"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return value.strftime(MONTH_FORMAT)
        return super().format_value(value)


class MonthField(forms.DateField):
    """A calendar month, ``YYYY-MM``, read as its first day."""

    widget = MonthInput
    input_formats = [MONTH_FORMAT]
    default_error_messages = {"invalid": "Enter a month as YYYY-MM."}

    def strptime(self, value: str, format: str) -> date:
        return datetime.strptime(value, format).date().replace(day=1)


class MonthFilter(django_filters.Filter):
    """A month of the ledger's window. It narrows the months, not the contracts: the view reads it from
    the form (``LedgerFilterSet.window``)."""

    field_class = MonthField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs


class LedgerFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from_month"), cleaned.get("to_month")
        if start and end and end < start:
            self.add_error("to_month", "The last month comes before the first.")
        return cleaned


class LedgerFilterSet(FilterSet):
    """Which contracts the ledger reads (a vendor's, one contract) and which months (``from_month`` to
    ``to_month``, both included; the view defaults them)."""

    vendor = VendorChoiceFilter(field_name="vendor", empty_label="Any vendor")
    contract = ContractChoiceFilter(field_name="pk", method="filter_contract", empty_label="Any contract")
    from_month = MonthFilter(label="From month")
    to_month = MonthFilter(label="To month")

    class Meta:
        model = Contract
        form = LedgerFilterForm
        fields = ["vendor", "contract", "from_month", "to_month"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["vendor"].widget.attrs["aria-label"] = "Vendor"
        for name in ("from_month", "to_month"):
            field = self.form.fields[name]
            field.widget.attrs.update({"aria-label": str(field.label), "title": str(field.label)})
        self.form.fields["contract"].widget.attrs["aria-label"] = "Contract"

    def filter_contract(self, queryset: QuerySet[Contract], name: str, value: Contract) -> QuerySet[Contract]:
        return queryset.filter(pk=value.pk)


class OwnerHoursFilterSet(FilterSet):
    """The filters of the page and the API: a contract, a vendor, a person, one week (any day of it) or a
    range of weeks."""

    contract = ContractChoiceFilter()
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    person = django_filters.ModelChoiceFilter(queryset=people(), label="Person")
    week = django_filters.DateFilter(method="filter_week", label="Week of")
    week_from = django_filters.DateFilter(field_name="week_of", lookup_expr="gte", label="Weeks from")
    week_to = django_filters.DateFilter(field_name="week_of", lookup_expr="lte", label="Weeks to")

    class Meta:
        model = OwnerHours
        fields = ["contract", "vendor", "person", "week", "week_from", "week_to"]

    def filter_week(self, queryset: QuerySet[OwnerHours], name: str, value: date) -> QuerySet[OwnerHours]:
        return queryset.filter(week_of=week_monday(value))
