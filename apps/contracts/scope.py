"""The portfolio scope: the filters the dashboards narrow their numbers by — vendor geography, vendor
tier, engagement model, function category (and, for a vendor's own page or a concentration row, one
vendor or one country) — defined once for every kind of row they apply to.

The dashboards' tiles (``apps.dashboards.tiles``) and the FilterSets of the list pages they
drill down to (``PortfolioScopeFilterSet``) both build their conditions here, so a number on a
dashboard and the list behind it cannot disagree. What each filter means for each kind of row:

=============================================  ==========================  ===========================  ==============================
row                                            geography / tier / country  engagement model             function category
=============================================  ==========================  ===========================  ==============================
contract, and its SLA evaluations and breaches its vendor's                its own                      it covers a function of it
vendor, and its certifications, risks,         the vendor's                the vendor has a contract    the vendor has a contract
access grants and service reviews                                          of the model                 covering a function of it
function                                       an *active* contract of     an *active* contract of the  its own
                                               such a vendor covers it     model covers it
=============================================  ==========================  ===========================  ==============================

Every condition is a plain column or an ``EXISTS``: it never joins a to-many relation into the outer
query, so it never duplicates rows and sums over a filtered queryset stay true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.contracts.choices import ContractStatus, EngagementModel
from apps.contracts.models import Contract
from apps.core.filters import FilterSet
from apps.functions.choices import FunctionCategory
from apps.vendors.choices import Geography, Tier

# The filters of the dashboards' filter bar (and of every list a dashboard number drills down to).
SCOPE_FILTERS = ("geography", "tier", "engagement_model", "function_category")
# Attributes of the vendor itself ("vendor" is the vendor's id).
VENDOR_ATTRIBUTES = ("geography", "tier", "country", "vendor")
SCOPE_NAMES = (*VENDOR_ATTRIBUTES, "engagement_model", "function_category")


@dataclass(frozen=True)
class ScopeAnchor:
    """Where a kind of row meets the scope: the path from the row to its vendor and to its contract
    (``""``: the row is the vendor / the contract; None: it has none). Neither: the row is a function."""

    vendor: str | None = None
    contract: str | None = None

    @property
    def is_function(self) -> bool:
        return self.vendor is None and self.contract is None


VENDOR_ROW = ScopeAnchor(vendor="")
VENDOR_RECORD_ROW = ScopeAnchor(vendor="vendor")  # certifications, risks, access grants, service reviews
CONTRACT_ROW = ScopeAnchor(vendor="vendor", contract="")
TERM_ROW = ScopeAnchor(vendor="term__contract__vendor", contract="term__contract")  # evaluations, breaches
FUNCTION_ROW = ScopeAnchor()


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def _outer(prefix: str) -> OuterRef:
    return OuterRef(prefix or "pk")


def _vendor_lookup(anchor_vendor: str, name: str) -> str:
    if name == "vendor":
        return f"{anchor_vendor}__in" if anchor_vendor else "pk__in"
    return _path(anchor_vendor, f"{name}__in")


def scope_condition(anchor: ScopeAnchor, name: str, values: Iterable[Any]) -> Q:
    """The condition of one scope filter (``name`` one of ``SCOPE_NAMES``) on rows of ``anchor``: the
    row matches any of ``values``."""
    values = [values] if isinstance(values, str | int) else list(values)
    if name not in SCOPE_NAMES:
        raise ValueError(f"Unknown scope filter {name!r}.")
    if anchor.is_function:
        if name == "function_category":
            return Q(category__in=values)
        lookup = "engagement_model__in" if name == "engagement_model" else _vendor_lookup("vendor", name)
        covering = Contract.objects.filter(functions=OuterRef("pk"), status=ContractStatus.ACTIVE, **{lookup: values})
        return Q(Exists(covering))
    assert anchor.vendor is not None  # every other row belongs to a vendor
    if name in VENDOR_ATTRIBUTES:
        return Q(**{_vendor_lookup(anchor.vendor, name): values})
    if anchor.contract is not None:
        if name == "engagement_model":
            return Q(**{_path(anchor.contract, "engagement_model__in"): values})
        covered = Contract.functions.through.objects.filter(
            contract=_outer(anchor.contract), function__category__in=values
        )
        return Q(Exists(covered))
    lookup = "engagement_model__in" if name == "engagement_model" else "functions__category__in"
    return Q(Exists(Contract.objects.filter(vendor=_outer(anchor.vendor), **{lookup: values})))


def scope_q(anchor: ScopeAnchor, scope: Mapping[str, Iterable[Any]]) -> Q:
    """Every filter of ``scope`` (name → values; empty values are no filter) on rows of ``anchor``."""
    condition = Q()
    for name, values in scope.items():
        listed = [values] if isinstance(values, str | int) else list(values)
        if listed and listed != [""]:
            condition &= scope_condition(anchor, name, listed)
    return condition


class PortfolioScopeFilterSet(FilterSet):
    """The scope filters of a list page, on rows of ``scope_anchor`` (a FilterSet declaring a filter of
    the same name keeps its own: the vendors' geography and tier are plain fields of theirs)."""

    scope_anchor: ClassVar[ScopeAnchor] = VENDOR_RECORD_ROW

    geography = django_filters.MultipleChoiceFilter(
        choices=Geography.choices, method="filter_scope", label="Vendor geography"
    )
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, method="filter_scope", label="Vendor tier")
    engagement_model = django_filters.MultipleChoiceFilter(
        choices=EngagementModel.choices, method="filter_scope", label="Engagement model"
    )
    function_category = django_filters.MultipleChoiceFilter(
        choices=FunctionCategory.choices, method="filter_scope", label="Function category"
    )

    def filter_scope(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value in (None, "", []):
            return queryset
        return queryset.filter(scope_condition(self.scope_anchor, name, value))
