"""The Translator group (staff in it review translations in the admin: translations.services.can_review
asks for the group by name, so it needs no model permissions), and on PostgreSQL a trigram index
for finding comments through their translations (as proposals/migrations/0003 does for proposals).
"""

from django.db import migrations

TRANSLATOR_GROUP = "Translator"
INDEX = "translations_text_trgm"


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=TRANSLATOR_GROUP)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "translations_translation" '
        'USING gin ((UPPER("text"::text)) gin_trgm_ops)'
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_group, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
