"""Reads of the performance domain: SLA terms, their evaluations and breaches, measurements and their
CSV imports, and who logs KPIs for which engagement.

Everyone signed in reads everything, so ``user`` does not narrow anything yet; it is taken so that
every caller already passes it when scoping arrives. Each list joins or prefetches what its API and
HTML pages show, so a page costs the same number of queries whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.performance.imports import import_jobs_visible
from apps.performance.models import Breach, ImportJob, Measurement, SlaEvaluation, SlaTerm
from apps.vendors import ownership


# -- SLA terms, evaluations, breaches ----------------------------------------------------------------------
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


# -- measurements -------------------------------------------------------------------------------------------
def measurement_list(*, user: Any = None) -> QuerySet[Measurement]:
    return Measurement.objects.select_related("kpi", "contract", "contract__vendor", "recorded_by")


# -- who logs KPIs for which engagement (the entry grid) ------------------------------------------------
LOG_MEASUREMENTS_PERMISSION = "performance.add_measurement"


def may_log_measurements(*, user: Any, contract: Any) -> bool:
    """Whether ``user`` may log ``contract``'s KPIs: the permission to add measurements, and ownership
    of the engagement as ``apps.vendors.ownership`` rules it (an engineering manager: being the
    engineering or delivery owner of the contract's vendor — a contract's owners are its vendor's)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(LOG_MEASUREMENTS_PERMISSION):
        return False
    return ownership.may_write(user, ownership.prospective(Measurement, contract))


# The contracts whose KPIs the entry grid logs: those the SLA engine evaluates (late data for an expired
# one still counts).
MEASURED_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


def measurement_contracts_for(*, user: Any) -> QuerySet[Any]:
    """The engagements ``user`` logs KPIs for, as offered by the entry grid: active and expired contracts
    (the ones the SLA engine evaluates; late data for an expired one still counts), each with the number
    of KPIs its SLA terms measure and the end of the last period logged. Nothing without the permission."""
    contracts = Contract.objects.select_related("vendor").filter(status__in=MEASURED_CONTRACT_STATUSES)
    if not getattr(user, "is_authenticated", False) or not user.has_perm(LOG_MEASUREMENTS_PERMISSION):
        return contracts.none()
    contracts = contracts.filter(ownership.parents_q(user, Measurement))
    sla_kpis = (
        SlaTerm.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(n=Count("kpi", distinct=True))
        .values("n")[:1]
    )
    last_logged = (
        Measurement.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(last=Max("period_end"))
        .values("last")[:1]
    )
    return contracts.annotate(
        sla_kpi_count=Coalesce(Subquery(sla_kpis, output_field=IntegerField()), 0),
        last_logged=Subquery(last_logged),
    )


# -- imports (every register: apps.performance.imports) ------------------------------------------------------
def import_job_list(*, user: Any = None) -> QuerySet[ImportJob]:
    """The imports ``user`` may see, without their payload (the file's rows, the error list): a list
    reads only the counts."""
    jobs = ImportJob.objects.select_related("created_by").defer("rows", "errors")
    return import_jobs_visible(user, jobs) if user is not None else jobs


def import_job_detail(*, user: Any = None) -> QuerySet[ImportJob]:
    """One import the user may see, with its errors for its page, without the file's rows (which only
    the worker reads)."""
    jobs = ImportJob.objects.select_related("created_by").defer("rows")
    return import_jobs_visible(user, jobs) if user is not None else jobs


def measurement_import_example_contract(*, user: Any = None) -> Any:
    """A contract for the import template's example rows: an active one with a reference if any."""
    contracts = Contract.objects.only("pk", "reference").order_by("pk")
    return contracts.filter(status=ContractStatus.ACTIVE).exclude(reference="").first() or contracts.first()
