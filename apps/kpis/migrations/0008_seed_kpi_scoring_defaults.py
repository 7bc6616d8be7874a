"""Fill the shipped KPIs' default target and score tolerance (apps.kpis.catalogue), where still empty.
Reversing empties them again for the shipped KPIs."""

from django.db import migrations

from apps.kpis.catalogue import KPI_CATALOGUE, SCORING_FIELDS, load_scoring_defaults


def unload_scoring_defaults(apps, schema_editor):
    apps.get_model("kpis", "KpiDefinition").objects.filter(code__in=[entry["code"] for entry in KPI_CATALOGUE]).update(
        **dict.fromkeys(SCORING_FIELDS)
    )


class Migration(migrations.Migration):
    dependencies = [("kpis", "0007_kpi_scorecard_target_and_tolerance")]

    operations = [migrations.RunPython(load_scoring_defaults, unload_scoring_defaults)]
