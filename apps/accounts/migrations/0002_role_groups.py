"""Create the role groups with exactly the permissions ``apps.accounts.roles`` gives them."""

from django.db import migrations

from apps.accounts.roles import sync_role_groups


def remove_role_groups(apps, schema_editor):
    from apps.accounts.choices import Role

    apps.get_model("auth", "Group").objects.filter(name__in=Role.values).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("functions", "0001_initial"),
        ("vendors", "0001_initial"),
        ("kpis", "0001_initial"),
        ("contracts", "0003_contract_vendor_and_sla_relations"),
    ]

    operations = [migrations.RunPython(sync_role_groups, remove_role_groups)]
