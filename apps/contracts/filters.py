"""FilterSets shared by the API and the HTML list pages (one per model)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.contracts import models, selectors
from apps.contracts.choices import ContractStatus, EngagementModel, Renewal
from apps.contracts.scope import CONTRACT_ROW, PortfolioScopeFilterSet, scope_condition
from apps.core.filters import BooleanFilter, FilterSet, NumberFilter
from apps.core.search import unaccent_contains
from apps.vendors.filters import MenuModelChoiceField, VendorChoiceFilter


def _contract_choices(request: Any) -> QuerySet[models.Contract]:
    return selectors.contract_choice_list(user=getattr(request, "user", None))


class ContractChoiceField(MenuModelChoiceField):
    """Contract titles repeat across vendors (“Managed services 2026”): the menu names the vendor too."""

    search_fields = ("title", "vendor__name")

    def label_from_instance(self, obj: models.Contract) -> str:
        return f"{obj.title} — {obj.vendor.name}"


class ContractChoiceFilter(django_filters.ModelChoiceFilter):
    """A contract by id (``?contract=7``; an id that is no contract is refused, on the filter's name). The
    measurements list and its API use it; the filter bar draws it as a menu of “title — vendor” (one query
    of ids, titles and vendor names, only when the menu is drawn)."""

    field_class = ContractChoiceField

    def __init__(self, field_name: str = "contract", **kwargs: Any) -> None:
        kwargs.setdefault("queryset", _contract_choices)
        kwargs.setdefault("label", "Contract")
        super().__init__(field_name=field_name, **kwargs)


class ContractFilterSet(PortfolioScopeFilterSet):
    # + the portfolio scope (vendor geography and tier, function category): apps/contracts/scope.py
    scope_anchor = CONTRACT_ROW
    q = django_filters.CharFilter(method="filter_q", label="Title or reference contains")
    vendor = VendorChoiceFilter()
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices)
    engagement_model = django_filters.MultipleChoiceFilter(choices=EngagementModel.choices)
    renewal = django_filters.MultipleChoiceFilter(choices=Renewal.choices)
    function = NumberFilter(field_name="functions", distinct=True, label="Covers function (id)")
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
        # Accent- and case-insensitive, as global search (apps.core.search).
        return queryset.filter(unaccent_contains(["title", "reference"], value))


class ContractClauseFilterSet(FilterSet):
    class Meta:
        model = models.ContractClause
        fields = ["contract", "kind", "assessment"]


class ExitPlanItemFilterSet(FilterSet):
    done = BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True, label="Done")

    class Meta:
        model = models.ExitPlanItem
        fields = ["contract", "kind", "owner", "done"]
