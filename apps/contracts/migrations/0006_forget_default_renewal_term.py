"""Until 0005 every contract had a 12-month renewal term by default. Now an empty term means "renew by
the original term", so the old default is forgotten; a term someone chose (any other value) is kept."""

from django.db import migrations

OLD_DEFAULT_MONTHS = 12


def forget_default_term(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    Contract.objects.filter(renewal_term_months=OLD_DEFAULT_MONTHS).update(renewal_term_months=None)


def restore_default_term(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    Contract.objects.filter(renewal_term_months__isnull=True).update(renewal_term_months=OLD_DEFAULT_MONTHS)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0005_contract_renewal_term_derived")]

    operations = [migrations.RunPython(forget_default_term, restore_default_term)]
