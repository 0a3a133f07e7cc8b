"""Writing the audit log, and the pseudonymous ids it names people by.

``record`` appends one row; call it inside the transaction of the action it records. Rows cannot be
changed or deleted afterwards (a database trigger refuses it, see migration ``audit.0002``).

People appear in the log by ``pseudonym(user)``: a stable id derived from the account's primary key
with a keyed hash (``settings.AUDIT_PSEUDONYM_KEY``). While the account exists the admin shows who
it is; once the account is deleted the rows keep the pseudonym, still tying that person's actions
together, and nothing in them names the person. Account erasure therefore needs no change to the
log: delete the user (``accounts.services.user_delete``), and the database sets ``actor`` to NULL,
the only change the trigger allows.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.crypto import salted_hmac

from core import compiled

from .models import AuditEntry

PSEUDONYM_PREFIX = "u-"


def pseudonym(user_or_pk) -> str:
    """The pseudonymous id of a user (or of a user's primary key), e.g. ``u-3f9a0c1d2e4b5a69``.

    The same account always gets the same id as long as ``AUDIT_PSEUDONYM_KEY`` stays the same.
    """
    pk = getattr(user_or_pk, "pk", user_or_pk)
    digest = salted_hmac("audit.pseudonym", str(pk), secret=settings.AUDIT_PSEUDONYM_KEY, algorithm="sha256")
    return PSEUDONYM_PREFIX + digest.hexdigest()[:16]


def _is_user(target: models.Model) -> bool:
    return isinstance(target, get_user_model())


def personal_fields(model: type[models.Model] | models.Model) -> frozenset[str] | None:
    """The fields of ``model`` that hold a participant's personal data (maybe none), or None when
    the model is not about a participant at all (``settings.AUDIT_PERSONAL_FIELDS``)."""
    fields = settings.AUDIT_PERSONAL_FIELDS.get(model._meta.label_lower)
    return None if fields is None else frozenset(fields)


def describe(target: models.Model) -> str:
    """How a row names ``target``: a user by their pseudonym, a participant's row by its id, the
    rest (proposals, milestones, institutions…) by its name."""
    if _is_user(target):
        return pseudonym(target)
    if personal_fields(target) is not None:
        return f"{target._meta.model_name} #{target.pk}"
    return str(target)[:200]


def record(
    *, action: str, actor=None, target: models.Model | None = None, reason: str = "", **data
) -> AuditEntry:
    """Append one row. Call it inside the transaction of the action it records.

    A user as ``target`` is named by their pseudonym, never by name or email address, and a
    participant's row by its id (``describe``), so that the row says nothing about a person whose
    account is later erased. ``reason`` and ``data`` must not carry participants' text either.
    """
    actor = actor if actor is not None and actor.is_authenticated else None
    target_repr = "" if target is None else describe(target)
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_ref=pseudonym(actor) if actor is not None else "",
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=target_repr,
        reason=reason,
        data=data,
    )
    # On every comment and rating: the INSERT compiled once (core.compiled).
    return compiled.insert(entry)
