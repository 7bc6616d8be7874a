"""Measurements and their CSV imports (and their audit trails) now belong to ``performance`` (its
migration 0001 explains the move): they leave this app's migration state. Their tables stay where they
are, with their rows: nothing happens in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0010_measurement_import"),
        ("performance", "0001_models_from_contracts_and_kpis"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MeasurementEvent"),
                migrations.DeleteModel(name="MeasurementImportEvent"),
                migrations.DeleteModel(name="Measurement"),
                migrations.DeleteModel(name="MeasurementImport"),
            ],
        ),
    ]
