"""Reads of contracts, their checklists, SLA terms, evaluations and breaches.

Everyone signed in reads everything, so ``user`` does not narrow anything yet; it is taken so that
every caller already passes it when scoping arrives. Each list joins or prefetches what its API and
HTML pages show, so a page costs the same number of queries whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Breach, Contract, ContractClause, ExitPlanItem, SlaEvaluation, SlaTerm


def contract_list(*, user: Any | None = None) -> QuerySet[Contract]:
    return Contract.objects.select_related("vendor", "parent").prefetch_related("functions")


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


def sla_term_list(*, user: Any | None = None) -> QuerySet[SlaTerm]:
    return SlaTerm.objects.select_related("contract", "contract__vendor", "kpi")


def sla_evaluation_list(*, user: Any | None = None) -> QuerySet[SlaEvaluation]:
    return SlaEvaluation.objects.select_related("term", "term__kpi", "term__contract")


def breach_list(*, user: Any | None = None) -> QuerySet[Breach]:
    return Breach.objects.select_related(
        "term",
        "term__kpi",
        "term__contract",
        "term__contract__vendor",
        "acknowledged_by",
        "resolved_by",
        "waived_by",
    )


def sla_term_current_status(
    *, contract: Contract | None = None, terms: Sequence[int] | None = None
) -> dict[int, dict[str, SlaEvaluation | None]]:
    """Per SLA term of ``contract`` (or of the ids ``terms``): its latest closed evaluation and the open
    window's (two queries)."""
    if (contract is None) == (terms is None):
        raise ValueError("Name a contract or the terms.")
    status: dict[int, dict[str, SlaEvaluation | None]] = {}
    evaluations = (
        SlaEvaluation.objects.filter(term__contract=contract)
        if contract is not None
        else SlaEvaluation.objects.filter(term_id__in=list(terms or ()))
    )
    latest_closed = evaluations.filter(is_closed=True).order_by("term_id", "-window_start").distinct("term_id")
    open_now = evaluations.filter(is_closed=False).order_by("term_id", "-window_start").distinct("term_id")
    for evaluation in latest_closed:
        status.setdefault(evaluation.term_id, {"closed": None, "open": None})["closed"] = evaluation
    for evaluation in open_now:
        status.setdefault(evaluation.term_id, {"closed": None, "open": None})["open"] = evaluation
    return status
