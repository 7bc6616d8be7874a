"""Re-apply the DORA 2023 bands (apps.kpis.catalogue) where they were loaded before two boundary fixes:
deploying once in a calendar month is "medium" (the bound was 0.25 deploy-days/week, which put a
monthly deployer in "low"), and the report's change failure rates (5 / 10 / 15 %) are inclusive upper
bounds, so exactly 5 % is "elite". A no-op where 0003 already loaded the current data."""

from django.db import migrations

from apps.kpis.catalogue import load_dora_bands


class Migration(migrations.Migration):
    dependencies = [("kpis", "0008_seed_kpi_scoring_defaults")]

    operations = [migrations.RunPython(load_dora_bands, migrations.RunPython.noop)]
