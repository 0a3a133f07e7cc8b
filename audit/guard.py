"""The database triggers that keep the audit log append-only (created by migration
``audit.0003``), and the one sanctioned way past them: emptying the whole database."""

import contextlib
import importlib

from django.db import connections

TABLE = "audit_auditentry"


def _migration():
    return importlib.import_module("audit.migrations.0003_append_only_guard")


def installed_triggers(connection) -> set[str]:
    """Names of the guard's triggers present on ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


@contextlib.contextmanager
def lifted(using: str = "default"):
    """Disable the guard for the duration of the block (``manage.py flush`` only).

    PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER USER``, which only the table's owner may do.
    SQLite: the triggers are dropped and created again from the migration's SQL.
    """
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        yield
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
    elif connection.vendor == "sqlite":
        triggers = _migration().SQLITE_TRIGGERS
        present = installed_triggers(connection)
        with connection.cursor() as cursor:
            for name in triggers:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for name, sql in triggers.items():
                    if name in present:
                        cursor.execute(sql)
    else:
        yield
