"""Scorecards: a KPI's default target (where a contract has no SLA term for it) and its score tolerance
(how far past the target, as a percentage of it, its score falls to 0). Schema only; 0008 fills them for the shipped catalogue."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0006_measurement_sla_window_index_in_model_state"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="kpidefinition",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="kpidefinition",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="kpidefinition",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="kpidefinition",
            name="default_target",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                help_text="Scorecards: the target where a contract has no SLA term for this KPI (“at least” when higher is better, “at most” when lower is). Empty: scored only where an SLA term sets a target.",
                max_digits=14,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="kpidefinition",
            name="score_tolerance_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Scorecards: how far past its target the KPI's score falls from 100 to 0, as a percentage of the target (100: zero at twice an “at most” target, or at nothing for an “at least” one). Empty: 100.",
                max_digits=7,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="kpidefinitionevent",
            name="default_target",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                help_text="Scorecards: the target where a contract has no SLA term for this KPI (“at least” when higher is better, “at most” when lower is). Empty: scored only where an SLA term sets a target.",
                max_digits=14,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="kpidefinitionevent",
            name="score_tolerance_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Scorecards: how far past its target the KPI's score falls from 100 to 0, as a percentage of the target (100: zero at twice an “at most” target, or at nothing for an “at least” one). Empty: 100.",
                max_digits=7,
                null=True,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "kpis_kpidefinitionevent" ("aggregation", "code", "created_at", "default_target", "denominator_label", "description", "direction", "id", "max_value", "min_value", "multiplier", "name", "numerator_label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "score_tolerance_percent", "unit", "updated_at") VALUES (NEW."aggregation", NEW."code", NEW."created_at", NEW."default_target", NEW."denominator_label", NEW."description", NEW."direction", NEW."id", NEW."max_value", NEW."min_value", NEW."multiplier", NEW."name", NEW."numerator_label", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."score_tolerance_percent", NEW."unit", NEW."updated_at"); RETURN NULL;',
                    hash="40262b5f7f03afc2f0aba58254efc4846f8830be",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_76f85",
                    table="kpis_kpidefinition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "kpis_kpidefinitionevent" ("aggregation", "code", "created_at", "default_target", "denominator_label", "description", "direction", "id", "max_value", "min_value", "multiplier", "name", "numerator_label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "score_tolerance_percent", "unit", "updated_at") VALUES (NEW."aggregation", NEW."code", NEW."created_at", NEW."default_target", NEW."denominator_label", NEW."description", NEW."direction", NEW."id", NEW."max_value", NEW."min_value", NEW."multiplier", NEW."name", NEW."numerator_label", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."score_tolerance_percent", NEW."unit", NEW."updated_at"); RETURN NULL;',
                    hash="e0c242df6b6975a4885eef36f35616d3642b1721",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_3840e",
                    table="kpis_kpidefinition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "kpis_kpidefinitionevent" ("aggregation", "code", "created_at", "default_target", "denominator_label", "description", "direction", "id", "max_value", "min_value", "multiplier", "name", "numerator_label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "score_tolerance_percent", "unit", "updated_at") VALUES (OLD."aggregation", OLD."code", OLD."created_at", OLD."default_target", OLD."denominator_label", OLD."description", OLD."direction", OLD."id", OLD."max_value", OLD."min_value", OLD."multiplier", OLD."name", OLD."numerator_label", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."score_tolerance_percent", OLD."unit", OLD."updated_at"); RETURN NULL;',
                    hash="48acf2573f6f7bfe0f7eee7b4722142dcf16b195",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_db571",
                    table="kpis_kpidefinition",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="kpidefinition",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("score_tolerance_percent__isnull", True), ("score_tolerance_percent__gt", 0), _connector="OR"
                ),
                name="kpis_kpi_score_tolerance_positive",
                violation_error_message="The score tolerance must be above zero (leave it empty for the default).",
            ),
        ),
    ]
