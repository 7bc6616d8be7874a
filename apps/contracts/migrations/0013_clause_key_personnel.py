# The key personnel clause joins the clause checklist (docs/architecture/roster.md): every contract
# gets the line, "missing" until someone assesses it; going back removes the unassessed lines only.

from django.db import migrations, models


KIND = "key_personnel"


def add_the_line(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractClause = apps.get_model("contracts", "ContractClause")
    missing = Contract.objects.exclude(clauses__kind=KIND).values_list("pk", flat=True)
    ContractClause.objects.bulk_create(
        [ContractClause(contract_id=pk, kind=KIND, assessment="missing") for pk in missing.iterator()],
        batch_size=1000,
    )


def remove_unassessed_lines(apps, schema_editor):
    ContractClause = apps.get_model("contracts", "ContractClause")
    ContractClause.objects.filter(kind=KIND, assessment="missing", note="").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0012_search_trigram_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contractclause',
            name='kind',
            field=models.CharField(choices=[('ip_ownership', 'IP ownership'), ('confidentiality', 'Confidentiality'), ('security', 'Security obligations & incident notification'), ('change_management', 'Change management'), ('dispute_resolution', 'Dispute resolution'), ('exit_transition', 'Exit & transition'), ('subcontracting', 'Subcontracting limits'), ('data_processing', 'Data processing'), ('key_personnel', 'Key personnel')], max_length=20),
        ),
        migrations.AlterField(
            model_name='contractclauseevent',
            name='kind',
            field=models.CharField(choices=[('ip_ownership', 'IP ownership'), ('confidentiality', 'Confidentiality'), ('security', 'Security obligations & incident notification'), ('change_management', 'Change management'), ('dispute_resolution', 'Dispute resolution'), ('exit_transition', 'Exit & transition'), ('subcontracting', 'Subcontracting limits'), ('data_processing', 'Data processing'), ('key_personnel', 'Key personnel')], max_length=20),
        ),
        migrations.RunPython(add_the_line, remove_unassessed_lines),
    ]
