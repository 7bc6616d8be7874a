"""Two KPIs delivery telemetry measures (apps.kpis.catalogue): PR review turnaround and rework rate.
Only these two are created (get_or_create): the KPIs the organisation has already tuned are left alone.
Reversing deletes them unless something measures them."""

from django.db import migrations

from apps.kpis.catalogue import KPI_CATALOGUE

NEW_CODES = ("pr_review_turnaround", "rework_rate")


def load(apps, schema_editor):
    kpi_model = apps.get_model("kpis", "KpiDefinition")
    known = {field.name for field in kpi_model._meta.get_fields()}
    for entry in KPI_CATALOGUE:
        if entry["code"] in NEW_CODES:
            defaults = {k: v for k, v in entry.items() if k != "code" and k in known}
            kpi_model.objects.get_or_create(code=entry["code"], defaults=defaults)


def unload(apps, schema_editor):
    apps.get_model("kpis", "KpiDefinition").objects.filter(
        code__in=NEW_CODES, measurements__isnull=True, sla_terms__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0011_measurement_models_moved_to_performance")]

    operations = [migrations.RunPython(load, unload)]
