"""Writes of the KPI catalogue and performance bands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.core.errors import ConflictError
from apps.core.services import model_create, model_delete, model_update
from apps.kpis.models import KpiDefinition, PerformanceBand

# A KPI's measurements are stored in the terms of these fields: changing them once it is measured
# would silently change what the stored values mean.
KPI_MEANING_FIELDS = ("aggregation", "multiplier", "unit")


# -- KPI definitions and performance bands -------------------------------------------------------------
def kpi_definition_create(*, actor: Any | None, data: Mapping[str, Any]) -> KpiDefinition:
    return model_create(KpiDefinition, actor=actor, data=data, action="kpi_definition_create")


def kpi_definition_update(*, instance: KpiDefinition, actor: Any | None, data: Mapping[str, Any]) -> KpiDefinition:
    """Change a KPI. Once it has measurements its unit, aggregation and multiplier are fixed (409):
    the stored values are expressed in them."""
    changed = kpi_definition_locked_changes(instance=instance, data=data)
    if changed:
        raise ConflictError(
            f"{instance.name} already has measurements; its {', '.join(changed)} can no longer change.",
            field=changed[0],
        )
    return model_update(instance, actor=actor, data=data, action="kpi_definition_update")


def kpi_definition_locked_changes(*, instance: KpiDefinition, data: Mapping[str, Any]) -> list[str]:
    """The fields in ``data`` that would change the meaning of the KPI's existing measurements."""
    changed = [name for name in KPI_MEANING_FIELDS if name in data and data[name] != getattr(instance, name)]
    return changed if changed and instance.pk and instance.measurements.exists() else []


def kpi_definition_delete(*, instance: KpiDefinition, actor: Any | None) -> None:
    """A KPI that is measured or used by an SLA term cannot be deleted (409)."""
    model_delete(instance, actor=actor, action="kpi_definition_delete")


def performance_band_create(*, actor: Any | None, data: Mapping[str, Any]) -> PerformanceBand:
    return model_create(PerformanceBand, actor=actor, data=data, action="performance_band_create")


def performance_band_update(
    *, instance: PerformanceBand, actor: Any | None, data: Mapping[str, Any]
) -> PerformanceBand:
    return model_update(instance, actor=actor, data=data, action="performance_band_update")


def performance_band_delete(*, instance: PerformanceBand, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="performance_band_delete")
