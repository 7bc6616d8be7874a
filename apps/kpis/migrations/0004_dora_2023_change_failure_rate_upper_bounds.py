"""Re-apply the DORA 2023 bands to databases that loaded them before the change failure rate bands
were re-encoded as upper bounds (5 / 10 / 15 %). A no-op where 0003 already loaded the current data."""

from django.db import migrations

from apps.kpis.catalogue import load_dora_bands


class Migration(migrations.Migration):
    dependencies = [("kpis", "0003_seed_dora_2023_bands")]

    operations = [migrations.RunPython(load_dora_bands, migrations.RunPython.noop)]
