"""Reads of the KPI catalogue and performance bands."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.kpis.models import KpiDefinition, PerformanceBand


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
