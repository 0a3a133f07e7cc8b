from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def record(
    *, action: str, actor=None, target: models.Model | None = None, reason: str = "", **data
) -> AuditEntry:
    """Append one row. Call it inside the transaction of the action it records."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        reason=reason,
        data=data,
    )
