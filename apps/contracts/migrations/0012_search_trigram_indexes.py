# The trigram indexes global search and the list's q use: GIN on vg_unaccent(title) and
# vg_unaccent(reference) (apps/core/search.py).

import apps.core.search
import django.contrib.postgres.indexes
import django.db.models.expressions
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0011_contract_text_and_notes_max_length'),
        ('core', '0003_search_extensions'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contract',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(apps.core.search.Unaccent(django.db.models.expressions.F('title')), name='gin_trgm_ops'), name='contracts_contract_title_trgm'),
        ),
        migrations.AddIndex(
            model_name='contract',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(apps.core.search.Unaccent(django.db.models.expressions.F('reference')), name='gin_trgm_ops'), name='contracts_contract_ref_trgm'),
        ),
    ]
