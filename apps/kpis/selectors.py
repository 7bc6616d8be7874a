"""Reads of the KPI catalogue, performance bands and measurements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.contracts.choices import ContractStatus
from apps.kpis.models import KpiDefinition, Measurement, MeasurementImport, PerformanceBand


def kpi_definition_list(*, user: Any = None) -> QuerySet[KpiDefinition]:
    """KPIs with their bands (best first within each source and year): two queries for any number."""
    bands = PerformanceBand.objects.order_by("source", "-year", "rank")
    return KpiDefinition.objects.prefetch_related(Prefetch("bands", queryset=bands))


def kpi_by_reference(reference: str | int) -> KpiDefinition | None:
    """A KPI by its id or its code (integrations may name a KPI either way)."""
    text = str(reference).strip()
    lookup = {"pk": int(text)} if text.isdigit() else {"code": text}
    return KpiDefinition.objects.filter(**lookup).first()


def performance_band_list(*, user: Any = None) -> QuerySet[PerformanceBand]:
    return PerformanceBand.objects.select_related("kpi")


def performance_band_for(
    *, kpi: KpiDefinition, value: Decimal, source: str, year: int | None = None
) -> PerformanceBand | None:
    """The band of ``source`` (the latest year unless given) that holds ``value``: lower ≤ value < upper."""
    bands = PerformanceBand.objects.filter(kpi=kpi, source=source)
    if year is None:
        year = bands.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            return None
    return (
        bands.filter(year=year)
        .filter(Q(lower__isnull=True) | Q(lower__lte=value), Q(upper__isnull=True) | Q(upper__gt=value))
        .order_by("rank")
        .first()
    )


def measurement_list(*, user: Any = None) -> QuerySet[Measurement]:
    return Measurement.objects.select_related("kpi", "contract", "contract__vendor", "recorded_by")


# -- who logs KPIs for which engagement (the entry grid) ------------------------------------------------
LOG_MEASUREMENTS_PERMISSION = "kpis.add_measurement"


def _logs_for_every_contract(user: Any) -> bool:
    """Admins (and any other role given the permission) log for every contract; an engineering manager
    only for the engagements they own. Mirrors ``apps.vendors.services.can_manage_reviews``."""
    from apps.accounts.choices import Role

    return bool(user.is_superuser or user.has_role(Role.ADMIN) or not user.has_role(Role.ENGINEERING_MANAGER))


def owned_only(user: Any) -> bool:
    """Whether ``user`` logs KPIs only for the engagements they own (an engineering manager who is not
    an admin); False for no user (a command, the demo data)."""
    return bool(getattr(user, "is_authenticated", False)) and not _logs_for_every_contract(user)


def owns_engagement(user: Any, *, engineering_owner_id: int | None, delivery_owner_id: int | None) -> bool:
    return user.pk in (engineering_owner_id, delivery_owner_id)


def may_log_measurements(*, user: Any, contract: Any) -> bool:
    """Whether ``user`` may log ``contract``'s KPIs: the permission to add measurements, and for an
    engineering manager ownership of the engagement — being the engineering or delivery owner of the
    contract's vendor (a contract has no owners of its own; its vendor's named owners run it)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(LOG_MEASUREMENTS_PERMISSION):
        return False
    if _logs_for_every_contract(user):
        return True
    vendor = contract.vendor
    return owns_engagement(
        user, engineering_owner_id=vendor.engineering_owner_id, delivery_owner_id=vendor.delivery_owner_id
    )


# The contracts whose KPIs the entry grid logs: those the SLA engine evaluates (late data for an expired
# one still counts).
MEASURED_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)


def measurement_contracts_for(*, user: Any) -> QuerySet[Any]:
    """The engagements ``user`` logs KPIs for, as offered by the entry grid: active and expired contracts
    (the ones the SLA engine evaluates; late data for an expired one still counts), each with the number
    of KPIs its SLA terms measure and the end of the last period logged. Nothing without the permission."""
    from django.db.models import Count, IntegerField, Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from apps.contracts.models import Contract, SlaTerm

    contracts = Contract.objects.select_related("vendor").filter(status__in=MEASURED_CONTRACT_STATUSES)
    if not getattr(user, "is_authenticated", False) or not user.has_perm(LOG_MEASUREMENTS_PERMISSION):
        return contracts.none()
    if not _logs_for_every_contract(user):
        contracts = contracts.filter(Q(vendor__engineering_owner=user) | Q(vendor__delivery_owner=user))
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


# -- CSV imports ----------------------------------------------------------------------------------------------
def measurement_import_list(*, user: Any = None) -> QuerySet[MeasurementImport]:
    """Imports without their payload (the file's rows, the error list): a list reads only the counts."""
    return MeasurementImport.objects.select_related("created_by").defer("rows", "errors")


def measurement_import_detail(*, user: Any = None) -> QuerySet[MeasurementImport]:
    """One import with its errors for its page, without the file's rows (which only the worker reads)."""
    return MeasurementImport.objects.select_related("created_by").defer("rows")


def measurement_import_example_contract(*, user: Any = None) -> Any:
    """A contract for the import template's example rows: an active one with a reference if any."""
    from apps.contracts.choices import ContractStatus
    from apps.contracts.models import Contract

    contracts = Contract.objects.only("pk", "reference").order_by("pk")
    return contracts.filter(status=ContractStatus.ACTIVE).exclude(reference="").first() or contracts.first()
