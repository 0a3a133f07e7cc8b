"""The audit log is append-only in the database, keeps a pseudonymous actor when an account is
deleted, and records the deletion itself."""

import importlib

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.services import user_delete
from audit.guard import installed_triggers
from audit.log import pseudonym, record
from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        assert "append-only" in str(error)
        return True
    return False


@pytest.fixture
def entry():
    user = UserFactory()
    return record(action="test.action", actor=user, target=user, reason="original", detail=1)


def test_raw_sql_update_of_an_audit_row_fails(entry):
    assert refused("UPDATE audit_auditentry SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    assert refused("UPDATE audit_auditentry SET action = 'other', actor_id = NULL WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert (entry.reason, entry.action) == ("original", "test.action")


def test_raw_sql_delete_of_an_audit_row_fails(entry):
    assert refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_orm_update_and_delete_are_refused_too(entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "original"


@postgresql_only
def test_truncate_of_the_audit_table_fails_on_postgresql(entry):
    with connection.cursor() as cursor:
        # Check the row's deferred foreign keys now: TRUNCATE refuses to run with them pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert refused("TRUNCATE audit_auditentry")


def test_the_guard_is_installed_after_migrations():
    expected = {
        "sqlite": {"audit_auditentry_no_update", "audit_auditentry_no_delete"},
        "postgresql": {"audit_auditentry_append_only", "audit_auditentry_no_truncate"},
    }[connection.vendor]
    assert installed_triggers(connection) == expected


def test_the_sqlite_trigger_compares_every_column_but_the_actor():
    migration = importlib.import_module("audit.migrations.0003_append_only_guard")
    columns = {field.column for field in AuditEntry._meta.concrete_fields}
    assert set(migration.SQLITE_UNCHANGED) == columns - {"actor_id"}


def test_deleting_a_user_keeps_their_rows_under_a_pseudonym_and_records_the_deletion(entry):
    user = entry.actor
    user_pk, email, name = user.pk, user.email, user.display_name
    user.delete()

    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_ref == pseudonym(user_pk)
    assert (entry.action, entry.reason, entry.data) == ("test.action", "original", {"detail": 1})
    deletion = AuditEntry.objects.get(action="account.deleted")
    assert deletion.target_id == str(user_pk)
    # Nothing in the log names the person any more.
    for row in AuditEntry.objects.all():
        text = f"{row.target_repr} {row.reason} {row.data} {row.actor_ref}"
        assert email not in text and name not in text


def test_user_delete_records_who_deleted_and_why():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    record(action="account.logged_in", actor=user, target=user)
    user_pk = user.pk

    user_delete(user=user, actor=superuser, reason="asked by email")

    assert not User.objects.filter(pk=user_pk).exists()
    deletion = AuditEntry.objects.get(action="account.deleted")
    assert (deletion.actor, deletion.reason) == (superuser, "asked by email")
    assert deletion.target_repr == pseudonym(user_pk)
    assert AuditEntry.objects.get(action="account.logged_in").actor_ref == pseudonym(user_pk)


def test_a_participant_cannot_delete_someone_elses_account():
    from core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        user_delete(user=UserFactory(), actor=UserFactory())


def test_admin_deletion_of_a_user_is_audited(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    client.force_login(superuser)

    response = client.post(f"/en/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert AuditEntry.objects.get(action="account.deleted").actor == superuser


def test_pseudonyms_are_stable_and_distinct():
    first, second = UserFactory(), UserFactory()
    assert pseudonym(first) == pseudonym(first.pk) != pseudonym(second)
    assert pseudonym(first).startswith("u-") and len(pseudonym(first)) == 18


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_leaves_the_guard_in_place():
    user = UserFactory()
    record(action="test.action", actor=user)

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEntry.objects.exists()
    assert len(installed_triggers(connection)) == 2
    entry = record(action="test.after_flush")
    assert refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


# --- participants' text out of the log (migration audit.0006) ----------------------------------


def _migration(name):
    return importlib.import_module(name)


def legacy_row(**fields) -> AuditEntry:
    """A row as the code before audit.0006 wrote it (inserting is what the guard allows)."""
    return AuditEntry.objects.create(**fields)


def test_the_migration_blanks_participants_text_in_existing_rows_and_puts_the_guard_back():
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from comments.models import CommentEdit
    from tests.factories import CommentFactory, MembershipFactory, ProposalFactory

    member = UserFactory(email="legacy@example.jp", display_name="LegacyName")
    comment = CommentFactory(author=member, body="Current words")
    membership = MembershipFactory(user=member)
    proposal = ProposalFactory()
    ct = ContentType.objects.get_for_model
    edited = legacy_row(
        action="comment.edited",
        target_type=ct(comment),
        target_id=str(comment.pk),
        target_repr=f"#{comment.pk} Current words",
        data={"previous_body": "Earlier words"},
    )
    joined = legacy_row(
        action="membership.joined",
        target_type=ct(membership),
        target_id=str(membership.pk),
        target_repr=str(membership),
        data={"programme": "p"},
    )
    user_row = legacy_row(
        action="account.nationality_change_requested",
        target_type=ct(member),
        target_id=str(member.pk),
        target_repr=member.email,
        reason="I moved to Busan",
    )
    admin_row = legacy_row(
        action="admin.changed",
        target_type=ct(member),
        target_id=str(member.pk),
        target_repr="LegacyName",
        data={
            "model": "accounts.user",
            "changes": {"email": ["a@x", "legacy@example.jp"], "is_staff": [0, 1]},
        },
    )
    staff_row = legacy_row(
        action="proposal.stage_changed",
        target_type=ct(proposal),
        target_id=str(proposal.pk),
        target_repr="A title",
    )

    class Editor:
        connection = connection

    _migration("comments.migrations.0008_comment_edits").copy_earlier_versions(apps, Editor())
    _migration("audit.migrations.0006_no_participant_text").scrub(apps, Editor())

    assert CommentEdit.objects.get(comment=comment).body == "Earlier words"
    for row in (edited, joined, user_row, admin_row, staff_row):
        row.refresh_from_db()
    assert (edited.target_repr, edited.data) == (f"comment #{comment.pk}", {})
    assert (joined.target_repr, joined.data) == (f"membership #{membership.pk}", {"programme": "p"})
    assert (user_row.target_repr, user_row.reason) == (pseudonym(member), "")
    assert admin_row.target_repr == pseudonym(member)
    assert admin_row.data["changes"] == {"email": ["(personal data)"] * 2, "is_staff": [0, 1]}
    assert staff_row.target_repr == "A title"  # not a participant's: untouched
    everything = " ".join(f"{r.target_repr} {r.reason} {r.data}" for r in AuditEntry.objects.all())
    for text in ("Current words", "Earlier words", "LegacyName", "legacy@example", "Busan"):
        assert text not in everything
    # The guard is back in force.
    assert len(installed_triggers(connection)) == 2
    assert refused("UPDATE audit_auditentry SET reason = 'x' WHERE id = %s", [edited.pk])
