"""The backup drill: `make backup` dumps the PostgreSQL database, `make restore` brings it back into
a fresh database, and every row of every table is there (PostgreSQL only)."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from audit.log import record
from tests.factories import AmendmentFactory, CommentFactory, RatingFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump / pg_restore: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


def url_for(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def make(target: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own Makefile
        ["make", "--no-print-directory", target],  # noqa: S607 - make is on PATH
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def table_rows(url: str) -> dict[str, list]:
    """Every row of every table of ours, sorted, per table."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True)} | {"django_migrations"}
    )
    with psycopg.connect(url) as conn:
        return {table: sorted(map(repr, conn.execute(select_all(table)).fetchall())) for table in tables}


def select_all(table: str) -> str:
    return f'SELECT * FROM "{table}"'  # noqa: S608 - table names from the models, not input


def test_restore_into_a_fresh_database_finds_every_row(tmp_path):
    comment = CommentFactory(body="백업 확인 バックアップ確認")
    AmendmentFactory(proposal=comment.proposal)
    RatingFactory(proposal=comment.proposal)
    record(action="test.backup", actor=UserFactory(), reason="in the drill")
    source = url_for(connection.settings_dict["NAME"])
    restored = url_for(connection.settings_dict["NAME"] + "_restored")
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{connection.settings_dict["NAME"]}_restored" WITH (FORCE)')
    dump = tmp_path / "drill.dump"

    backup = make("backup", DATABASE_URL=source, BACKUP_DIR=str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    Path(backup.stdout.strip()).rename(dump)
    restore = make("restore", BACKUP=str(dump), RESTORE_DATABASE_URL=restored)
    assert restore.returncode == 0, restore.stderr

    try:
        before, after = table_rows(source), table_rows(restored)
        assert sum(len(rows) for rows in before.values()) > 50
        assert after == before
        # The audit log is append-only in the restored database too.
        with psycopg.connect(restored) as conn, pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute("DELETE FROM audit_auditentry")
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            admin.execute(
                f'DROP DATABASE IF EXISTS "{connection.settings_dict["NAME"]}_restored" WITH (FORCE)'
            )


def test_restore_refuses_to_overwrite_a_database_with_tables(tmp_path):
    source = url_for(connection.settings_dict["NAME"])
    backup = make("backup", DATABASE_URL=source, BACKUP_DIR=str(tmp_path))
    assert backup.returncode == 0, backup.stderr

    restore = make("restore", BACKUP=backup.stdout.strip(), RESTORE_DATABASE_URL=source)

    assert restore.returncode != 0
    assert "RESTORE_CLEAN=1" in restore.stderr
