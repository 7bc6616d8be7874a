"""SLA terms, their evaluations and breaches (from ``contracts``), and measurements and their CSV imports
(from ``kpis``) move to this app, with their audit trails (the pghistory event models), keeping every
table and row: the models keep their tables (``Meta.db_table``), so this migration creates them in the
migration state only (``SeparateDatabaseAndState``), and ``contracts`` 0010 and ``kpis`` 0011 then delete
them from theirs, in the state only too.

What does change in the database is the audit triggers' names: pgtrigger names a trigger after its
model's app (``pgtrigger_insert_insert_<hash of "contracts.Breach:insert_insert">``). The triggers named
after the old apps are dropped and the same triggers, named after this app, installed, in this one
transaction: no write goes unaudited in between, and none is recorded twice. Backwards, the old ones
come back. Content types and permissions follow in 0002.
"""

import apps.core.validators
import django.core.validators
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

# The models whose audit triggers are named after the app they were born in, as (app label, model name).
MOVED_MODELS = (
    ("contracts", "SlaTerm"),
    ("contracts", "SlaEvaluation"),
    ("contracts", "Breach"),
    ("kpis", "Measurement"),
    ("kpis", "MeasurementImport"),
)


def _triggers_of_the_old_apps(apps):
    for app_label, model_name in MOVED_MODELS:
        model = apps.get_model(app_label, model_name)
        for trigger in model._meta.triggers:
            yield trigger


def drop_the_old_triggers(apps, schema_editor):
    for trigger in _triggers_of_the_old_apps(apps):
        schema_editor.execute(trigger.uninstall_sql, params=None)


def install_the_old_triggers(apps, schema_editor):
    for trigger in _triggers_of_the_old_apps(apps):
        schema_editor.execute(trigger.install_sql, params=None)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contracts", "0009_exit_plan_item_waiver"),
        ("kpis", "0010_measurement_import"),
        ("pghistory", "0007_auto_20250421_0444"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SlaEvaluation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('window_start', models.DateField()),
                        ('window_end', models.DateField()),
                        ('value', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('samples', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('met', 'Met'), ('breached', 'Breached'), ('no_data', 'No data'), ('insufficient_data', 'Insufficient data'), ('on_track', 'On track'), ('at_risk', 'At risk')], max_length=20)),
                        ('is_closed', models.BooleanField(default=True, help_text='False while the window is still open.')),
                        ('evaluated_at', models.DateTimeField()),
                    ],
                    options={
                        'verbose_name': 'SLA evaluation',
                        'db_table': 'contracts_slaevaluation',
                        'ordering': ['-window_start', 'term_id'],
                    },
                ),
                migrations.CreateModel(
                    name='Breach',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('window_start', models.DateField()),
                        ('window_end', models.DateField()),
                        ('value', models.DecimalField(decimal_places=4, max_digits=16)),
                        ('target', models.DecimalField(decimal_places=4, max_digits=14)),
                        ('severity', models.CharField(choices=[('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], max_length=8)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved'), ('waived', 'Waived'), ('retracted', 'Retracted')], default='open', max_length=12)),
                        ('credit_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14)),
                        ('currency', models.CharField(max_length=3, validators=[apps.core.validators.validate_currency_code])),
                        ('detected_at', models.DateTimeField()),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('resolution_note', models.TextField(blank=True)),
                        ('waived_at', models.DateTimeField(blank=True, null=True)),
                        ('waiver_reason', models.TextField(blank=True)),
                        ('retracted_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('waived_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('evaluation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='breach', to='performance.slaevaluation')),
                    ],
                    options={
                        'verbose_name_plural': 'breaches',
                        'db_table': 'contracts_breach',
                        'ordering': ['-window_start', '-detected_at'],
                        'permissions': [('acknowledge_breach', 'Can acknowledge a breach'), ('resolve_breach', 'Can resolve a breach'), ('waive_breach', 'Can waive a breach')],
                    },
                ),
                migrations.CreateModel(
                    name='Measurement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('period_start', models.DateField()),
                        ('period_end', models.DateField()),
                        ('value', models.DecimalField(decimal_places=4, max_digits=16)),
                        ('numerator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('denominator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('source', models.CharField(choices=[('form', 'Form'), ('api', 'API'), ('import', 'Import')], default='form', max_length=8)),
                        ('note', models.TextField(blank=True)),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measurements', to='contracts.contract')),
                        ('kpi', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measurements', to='kpis.kpidefinition')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='measurements', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'kpis_measurement',
                        'ordering': ['-period_end', 'contract_id', 'kpi_id'],
                    },
                ),
                migrations.CreateModel(
                    name='MeasurementEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('period_start', models.DateField()),
                        ('period_end', models.DateField()),
                        ('value', models.DecimalField(decimal_places=4, max_digits=16)),
                        ('numerator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('denominator', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('source', models.CharField(choices=[('form', 'Form'), ('api', 'API'), ('import', 'Import')], default='form', max_length=8)),
                        ('note', models.TextField(blank=True)),
                        ('contract', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='contracts.contract')),
                        ('kpi', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='kpis.kpidefinition')),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='performance.measurement')),
                        ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'kpis_measurementevent',
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='MeasurementImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('file_name', models.CharField(max_length=255)),
                        ('status', models.CharField(choices=[('pending', 'Awaiting confirmation'), ('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('rows', models.JSONField(default=list, help_text="The file's data rows: each the cells by column, with its row number in the file.")),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('valid_rows', models.PositiveIntegerField(default=0, help_text='Rows without an error in the preview.')),
                        ('processed_rows', models.PositiveIntegerField(default=0)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('updated_count', models.PositiveIntegerField(default=0)),
                        ('unchanged_count', models.PositiveIntegerField(default=0)),
                        ('error_count', models.PositiveIntegerField(default=0)),
                        ('errors', models.JSONField(blank=True, default=list, help_text='Row errors: [{row, errors: {column: [messages]}}] (the first ones).')),
                        ('failure', models.TextField(blank=True, help_text='Why the import failed, when it did.')),
                        ('queued_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, help_text='Who uploaded it; the measurements are recorded as theirs.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='measurement_imports', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'measurement import',
                        'db_table': 'kpis_measurementimport',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='MeasurementImportEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('file_name', models.CharField(max_length=255)),
                        ('status', models.CharField(choices=[('pending', 'Awaiting confirmation'), ('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('valid_rows', models.PositiveIntegerField(default=0, help_text='Rows without an error in the preview.')),
                        ('processed_rows', models.PositiveIntegerField(default=0)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('updated_count', models.PositiveIntegerField(default=0)),
                        ('unchanged_count', models.PositiveIntegerField(default=0)),
                        ('error_count', models.PositiveIntegerField(default=0)),
                        ('failure', models.TextField(blank=True, help_text='Why the import failed, when it did.')),
                        ('queued_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, help_text='Who uploaded it; the measurements are recorded as theirs.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='performance.measurementimport')),
                    ],
                    options={
                        'db_table': 'kpis_measurementimportevent',
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='SlaTerm',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('area', models.CharField(choices=[('delivery', 'Delivery'), ('quality', 'Quality'), ('support', 'Support'), ('security', 'Security'), ('documentation', 'Documentation')], max_length=16)),
                        ('comparator', models.CharField(choices=[('gte', 'at least (≥)'), ('lte', 'at most (≤)')], max_length=3)),
                        ('target', models.DecimalField(decimal_places=4, max_digits=14)),
                        ('warning_target', models.DecimalField(blank=True, decimal_places=4, help_text='Early-warning threshold on the safe side of the target.', max_digits=14, null=True)),
                        ('window', models.CharField(choices=[('month', 'Calendar month'), ('quarter', 'Calendar quarter'), ('rolling', 'Rolling N days')], default='month', max_length=8)),
                        ('window_days', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(366)])),
                        ('aggregation', models.CharField(blank=True, choices=[('mean', 'Mean'), ('sum', 'Sum'), ('min', 'Minimum'), ('max', 'Maximum'), ('latest', 'Latest'), ('ratio', 'Ratio of sums (Σ numerators ÷ Σ denominators)')], help_text="Blank: the KPI's default.", max_length=8)),
                        ('min_samples', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)])),
                        ('severity', models.CharField(choices=[('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], default='major', max_length=8)),
                        ('credit_percent', models.DecimalField(decimal_places=2, default=Decimal('0'), help_text="Service credit owed on a breach, as % of the window's contract value.", max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))])),
                        ('description', models.TextField(blank=True)),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sla_terms', to='contracts.contract')),
                        ('kpi', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sla_terms', to='kpis.kpidefinition')),
                    ],
                    options={
                        'verbose_name': 'SLA term',
                        'db_table': 'contracts_slaterm',
                        'ordering': ['contract', 'area', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SlaEvaluationEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('window_start', models.DateField()),
                        ('window_end', models.DateField()),
                        ('value', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                        ('samples', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('met', 'Met'), ('breached', 'Breached'), ('no_data', 'No data'), ('insufficient_data', 'Insufficient data'), ('on_track', 'On track'), ('at_risk', 'At risk')], max_length=20)),
                        ('is_closed', models.BooleanField(default=True, help_text='False while the window is still open.')),
                        ('evaluated_at', models.DateTimeField()),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='performance.slaevaluation')),
                        ('term', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='performance.slaterm')),
                    ],
                    options={
                        'db_table': 'contracts_slaevaluationevent',
                        'abstract': False,
                    },
                ),
                migrations.AddField(
                    model_name='slaevaluation',
                    name='term',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='performance.slaterm'),
                ),
                migrations.CreateModel(
                    name='BreachEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('window_start', models.DateField()),
                        ('window_end', models.DateField()),
                        ('value', models.DecimalField(decimal_places=4, max_digits=16)),
                        ('target', models.DecimalField(decimal_places=4, max_digits=14)),
                        ('severity', models.CharField(choices=[('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], max_length=8)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved'), ('waived', 'Waived'), ('retracted', 'Retracted')], default='open', max_length=12)),
                        ('credit_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14)),
                        ('currency', models.CharField(max_length=3, validators=[apps.core.validators.validate_currency_code])),
                        ('detected_at', models.DateTimeField()),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('resolution_note', models.TextField(blank=True)),
                        ('waived_at', models.DateTimeField(blank=True, null=True)),
                        ('waiver_reason', models.TextField(blank=True)),
                        ('retracted_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='performance.breach')),
                        ('resolved_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('waived_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('evaluation', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='performance.slaevaluation')),
                        ('term', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='performance.slaterm')),
                    ],
                    options={
                        'db_table': 'contracts_breachevent',
                        'abstract': False,
                    },
                ),
                migrations.AddField(
                    model_name='breach',
                    name='term',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='breaches', to='performance.slaterm'),
                ),
                migrations.CreateModel(
                    name='SlaTermEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('area', models.CharField(choices=[('delivery', 'Delivery'), ('quality', 'Quality'), ('support', 'Support'), ('security', 'Security'), ('documentation', 'Documentation')], max_length=16)),
                        ('comparator', models.CharField(choices=[('gte', 'at least (≥)'), ('lte', 'at most (≤)')], max_length=3)),
                        ('target', models.DecimalField(decimal_places=4, max_digits=14)),
                        ('warning_target', models.DecimalField(blank=True, decimal_places=4, help_text='Early-warning threshold on the safe side of the target.', max_digits=14, null=True)),
                        ('window', models.CharField(choices=[('month', 'Calendar month'), ('quarter', 'Calendar quarter'), ('rolling', 'Rolling N days')], default='month', max_length=8)),
                        ('window_days', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(366)])),
                        ('aggregation', models.CharField(blank=True, choices=[('mean', 'Mean'), ('sum', 'Sum'), ('min', 'Minimum'), ('max', 'Maximum'), ('latest', 'Latest'), ('ratio', 'Ratio of sums (Σ numerators ÷ Σ denominators)')], help_text="Blank: the KPI's default.", max_length=8)),
                        ('min_samples', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)])),
                        ('severity', models.CharField(choices=[('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], default='major', max_length=8)),
                        ('credit_percent', models.DecimalField(decimal_places=2, default=Decimal('0'), help_text="Service credit owed on a breach, as % of the window's contract value.", max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))])),
                        ('description', models.TextField(blank=True)),
                        ('contract', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='contracts.contract')),
                        ('kpi', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='kpis.kpidefinition')),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='performance.slaterm')),
                    ],
                    options={
                        'db_table': 'contracts_slatermevent',
                        'abstract': False,
                    },
                ),
                migrations.AddIndex(
                    model_name='measurement',
                    index=models.Index(fields=['kpi', 'period_end'], name='kpis_meas_kpi_end_idx'),
                ),
                migrations.AddIndex(
                    model_name='measurement',
                    index=models.Index(fields=['contract', 'kpi', 'period_end'], include=('period_start', 'id', 'value', 'numerator', 'denominator', 'updated_at'), name='kpis_meas_sla_window_idx'),
                ),
                migrations.AddConstraint(
                    model_name='measurement',
                    constraint=models.UniqueConstraint(fields=('contract', 'kpi', 'period_start', 'period_end'), name='kpis_measurement_unique_period', violation_error_code='unique', violation_error_message='This contract already has a measurement of this KPI for this period.'),
                ),
                migrations.AddConstraint(
                    model_name='measurement',
                    constraint=models.CheckConstraint(condition=models.Q(('period_end__gte', models.F('period_start'))), name='kpis_measurement_period_valid', violation_error_message='The period cannot end before it starts.'),
                ),
                migrations.AddConstraint(
                    model_name='measurement',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('denominator__isnull', True), ('numerator__isnull', True)), models.Q(('denominator__gt', 0), ('numerator__isnull', False)), _connector='OR'), name='kpis_measurement_ratio_parts_valid', violation_error_message='Give both numerator and denominator (denominator above zero), or neither.'),
                ),
                migrations.AddConstraint(
                    model_name='measurement',
                    constraint=models.CheckConstraint(condition=models.Q(('numerator__isnull', True), ('numerator__gte', 0), _connector='OR'), name='kpis_measurement_numerator_non_negative', violation_error_message='The numerator cannot be negative.'),
                ),
                migrations.AddConstraint(
                    model_name='measurementimport',
                    constraint=models.CheckConstraint(condition=models.Q(('processed_rows__lte', models.F('total_rows'))), name='kpis_import_processed_within_total', violation_error_message='An import cannot process more rows than its file has.'),
                ),
                migrations.AddConstraint(
                    model_name='slaterm',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('window', 'rolling'), ('window_days__isnull', False)), models.Q(models.Q(('window', 'rolling'), _negated=True), ('window_days__isnull', True)), _connector='OR'), name='contracts_term_window_days_rolling_only', violation_error_message='Give the number of days for a rolling window, and only for a rolling window.'),
                ),
                migrations.AddConstraint(
                    model_name='slaterm',
                    constraint=models.CheckConstraint(condition=models.Q(('warning_target__isnull', True), models.Q(('comparator', 'gte'), ('warning_target__gte', models.F('target'))), models.Q(('comparator', 'lte'), ('warning_target__lte', models.F('target'))), _connector='OR'), name='contracts_term_warning_on_safe_side', violation_error_message='The warning target must sit on the safe side of the target (above it for “at least”, below it for “at most”).'),
                ),
                migrations.AddConstraint(
                    model_name='slaterm',
                    constraint=models.CheckConstraint(condition=models.Q(('credit_percent__gte', 0), ('credit_percent__lte', 100)), name='contracts_term_credit_0_to_100', violation_error_message='The service credit is a percentage from 0 to 100.'),
                ),
                migrations.AddConstraint(
                    model_name='slaterm',
                    constraint=models.CheckConstraint(condition=models.Q(('min_samples__gte', 1)), name='contracts_term_min_samples_positive', violation_error_message='At least one sample is needed.'),
                ),
                migrations.AddConstraint(
                    model_name='slaevaluation',
                    constraint=models.UniqueConstraint(fields=('term', 'window_start', 'window_end'), name='contracts_evaluation_unique_window', violation_error_code='unique', violation_error_message='This SLA term already has an evaluation for this window.'),
                ),
                migrations.AddConstraint(
                    model_name='slaevaluation',
                    constraint=models.CheckConstraint(condition=models.Q(('window_end__gte', models.F('window_start'))), name='contracts_evaluation_window_valid', violation_error_message='A window cannot end before it starts.'),
                ),
                migrations.AddIndex(
                    model_name='breach',
                    index=models.Index(fields=['status', 'severity'], name='contracts_breach_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='breach',
                    constraint=models.UniqueConstraint(fields=('term', 'window_start', 'window_end'), name='contracts_breach_unique_window', violation_error_code='unique', violation_error_message='This SLA term already has a breach for this window.'),
                ),
                migrations.AddConstraint(
                    model_name='breach',
                    constraint=models.CheckConstraint(condition=models.Q(('credit_amount__gte', 0)), name='contracts_breach_credit_non_negative', violation_error_message='A service credit cannot be negative.'),
                ),
                migrations.AddConstraint(
                    model_name='breach',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'waived'), _negated=True), models.Q(('waiver_reason', ''), _negated=True), _connector='OR'), name='contracts_breach_waiver_has_reason', violation_error_message='A waiver needs its reason.'),
                ),
            ],
        ),
        migrations.RunPython(drop_the_old_triggers, install_the_old_triggers),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "kpis_measurementevent" ("contract_id", "created_at", "denominator", "id", "kpi_id", "note", "numerator", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "source", "updated_at", "value") VALUES (NEW."contract_id", NEW."created_at", NEW."denominator", NEW."id", NEW."kpi_id", NEW."note", NEW."numerator", NEW."period_end", NEW."period_start", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."recorded_by_id", NEW."source", NEW."updated_at", NEW."value"); RETURN NULL;', hash='ead8cd5807b3bbb85a5f7a7c3ebeb5138ebd2e11', operation='INSERT', pgid='pgtrigger_insert_insert_86b60', table='kpis_measurement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "kpis_measurementevent" ("contract_id", "created_at", "denominator", "id", "kpi_id", "note", "numerator", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "source", "updated_at", "value") VALUES (NEW."contract_id", NEW."created_at", NEW."denominator", NEW."id", NEW."kpi_id", NEW."note", NEW."numerator", NEW."period_end", NEW."period_start", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."recorded_by_id", NEW."source", NEW."updated_at", NEW."value"); RETURN NULL;', hash='335aa27e136b617333444403043465d924c17f08', operation='UPDATE', pgid='pgtrigger_update_update_23258', table='kpis_measurement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "kpis_measurementevent" ("contract_id", "created_at", "denominator", "id", "kpi_id", "note", "numerator", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_by_id", "source", "updated_at", "value") VALUES (OLD."contract_id", OLD."created_at", OLD."denominator", OLD."id", OLD."kpi_id", OLD."note", OLD."numerator", OLD."period_end", OLD."period_start", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."recorded_by_id", OLD."source", OLD."updated_at", OLD."value"); RETURN NULL;', hash='7db33df66993da545d6161790386d5b61665a7d9', operation='DELETE', pgid='pgtrigger_delete_delete_f67c4', table='kpis_measurement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurementimport',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "kpis_measurementimportevent" ("created_at", "created_by_id", "created_count", "error_count", "failure", "file_name", "finished_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "processed_rows", "queued_at", "started_at", "status", "total_rows", "unchanged_count", "updated_at", "updated_count", "valid_rows") VALUES (NEW."created_at", NEW."created_by_id", NEW."created_count", NEW."error_count", NEW."failure", NEW."file_name", NEW."finished_at", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."processed_rows", NEW."queued_at", NEW."started_at", NEW."status", NEW."total_rows", NEW."unchanged_count", NEW."updated_at", NEW."updated_count", NEW."valid_rows"); RETURN NULL;', hash='22cd0b215bf65e7aaf8ff09e0b7ea4f17e79ae08', operation='INSERT', pgid='pgtrigger_insert_insert_2ec9b', table='kpis_measurementimport', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurementimport',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."created_count" IS DISTINCT FROM (NEW."created_count") OR OLD."error_count" IS DISTINCT FROM (NEW."error_count") OR OLD."failure" IS DISTINCT FROM (NEW."failure") OR OLD."file_name" IS DISTINCT FROM (NEW."file_name") OR OLD."finished_at" IS DISTINCT FROM (NEW."finished_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."processed_rows" IS DISTINCT FROM (NEW."processed_rows") OR OLD."queued_at" IS DISTINCT FROM (NEW."queued_at") OR OLD."started_at" IS DISTINCT FROM (NEW."started_at") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."total_rows" IS DISTINCT FROM (NEW."total_rows") OR OLD."unchanged_count" IS DISTINCT FROM (NEW."unchanged_count") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at") OR OLD."updated_count" IS DISTINCT FROM (NEW."updated_count") OR OLD."valid_rows" IS DISTINCT FROM (NEW."valid_rows"))', func='INSERT INTO "kpis_measurementimportevent" ("created_at", "created_by_id", "created_count", "error_count", "failure", "file_name", "finished_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "processed_rows", "queued_at", "started_at", "status", "total_rows", "unchanged_count", "updated_at", "updated_count", "valid_rows") VALUES (NEW."created_at", NEW."created_by_id", NEW."created_count", NEW."error_count", NEW."failure", NEW."file_name", NEW."finished_at", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."processed_rows", NEW."queued_at", NEW."started_at", NEW."status", NEW."total_rows", NEW."unchanged_count", NEW."updated_at", NEW."updated_count", NEW."valid_rows"); RETURN NULL;', hash='7037da665d8cacc9e033ebb375c18896da91aa40', operation='UPDATE', pgid='pgtrigger_update_update_61e1b', table='kpis_measurementimport', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurementimport',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "kpis_measurementimportevent" ("created_at", "created_by_id", "created_count", "error_count", "failure", "file_name", "finished_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "processed_rows", "queued_at", "started_at", "status", "total_rows", "unchanged_count", "updated_at", "updated_count", "valid_rows") VALUES (OLD."created_at", OLD."created_by_id", OLD."created_count", OLD."error_count", OLD."failure", OLD."file_name", OLD."finished_at", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."processed_rows", OLD."queued_at", OLD."started_at", OLD."status", OLD."total_rows", OLD."unchanged_count", OLD."updated_at", OLD."updated_count", OLD."valid_rows"); RETURN NULL;', hash='f5c34d9ebf838cef1eea5a83ac9d0f06f59ff037', operation='DELETE', pgid='pgtrigger_delete_delete_bda5c', table='kpis_measurementimport', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='slaterm',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "contracts_slatermevent" ("aggregation", "area", "comparator", "contract_id", "created_at", "credit_percent", "description", "id", "kpi_id", "min_samples", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "severity", "target", "updated_at", "warning_target", "window", "window_days") VALUES (NEW."aggregation", NEW."area", NEW."comparator", NEW."contract_id", NEW."created_at", NEW."credit_percent", NEW."description", NEW."id", NEW."kpi_id", NEW."min_samples", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."severity", NEW."target", NEW."updated_at", NEW."warning_target", NEW."window", NEW."window_days"); RETURN NULL;', hash='f72e2adfd6a8282628ab05e1119c33dddabec9b7', operation='INSERT', pgid='pgtrigger_insert_insert_17881', table='contracts_slaterm', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='slaterm',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "contracts_slatermevent" ("aggregation", "area", "comparator", "contract_id", "created_at", "credit_percent", "description", "id", "kpi_id", "min_samples", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "severity", "target", "updated_at", "warning_target", "window", "window_days") VALUES (NEW."aggregation", NEW."area", NEW."comparator", NEW."contract_id", NEW."created_at", NEW."credit_percent", NEW."description", NEW."id", NEW."kpi_id", NEW."min_samples", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."severity", NEW."target", NEW."updated_at", NEW."warning_target", NEW."window", NEW."window_days"); RETURN NULL;', hash='2d8f2453efdd605c84a9a5f33fd51a9b29af6569', operation='UPDATE', pgid='pgtrigger_update_update_da75f', table='contracts_slaterm', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='slaterm',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "contracts_slatermevent" ("aggregation", "area", "comparator", "contract_id", "created_at", "credit_percent", "description", "id", "kpi_id", "min_samples", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "severity", "target", "updated_at", "warning_target", "window", "window_days") VALUES (OLD."aggregation", OLD."area", OLD."comparator", OLD."contract_id", OLD."created_at", OLD."credit_percent", OLD."description", OLD."id", OLD."kpi_id", OLD."min_samples", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."severity", OLD."target", OLD."updated_at", OLD."warning_target", OLD."window", OLD."window_days"); RETURN NULL;', hash='ce6024c37698dd612e18e3116119c78269687a12', operation='DELETE', pgid='pgtrigger_delete_delete_23684', table='contracts_slaterm', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='slaevaluation',
            trigger=pgtrigger.compiler.Trigger(name='superseded_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "contracts_slaevaluationevent" ("evaluated_at", "id", "is_closed", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "samples", "status", "term_id", "value", "window_end", "window_start") SELECT old_values."evaluated_at", old_values."id", old_values."is_closed", _pgh_attached_context.value, NOW(), \'superseded\', old_values."id", old_values."samples", old_values."status", old_values."term_id", old_values."value", old_values."window_end", old_values."window_start" FROM ( SELECT old_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS old_values, _pgh_attached_context; RETURN NULL;', hash='d00a58ee7a72251f4aae6c6603c72a01efa8ee2e', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_superseded_update_bc502', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='contracts_slaevaluation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='slaevaluation',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "contracts_slaevaluationevent" ("evaluated_at", "id", "is_closed", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "samples", "status", "term_id", "value", "window_end", "window_start") SELECT old_values."evaluated_at", old_values."id", old_values."is_closed", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."samples", old_values."status", old_values."term_id", old_values."value", old_values."window_end", old_values."window_start" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;', hash='3a7f197b610bae89258d24b7f57a575a8b395318', level='STATEMENT', operation='DELETE', pgid='pgtrigger_delete_delete_4d30c', referencing='REFERENCING OLD TABLE AS old_values ', table='contracts_slaevaluation', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='breach',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "contracts_breachevent" ("acknowledged_at", "acknowledged_by_id", "created_at", "credit_amount", "currency", "detected_at", "evaluation_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resolution_note", "resolved_at", "resolved_by_id", "retracted_at", "severity", "status", "target", "term_id", "updated_at", "value", "waived_at", "waived_by_id", "waiver_reason", "window_end", "window_start") SELECT new_values."acknowledged_at", new_values."acknowledged_by_id", new_values."created_at", new_values."credit_amount", new_values."currency", new_values."detected_at", new_values."evaluation_id", new_values."id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."resolution_note", new_values."resolved_at", new_values."resolved_by_id", new_values."retracted_at", new_values."severity", new_values."status", new_values."target", new_values."term_id", new_values."updated_at", new_values."value", new_values."waived_at", new_values."waived_by_id", new_values."waiver_reason", new_values."window_end", new_values."window_start" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='3834cbd667adad52f72b687d85ca506702b2763b', level='STATEMENT', operation='INSERT', pgid='pgtrigger_insert_insert_81235', referencing='REFERENCING NEW TABLE AS new_values ', table='contracts_breach', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='breach',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "contracts_breachevent" ("acknowledged_at", "acknowledged_by_id", "created_at", "credit_amount", "currency", "detected_at", "evaluation_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resolution_note", "resolved_at", "resolved_by_id", "retracted_at", "severity", "status", "target", "term_id", "updated_at", "value", "waived_at", "waived_by_id", "waiver_reason", "window_end", "window_start") SELECT new_values."acknowledged_at", new_values."acknowledged_by_id", new_values."created_at", new_values."credit_amount", new_values."currency", new_values."detected_at", new_values."evaluation_id", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."resolution_note", new_values."resolved_at", new_values."resolved_by_id", new_values."retracted_at", new_values."severity", new_values."status", new_values."target", new_values."term_id", new_values."updated_at", new_values."value", new_values."waived_at", new_values."waived_by_id", new_values."waiver_reason", new_values."window_end", new_values."window_start" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='a33dfa42e98171c1ac6ad93c3112ba8a7c1483f1', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_update_update_0e4c3', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='contracts_breach', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='breach',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "contracts_breachevent" ("acknowledged_at", "acknowledged_by_id", "created_at", "credit_amount", "currency", "detected_at", "evaluation_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resolution_note", "resolved_at", "resolved_by_id", "retracted_at", "severity", "status", "target", "term_id", "updated_at", "value", "waived_at", "waived_by_id", "waiver_reason", "window_end", "window_start") SELECT old_values."acknowledged_at", old_values."acknowledged_by_id", old_values."created_at", old_values."credit_amount", old_values."currency", old_values."detected_at", old_values."evaluation_id", old_values."id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."resolution_note", old_values."resolved_at", old_values."resolved_by_id", old_values."retracted_at", old_values."severity", old_values."status", old_values."target", old_values."term_id", old_values."updated_at", old_values."value", old_values."waived_at", old_values."waived_by_id", old_values."waiver_reason", old_values."window_end", old_values."window_start" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;', hash='03dda98a3e78d76d0856048c535811b5ddc7d01d', level='STATEMENT', operation='DELETE', pgid='pgtrigger_delete_delete_70980', referencing='REFERENCING OLD TABLE AS old_values ', table='contracts_breach', when='AFTER')),
        ),
    ]
