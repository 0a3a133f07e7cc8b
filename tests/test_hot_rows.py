"""The proposals table keeps room for the new versions of its rows (PostgreSQL only).

Every write on a proposal's page moves its activity stamp (core.pagestamp), so a busy proposal's
row is rewritten hundreds of times a minute; at the default fillfactor its ~2 kB rows filled each
page and a quarter of the updates left the page, adding an entry to all seven indexes and growing
the table (proposals.0011 has the benchmark's figures).
"""

import pytest
from django.db import connection

from proposals.models import Proposal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage parameter"),
]


def test_the_proposals_table_leaves_room_on_each_page_for_updates():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Proposal._meta.db_table])
        (options,) = cursor.fetchone()
    assert "fillfactor=10" in (options or [])
