"""The content types of the models that moved here (0001) follow them: ``contracts.breach`` becomes
``performance.breach``, and so on. Renaming a content type keeps its id, so what points at it keeps
working: the permissions (now ``performance.acknowledge_breach`` …) with their grants to role groups and
users, and the generic references of status changes, overrides and policy exceptions."""

from django.db import migrations

MOVED = {
    "contracts": ("slaterm", "slatermevent", "slaevaluation", "slaevaluationevent", "breach", "breachevent"),
    "kpis": ("measurement", "measurementevent", "measurementimport", "measurementimportevent"),
}
NEW_LABEL = "performance"


def _relabel(apps, *, back: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_label, models in MOVED.items():
        source, target = (NEW_LABEL, old_label) if back else (old_label, NEW_LABEL)
        for model in models:
            moving = ContentType.objects.filter(app_label=source, model=model).first()
            if moving is None:  # a database that never had it (it is created after migrating)
                continue
            # One created under the target label in the meantime (a post-migrate signal of an earlier
            # run) has nothing of its own yet: the moving one, with its permissions and grants, replaces it.
            ContentType.objects.filter(app_label=target, model=model).delete()
            moving.app_label = target
            moving.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _relabel(apps, back=False)


def backwards(apps, schema_editor):
    _relabel(apps, back=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("performance", "0001_models_from_contracts_and_kpis"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
