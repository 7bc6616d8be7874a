# The trigram index global search and the list's q use: GIN on vg_unaccent(name) (apps/core/search.py).

import apps.core.search
import django.contrib.postgres.indexes
import django.db.models.expressions
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_search_extensions'),
        ('functions', '0002_velocity_critical_category_default'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='function',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(apps.core.search.Unaccent(django.db.models.expressions.F('name')), name='gin_trgm_ops'), name='functions_function_name_trgm'),
        ),
    ]
