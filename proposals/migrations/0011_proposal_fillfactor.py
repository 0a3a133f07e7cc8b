"""Room on each page of the proposals table for the new versions of its rows (PostgreSQL only).

Every write that changes a proposal's page moves the proposal's activity stamp (core.pagestamp), so
a busy proposal's row is updated hundreds of times a minute. A row is about 2 kB (titles, summaries
and quotes in three languages), and the table's pages were filled to the brim: an update found no
room beside the old version, went to another page, and added an entry to each of the table's seven
indexes (a non-HOT update). Measured with ``make bench``'s rating-write route on the benchmark's
data, PostgreSQL 15 with autovacuum off (as on the CI machine), 20 s a run: 26 % of the updates were
non-HOT, the table grew to 11 MB for 14 rows, and the route fell from 100 to 74 req/s over three
runs. With fillfactor 10 every update stayed on its page (100 % HOT), the table stayed at 112 kB
and three runs in a row held 98-104 req/s.

A fillfactor applies to pages filled from then on. Rows already there move to such a page at
their next update (one non-HOT update each), and stay HOT from there on; a new database (``make
run``, CI, the benchmark) seeds its proposals after this migration.
"""

from django.db import migrations

FILLFACTOR = 10


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("proposals", "Proposal")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("proposals", "Proposal")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0010_discussion_count"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
