"""The SLA-window index of migration 0005, declared on the model (``Measurement.Meta.indexes``). The
database already has it (built concurrently by 0005), so this migration changes Django's state only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("kpis", "0005_measurement_sla_window_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="measurement",
                    index=models.Index(
                        fields=["contract", "kpi", "period_end"],
                        include=("period_start", "id", "value", "numerator", "denominator", "updated_at"),
                        name="kpis_meas_sla_window_idx",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
