"""What contracts adds to the floors below it, which never import it. ``register`` runs once, from
``ContractsConfig.ready``; each registration is idempotent.

**The portfolio scope** (``apps.contracts.scope``) stays in contracts: it is the lowest floor that can
say what every scope filter means for every kind of row, because a function meets a vendor, and a
vendor meets an engagement model or a function category, only through a contract. The dashboards'
numbers and the lists they drill down to build their conditions there, so they cannot disagree.
Contracts adds the scope's filters to the FilterSets of the lists below it (``apps.core.filters``):

- the functions list (``FUNCTION_ROW``): vendor geography, tier, engagement model and function
  category, plus the vendor (``served_by``) or vendor country (``served_from``) whose active contract
  covers a function, and the contract covering it (``contract``);
- the vendor list (``VENDOR_ROW``): function category, and the engagement model of its contracts (one
  value; a vendor with several such contracts is one row). Geography and tier are the vendor's own;
- the lists of a vendor's records (``VENDOR_RECORD_ROW``): certifications, risks, access grants,
  service reviews.

**The policy conflict only contracts can see** (``apps.functions.conflicts``): an active contract
covers a function decided keep in-house or recommended never outsource, and no policy exception in
force on that contract accepts it (``contract_conflict``).

**The pages**: the vendor page's *Contracts* tab counts the vendor's contracts (``contract_count`` on
``vendors.vendor_detail``, ``apps.core.annotations``); the function page lists the contracts covering
the function (a panel, ``apps.core.sections``).

The vendor lifecycle's conditions only contracts can see (no active contract before *exited*, the exit
plans) are registered on the vendor gates by ``apps.contracts.gates``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django_filters import Filter, FilterSet

from apps.contracts.choices import ContractStatus, EngagementModel
from apps.contracts.gates import POLICY_EXCEPTION_KIND
from apps.contracts.models import Contract
from apps.contracts.scope import (
    FUNCTION_ROW,
    VENDOR_RECORD_ROW,
    VENDOR_ROW,
    PortfolioScopeFilterSet,
    ScopeAnchor,
    scope_condition,
)
from apps.core.annotations import register_annotation
from apps.core.filters import NumberFilter, register_filters, registered_filter_names
from apps.core.sections import register_section
from apps.functions.choices import Decision, Recommendation
from apps.functions.conflicts import PolicyConflict, exceptions_in_force, register_conflict
from apps.functions.filters import FunctionFilterSet
from apps.functions.models import Function
from apps.functions.sections import FUNCTION_PAGE
from apps.vendors import filters as vendor_filters
from apps.vendors.selectors import VENDOR_DETAIL

FilterMethod = Callable[[QuerySet[Any], str, Any], QuerySet[Any]]


# -- the portfolio scope on the lists below ----------------------------------------------------------
def _scope_method(anchor: ScopeAnchor) -> FilterMethod:
    def filter_scope(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(scope_condition(anchor, name, value))

    return filter_scope


def scope_filters(filterset: type[FilterSet], anchor: ScopeAnchor) -> dict[str, Filter]:
    """The filters of ``PortfolioScopeFilterSet`` on rows of ``anchor``, but for those ``filterset``
    declares itself (its own filter of the same name wins, as in a ``PortfolioScopeFilterSet``)."""
    own = set(filterset.base_filters) - registered_filter_names(filterset)
    method = _scope_method(anchor)
    found = {}
    for name, declared in PortfolioScopeFilterSet.base_filters.items():
        if name in own:
            continue
        scope_filter = copy.deepcopy(declared)
        scope_filter.method = method
        found[name] = scope_filter
    return found


def filter_served(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    """The functions an active contract of the vendor (``served_by``, an id) or of a vendor of the
    country (``served_from``, an ISO code) covers."""
    scope_name, scope_value = ("vendor", int(value)) if name == "served_by" else ("country", str(value).upper())
    return queryset.filter(scope_condition(FUNCTION_ROW, scope_name, [scope_value]))


def filter_vendor_engagement_model(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    # A vendor with several such contracts is still one row.
    return queryset.filter(contracts__engagement_model=value).distinct()


def register_list_filters() -> None:
    register_filters(
        FunctionFilterSet,
        contract=NumberFilter(field_name="contracts", distinct=True, label="Covered by contract"),
        **scope_filters(FunctionFilterSet, FUNCTION_ROW),
        served_by=NumberFilter(method=filter_served, label="Served by vendor (id, active contract)"),
        served_from=django_filters.CharFilter(method=filter_served, label="Served from country (ISO code)"),
    )
    register_filters(
        vendor_filters.VendorFilterSet,
        **{
            **scope_filters(vendor_filters.VendorFilterSet, VENDOR_ROW),
            "engagement_model": django_filters.ChoiceFilter(
                choices=EngagementModel.choices,
                method=filter_vendor_engagement_model,
                label="Engagement model",
                help_text="Vendors with at least one contract of this engagement model.",
            ),
        },
    )
    for records in (
        vendor_filters.CertificationFilterSet,
        vendor_filters.VendorRiskFilterSet,
        vendor_filters.AccessGrantFilterSet,
        vendor_filters.ServiceReviewFilterSet,
    ):
        register_filters(records, **scope_filters(records, VENDOR_RECORD_ROW))


# -- the policy conflict only contracts can see --------------------------------------------------------
def contract_conflict_condition(today: date) -> Q:
    """Decided keep in-house or recommended never outsource (``function_list``'s ``recommended``), and
    an active contract covers it with no policy exception in force on that contract accepting it."""
    excepted = exceptions_in_force(kind=POLICY_EXCEPTION_KIND, model=Contract, as_of=today).filter(
        object_id=OuterRef("pk")
    )
    uncovered = Contract.objects.filter(functions=OuterRef("pk"), status=ContractStatus.ACTIVE).exclude(
        Exists(excepted)
    )
    kept_in_house = Q(decision=Decision.KEEP_IN_HOUSE) | Q(recommended=Recommendation.NEVER_OUTSOURCE)
    return kept_in_house & Q(Exists(uncovered))


def contract_conflict_reason(function: Any) -> str:
    why = "decided “keep in-house”" if function.decision == Decision.KEEP_IN_HOUSE else "recommended “never outsource”"
    return (
        f"An active contract covers this function although it is {why}, and no policy exception in "
        "force on that contract accepts it."
    )


CONTRACT_CONFLICT = PolicyConflict(
    name="contract_conflict", condition=contract_conflict_condition, reason=contract_conflict_reason, order=100
)


# -- the pages below ------------------------------------------------------------------------------------
def vendor_contract_count() -> Coalesce:
    """The number of the vendor's contracts (the vendor page's *Contracts* tab, ``apps.contracts.sections``)."""
    rows = Contract.objects.filter(vendor=OuterRef("pk")).order_by().values("vendor")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def function_contracts_panel(request: HttpRequest, function: Function) -> dict[str, Any]:
    """The contracts that cover a function, with their vendors."""
    return {"contracts": function.contracts.select_related("vendor").order_by("-start_date", "title")}


def register() -> None:
    register_list_filters()
    register_conflict(CONTRACT_CONFLICT)
    register_annotation(VENDOR_DETAIL, "contract_count", vendor_contract_count)
    register_section(
        FUNCTION_PAGE,
        key="contracts",
        label="Contracts covering it",
        template="contracts/panels/function_contracts.html",
    )(function_contracts_panel)
