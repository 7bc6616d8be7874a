# The extensions global search stands on (docs/architecture/search.md): unaccent ("krakow" finds
# "Kraków") and pg_trgm (trigram similarity: "krakw" finds it too, and ILIKE '%…%' uses an index), and
# vg_unaccent(text), the IMMUTABLE wrapper an expression index needs: unaccent() itself is only STABLE (its
# dictionary could change), so PostgreSQL refuses it in an index. Naming the dictionary with its schema
# makes the result independent of search_path. Because the wrapper is declared IMMUTABLE over a STABLE
# body, PostgreSQL never inlines it: a query's vg_unaccent(name) stays the call the index was built on.

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

CREATE_WRAPPER = """
CREATE OR REPLACE FUNCTION public.vg_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""
DROP_WRAPPER = "DROP FUNCTION IF EXISTS public.vg_unaccent(text)"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_fx_rate"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(CREATE_WRAPPER, DROP_WRAPPER),
    ]
