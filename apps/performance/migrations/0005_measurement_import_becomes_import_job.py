"""The measurement import becomes the import of any register (``ImportJob``): a rename of the model and
of its audit event model only. Their tables keep their names (``kpis_measurementimport``,
``kpis_measurementimportevent``), so nothing is copied and the audit triggers stay as they are. The content types are renamed here too
(both ways), so permissions and generic references follow whether or not the migration runs through the
``migrate`` command (whose pre-migrate hook renames them as well: it then finds nothing left to rename)."""

from django.db import migrations

RENAMED = (("measurementimport", "importjob"), ("measurementimportevent", "importjobevent"))


def _rename_content_types(apps, schema_editor, pairs):
    content_type = apps.get_model("contenttypes", "ContentType")
    using = schema_editor.connection.alias
    for old, new in pairs:
        if content_type.objects.using(using).filter(app_label="performance", model=new).exists():
            continue
        content_type.objects.using(using).filter(app_label="performance", model=old).update(model=new)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, [(new, old) for old, new in RENAMED])


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0004_delivery_telemetry"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel(old_name="MeasurementImport", new_name="ImportJob"),
        migrations.RenameModel(old_name="MeasurementImportEvent", new_name="ImportJobEvent"),
        migrations.RunPython(forwards, backwards),
    ]
