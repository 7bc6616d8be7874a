"""Load the shipped KPI catalogue (apps.kpis.catalogue). Idempotent: update_or_create by code."""

from django.db import migrations
from django.db.models import ProtectedError

from apps.kpis.catalogue import KPI_CATALOGUE, load_catalogue


def unload_catalogue(apps, schema_editor):
    """Remove the shipped KPIs nothing refers to; a KPI already measured or used by an SLA term stays."""
    kpi_model = apps.get_model("kpis", "KpiDefinition")
    for kpi in kpi_model.objects.filter(code__in=[entry["code"] for entry in KPI_CATALOGUE]):
        try:
            kpi.delete()
        except ProtectedError:
            continue


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, unload_catalogue)]
