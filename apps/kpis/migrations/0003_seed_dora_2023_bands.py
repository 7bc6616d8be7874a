"""Load the DORA 2023 performance bands (apps.kpis.catalogue). Idempotent: update_or_create by
(kpi, source, year, band)."""

from django.db import migrations

from apps.kpis.catalogue import DORA_SOURCE, DORA_YEAR, load_dora_bands


def unload_dora_bands(apps, schema_editor):
    apps.get_model("kpis", "PerformanceBand").objects.filter(source=DORA_SOURCE, year=DORA_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_seed_kpi_catalogue")]

    operations = [migrations.RunPython(load_dora_bands, unload_dora_bands)]
