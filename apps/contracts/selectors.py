"""Reads of contracts and their checklists.

Everyone signed in reads everything, so ``user`` does not narrow anything yet; it is taken so that
every caller already passes it when scoping arrives. Each list joins or prefetches what its API and
HTML pages show, so a page costs the same number of queries whatever its length.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract, ContractClause, ExitPlanItem


def contract_list(*, user: Any | None = None) -> QuerySet[Contract]:
    return Contract.objects.select_related("vendor", "parent").prefetch_related("functions")


def contract_choice_list(*, user: Any | None = None) -> QuerySet[Contract]:
    """The contracts a filter menu offers (every signed-in person reads every contract): id, title and
    vendor name only, by vendor then title — one query."""
    return (
        Contract.objects.select_related("vendor")
        .only("pk", "title", "vendor__name")
        .order_by("vendor__name", "title", "pk")
    )


def contract_detail(*, user: Any | None = None) -> QuerySet[Contract]:
    """Contracts with their clause checklist and exit plan (for one contract's page)."""
    return contract_list(user=user).prefetch_related("clauses", "exit_plan_items__owner")


def contracts_renewing_within(*, as_of: date, days: int, user: Any | None = None) -> QuerySet[Contract]:
    """Active contracts whose cancel-by date falls from ``as_of`` to ``days`` days later (inclusive):
    the ones to cancel or renew now. A draft, expired or terminated contract has nothing to decide."""
    return contract_list(user=user).filter(
        status=ContractStatus.ACTIVE, cancel_by__gte=as_of, cancel_by__lte=as_of + timedelta(days=days)
    )


def clause_list(*, user: Any | None = None) -> QuerySet[ContractClause]:
    return ContractClause.objects.select_related("contract")


def exit_plan_item_list(*, user: Any | None = None) -> QuerySet[ExitPlanItem]:
    return ExitPlanItem.objects.select_related("contract", "owner")
