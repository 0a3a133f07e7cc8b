"""The audit log becomes append-only in the database, not only in the admin.

Existing rows first get their actor's pseudonymous id (``audit.log.pseudonym``); then triggers
refuse every UPDATE and DELETE of a row (and TRUNCATE on PostgreSQL), with one exception: the
UPDATE that changes nothing but ``actor`` to NULL, which is what deleting a user does
(``on_delete=SET_NULL``). Whoever acted stays recognisable by ``actor_ref``.

Refusals raise an integrity error on both databases. The only sanctioned way past the triggers is
``manage.py flush`` (audit/management/commands/flush.py), which empties every table at once, as
test runs do between tests.
"""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

TABLE = "audit_auditentry"
MESSAGE = "the audit log is append-only"

# Every column of the table except actor_id, the one that deleting a user may set to NULL. A test
# (tests/test_audit.py) checks that this list and the model agree.
SQLITE_UNCHANGED = [
    "id",
    "created_at",
    "actor_ref",
    "action",
    "target_type_id",
    "target_id",
    "target_repr",
    "reason",
    "data",
]

SQLITE_TRIGGERS = {
    "audit_auditentry_no_update": f"""
        CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON {TABLE}
        WHEN NOT (NEW.actor_id IS NULL AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_UNCHANGED)})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    "audit_auditentry_no_delete": f"""
        CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
}

POSTGRESQL_CREATE = f"""
CREATE FUNCTION audit_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditentry_append_only();
"""

POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_auditentry_append_only();
"""


def backfill_actor_ref(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    key = getattr(settings, "AUDIT_PSEUDONYM_KEY", settings.SECRET_KEY)
    for actor_id in AuditEntry.objects.filter(actor__isnull=False).values_list("actor_id", flat=True).distinct():
        ref = "u-" + salted_hmac("audit.pseudonym", str(actor_id), secret=key, algorithm="sha256").hexdigest()[:16]
        AuditEntry.objects.filter(actor_id=actor_id).update(actor_ref=ref)


def create_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE)
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS.values():
            schema_editor.execute(sql)


def drop_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_actor_ref")]

    operations = [
        migrations.RunPython(backfill_actor_ref, migrations.RunPython.noop),
        migrations.RunPython(create_guard, drop_guard),
    ]
