"""SLA terms, their evaluations and breaches (and their audit trails) now belong to ``performance``
(its migration 0001 explains the move): they leave this app's migration state. Their tables stay where
they are, with their rows: nothing happens in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0009_exit_plan_item_waiver"),
        ("performance", "0001_models_from_contracts_and_kpis"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # The audit trails first (they point at their models), then what points at the terms.
                migrations.DeleteModel(name="BreachEvent"),
                migrations.DeleteModel(name="SlaEvaluationEvent"),
                migrations.DeleteModel(name="SlaTermEvent"),
                migrations.DeleteModel(name="Breach"),
                migrations.DeleteModel(name="SlaEvaluation"),
                migrations.DeleteModel(name="SlaTerm"),
            ],
        ),
    ]
