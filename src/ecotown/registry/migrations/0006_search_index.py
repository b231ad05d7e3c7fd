# The substring search of organisations served by an index (ecotown.registry.search): PostgreSQL a pg_trgm
# GIN index on search_text (the extension created here: needs a role allowed to, e.g. the database owner on
# PostgreSQL 13+ — pg_trgm is a trusted extension — or a superuser); SQLite an FTS5 trigram table over
# search_text kept in step by triggers, filled for the rows already there. Nothing on other databases.

from django.db import migrations


def forwards(apps, schema_editor):
    from ecotown.registry import search

    search.install(schema_editor)


def backwards(apps, schema_editor):
    from ecotown.registry import search

    search.uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0005_name_kind_index'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
