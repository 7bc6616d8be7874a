"""KPI definition guards: a KPI in use cannot be deleted, a measured KPI keeps its meaning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.errors import ConflictError
from apps.kpis import services
from apps.kpis.models import KpiDefinition
from tests.factories import KpiDefinitionFactory, MeasurementFactory, SlaTermFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("use", ["measurement", "sla_term"])
def test_a_kpi_in_use_cannot_be_deleted(use: str) -> None:
    used = MeasurementFactory().kpi if use == "measurement" else SlaTermFactory().kpi
    with pytest.raises(ConflictError, match="still referenced"):
        services.kpi_definition_delete(instance=used, actor=UserFactory(role="admin"))
    assert KpiDefinition.objects.filter(pk=used.pk).exists()
    unused = KpiDefinitionFactory()
    services.kpi_definition_delete(instance=unused, actor=UserFactory(role="admin"))
    assert not KpiDefinition.objects.filter(pk=unused.pk).exists()


@pytest.mark.parametrize(("field", "new"), [("aggregation", "ratio"), ("multiplier", Decimal(100)), ("unit", "hours")])
def test_a_measured_kpi_keeps_its_meaning(field, new) -> None:
    admin = UserFactory(role="admin")
    measured = MeasurementFactory().kpi
    with pytest.raises(ConflictError) as caught:
        services.kpi_definition_update(instance=measured, actor=admin, data={field: new, "name": "Renamed"})
    assert caught.value.field == field
    measured.refresh_from_db()
    assert measured.name != "Renamed"
    services.kpi_definition_update(instance=measured, actor=admin, data={"name": "Renamed", "description": "Clearer"})
    unmeasured = KpiDefinitionFactory()
    services.kpi_definition_update(instance=unmeasured, actor=admin, data={field: new})
    unmeasured.refresh_from_db()
    assert getattr(unmeasured, field) == new
