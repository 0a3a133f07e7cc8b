"""Trigram (pg_trgm) GIN indexes for searching proposals in Korean and Japanese (see proposals/search.py).

Each indexes ``UPPER(column::text)``, the expression Django's
``icontains`` compares on PostgreSQL. On other databases this migration does nothing.
Creating the extension needs a role allowed to (superuser, or the extension created beforehand).
"""

from django.db import migrations

COLUMNS = [f"{name}_{code}" for name in ("title", "summary") for code in ("en", "ko", "ja")]
TABLE = "proposals_proposalversion"


def index_name(column: str) -> str:
    return f"proposals_pv_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index_name(column)}" ON "{TABLE}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0002_proposalversion_stale_translations"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
