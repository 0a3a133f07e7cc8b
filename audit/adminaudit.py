"""Every save and delete made in the admin is in the audit log, with the old and new values.

One mechanism for every model: the admin site (``deliberation.admin.DeliberationAdminSite``) mixes
``AuditedAdminMixin`` into each ModelAdmin it registers. A change writes one ``admin.changed`` row
for the object (the fields and many-to-many relations that changed, each as ``[old, new]``) and
one for each inline row changed; ``admin.added`` and ``admin.deleted`` likewise, with the values.
The rows are written in the admin's own transaction, so a save that fails records nothing.
Secrets (password hashes, hashed keys, tokens) are recorded as changed, never with their values,
and so are participants' personal data (``settings.AUDIT_PERSONAL_FIELDS``: emails, names, the text
of comments…), which the append-only log must not keep beyond the account's erasure.
"""

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from .log import personal_fields, record

HIDDEN = "(hidden)"
PERSONAL = "(personal data)"
SECRET_WORDS = ("password", "secret", "hashed_key", "token")


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _jsonable(value):
    if isinstance(value, dt.datetime):
        # The admin's widgets keep whole seconds: a save that only drops the microseconds is no change.
        value = value.replace(microsecond=0)
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
    return json.loads(json.dumps(value, cls=_Encoder))


def _is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def snapshot(obj: models.Model | None) -> dict:
    """Concrete field values (raw: secrets are hidden when recorded) and many-to-many ids."""
    if obj is None:
        return {}
    values = {field.name: _jsonable(field.value_from_object(obj)) for field in obj._meta.concrete_fields}
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(related.pk for related in field.value_from_object(obj))
    return values


def _masked(name: str, value, personal: frozenset[str]):
    if not value:
        return value
    if name in personal:
        return PERSONAL
    return HIDDEN if _is_secret(name) else value


def _shown(obj: models.Model, values: dict) -> dict:
    personal = personal_fields(obj) or frozenset()
    return {name: _masked(name, value, personal) for name, value in values.items()}


def changes(before: dict, after: dict, personal: frozenset[str] = frozenset()) -> dict:
    """``{field: [old, new]}`` for what differs, secrets and ``personal`` fields hidden."""
    return {
        name: [PERSONAL, PERSONAL]
        if name in personal
        else [HIDDEN, HIDDEN]
        if _is_secret(name)
        else [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def _changes(obj: models.Model, before: dict) -> dict:
    return changes(before, snapshot(obj), personal_fields(obj) or frozenset())


def _stored(obj: models.Model) -> models.Model | None:
    return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None


def _record(action: str, actor, obj: models.Model, **data) -> None:
    record(action=action, actor=actor, target=obj, model=obj._meta.label_lower, **data)


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        obj._admin_audit_before = snapshot(_stored(obj)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields and the inlines are saved: one row for the object.
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, "_admin_audit_before", None)
        if before is None:
            _record("admin.added", request.user, obj, values=_shown(obj, snapshot(obj)))
            return
        changed = _changes(obj, before)
        if changed:
            _record("admin.changed", request.user, obj, changes=changed)

    def save_formset(self, request, form, formset, change):
        befores = {
            inline.instance.pk: snapshot(_stored(inline.instance))
            for inline in formset.initial_forms
            if inline.instance.pk is not None
        }
        deleted = [inline.instance for inline in formset.deleted_forms if inline.instance.pk is not None]
        for obj in deleted:
            _record("admin.deleted", request.user, obj, values=_shown(obj, befores.get(obj.pk, {})))
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            _record("admin.added", request.user, obj, values=_shown(obj, snapshot(obj)))
        for obj, _fields in getattr(formset, "changed_objects", []):
            changed = _changes(obj, befores.get(obj.pk, {}))
            if changed:
                _record("admin.changed", request.user, obj, changes=changed)

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record("admin.deleted", request.user, obj, values=_shown(obj, snapshot(obj)))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _record("admin.deleted", request.user, obj, values=_shown(obj, snapshot(obj)))
            super().delete_queryset(request, queryset)
