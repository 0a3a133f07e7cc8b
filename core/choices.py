"""One participant's single choice on one thing (a reaction to a comment, a vote on an amendment),
kept with exact denormalised counters."""

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

Choice = tuple[str, str]  # (value, the chooser's nationality when they chose)


def set_choice(
    model: type[Any],
    *,
    key: dict,
    field: str,
    value: str | None,
    nationality: str,
    move_counters: Callable[..., None],
    extra: dict | None = None,
) -> Any:
    """Set the row of ``model`` identified by ``key`` (unique) to ``value``, or delete it when
    ``value`` is None; return the row, or None when there is none now.

    Call inside the caller's transaction. Idempotent: choosing what is already chosen changes
    nothing, so a double click cannot undo itself. ``move_counters(add=Choice|None,
    remove=Choice|None)`` is called only by the request that actually changed the row (creates,
    updates and deletes are conditional), so counters stay exact under concurrent writes.
    ``extra`` fields are written with the choice (when it is made or changed).
    """
    extra = extra or {}
    existing = model.objects.filter(**key).first()
    if existing is None:
        if value is None:
            return None
        try:
            with transaction.atomic():
                row = model.objects.create(**key, **{field: value}, nationality=nationality, **extra)
        except IntegrityError:
            # A concurrent request by the same user created it first: treat as a change.
            existing = model.objects.get(**key)
        else:
            move_counters(add=(value, nationality))
            return row

    current = getattr(existing, field)
    if current == value:
        return existing
    old = (current, existing.nationality)
    unchanged_since_read = model.objects.filter(pk=existing.pk, **{field: current})
    if value is None:
        if unchanged_since_read.delete()[0]:
            move_counters(remove=old)
        return None
    if unchanged_since_read.update(
        **{field: value}, nationality=nationality, created_at=timezone.now(), **extra
    ):
        move_counters(add=(value, nationality), remove=old)
    setattr(existing, field, value)
    existing.nationality = nationality
    for name, extra_value in extra.items():
        setattr(existing, name, extra_value)
    return existing
