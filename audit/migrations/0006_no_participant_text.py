"""Participants' text leaves the audit log, so that erasing an account reaches all of it.

Rows written so far could hold it: a comment named by an excerpt (``#12 I think that…``), a
membership by its member's display name, a user by their name or email (before ``audit.0002``),
the text a comment had before an edit (``previous_body``, now in ``comments.CommentEdit``, copied
by ``comments.0008``), the reason a participant gave for a nationality change, and the values of
personal fields saved in the admin. Each row keeps its action, time, actor, target type and id and
everything else; only that text is blanked: the target becomes ``comment #12`` (a user: their
pseudonymous id), the personal values ``(personal data)``.

The rows are append-only (``audit.0003``): the guard is lifted for the duration of this migration
only, on PostgreSQL by disabling the table's user triggers (which needs the table's owner, as
migrations run), on SQLite by dropping the triggers and creating them again.
"""

import importlib

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

TABLE = "audit_auditentry"
PERSONAL = "(personal data)"

# settings.AUDIT_PERSONAL_FIELDS as it stands with this migration (a migration must not follow a
# setting that changes later).
PERSONAL_FIELDS = {
    "accounts.user": ["email", "display_name", "first_name", "last_name", "affiliation"],
    "accounts.membership": [],
    "accounts.nationalitychange": ["reason"],
    "accounts.consent": [],
    "accounts.guardianconsent": ["guardian_email", "note"],
    "accounts.dataexport": ["token", "payload"],
    "account.emailaddress": ["email"],
    "socialaccount.socialaccount": ["uid", "extra_data"],
    "comments.comment": ["body"],
    "comments.commentedit": ["body"],
    "comments.commentreaction": [],
    "amendments.amendment": ["new_text", "rationale"],
    "amendments.amendmentvote": [],
    "ratings.rating": [],
    "moderation.report": ["note"],
    "notifications.notification": ["data"],
    "translations.translation": ["text"],
}
# Participants' own words recorded as a reason.
REASON_IS_PARTICIPANTS = {"account.nationality_change_requested"}
# Participants' own words recorded in the details, by action.
DATA_IS_PARTICIPANTS = {"comment.edited": ["previous_body"]}


def pseudonym(pk) -> str:
    key = getattr(settings, "AUDIT_PSEUDONYM_KEY", settings.SECRET_KEY)
    return "u-" + salted_hmac("audit.pseudonym", str(pk), secret=key, algorithm="sha256").hexdigest()[:16]


def _masked(values: dict, fields: list[str], *, pairs: bool) -> dict:
    out = dict(values)
    for name in fields:
        if out.get(name):
            out[name] = [PERSONAL, PERSONAL] if pairs else PERSONAL
    return out


def scrubbed(row, label: str | None) -> dict:
    """The fields of ``row`` to change (none when it holds no participant's text)."""
    changed = {}
    if label == "accounts.user":
        changed["target_repr"] = pseudonym(row.target_id)
    elif label in PERSONAL_FIELDS:
        changed["target_repr"] = f"{label.split('.')[1]} #{row.target_id}"
    if row.action in REASON_IS_PARTICIPANTS and row.reason:
        changed["reason"] = ""
    data = dict(row.data) if isinstance(row.data, dict) else row.data
    if isinstance(data, dict):
        for key in DATA_IS_PARTICIPANTS.get(row.action, []):
            data.pop(key, None)
        model = data.get("model")
        if row.action.startswith("admin.") and model in PERSONAL_FIELDS:
            fields = PERSONAL_FIELDS[model]
            if isinstance(data.get("values"), dict):
                data["values"] = _masked(data["values"], fields, pairs=False)
            if isinstance(data.get("changes"), dict):
                data["changes"] = _masked(data["changes"], fields, pairs=True)
        if data != row.data:
            changed["data"] = data
    return {name: value for name, value in changed.items() if getattr(row, name) != value}


class lifted_guard:
    """The append-only guard lifted for the block, put back after it (even on error)."""

    def __init__(self, connection):
        self.connection = connection
        self.guard = importlib.import_module("audit.migrations.0003_append_only_guard")

    def _execute(self, *statements):
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def __enter__(self):
        if self.connection.vendor == "postgresql":
            # ALTER TABLE refuses to run while deferred constraint checks are pending on the table.
            self._execute("SET CONSTRAINTS ALL IMMEDIATE", f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        elif self.connection.vendor == "sqlite":
            self._execute(*(f"DROP TRIGGER IF EXISTS {name}" for name in self.guard.SQLITE_TRIGGERS))
        return self

    def __exit__(self, *exc):
        if self.connection.vendor == "postgresql":
            self._execute("SET CONSTRAINTS ALL IMMEDIATE", f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        elif self.connection.vendor == "sqlite":
            self._execute(*self.guard.SQLITE_TRIGGERS.values())
        return False


def scrub(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    labels = {
        ct.pk: f"{ct.app_label}.{ct.model}"
        for ct in ContentType.objects.all()
        if f"{ct.app_label}.{ct.model}" in PERSONAL_FIELDS
    }
    candidates = (
        AuditEntry.objects.filter(target_type__in=list(labels))
        | AuditEntry.objects.filter(action__in=[*REASON_IS_PARTICIPANTS, *DATA_IS_PARTICIPANTS])
        | AuditEntry.objects.filter(action__startswith="admin.")
    )
    with lifted_guard(schema_editor.connection):
        for row in candidates.order_by("pk").iterator():
            changed = scrubbed(row, labels.get(row.target_type_id))
            if changed:
                AuditEntry.objects.filter(pk=row.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_translated_admin_labels"),
        # The earlier versions of comments are copied out of the log before it forgets them.
        ("comments", "0008_comment_edits"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
