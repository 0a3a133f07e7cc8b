"""A new row's primary key taken before its INSERT, where the database has sequences.

A root comment is its own thread (``Comment.root`` is the comment itself). Inserted first and then
pointed at itself, it cost a second statement and, on PostgreSQL, an update of a row that changes
an indexed column: a new version of the row and an entry in each of the table's eleven indexes, on
every new comment. With its key taken from the sequence first, the row is inserted whole.
"""

from django.db import connections, router
from django.db.models import Model


def reserve_pk(model: type[Model]) -> int | None:
    """The next value of ``model``'s primary key sequence (PostgreSQL; one query), or None where
    keys come only with the INSERT (SQLite): then insert first and read ``pk``."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column]
        )
        (value,) = cursor.fetchone()
    return int(value)
