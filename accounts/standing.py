"""A participant's standing in a programme: a verified email address, an active membership.

``participation_refusal`` asks it on every proposal page a participant opens and on every write.
The answer is kept in the shared cache under ``(user, programme, User.standing_stamp)``, and the
stamp moves in the same transaction as every change the answer depends on (the receivers below:
an email address or a membership saved, deleted, or added or removed through
``Programme.members``). The stamp comes with the user's row, which every signed-in request loads
anyway, so a kept answer costs no query; and as the stamp is read before the answer is, an answer
is only ever kept under a stamp at most as new as what it saw: a change makes it unreachable.

Writes that bypass the model's signals (``QuerySet.update``/``bulk_create`` of memberships or
email addresses) must call ``moved`` themselves; none in the product does (the benchmark's seed
creates new users, whose stamps nothing was kept under).

Only with Redis as the cache: with the database cache a kept answer would cost the query it saves.
"""

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save

from core import stampmirror

from .models import Membership, Programme, User

# Nothing depends on time here; the timeout only bounds what an unused answer occupies.
TIMEOUT = 24 * 3600


def moved(*user_ids: int | None) -> None:
    """Move the standing stamp of these users (inside the caller's transaction)."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if ids:
        User.objects.filter(pk__in=ids).update(standing_stamp=F("standing_stamp") + 1)


def standing(user: User, programme: Programme) -> dict[str, bool]:
    """``{"verified": ..., "member": ...}`` for ``user`` (as loaded for this request) in
    ``programme``: from the cache under the user's standing stamp, else one query."""
    key = f"standing:{user.pk}:{programme.pk}:{user.standing_stamp}"
    shared = stampmirror.enabled() and user.standing_stamp is not None
    if shared:
        kept = cache.get(key)
        if kept is not None:
            return kept
    found = (
        User.objects.filter(pk=user.pk)
        .annotate(
            verified=Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
            member=Exists(
                Membership.objects.filter(user=OuterRef("pk"), programme=programme, is_active=True)
            ),
        )
        .values("verified", "member")
        .get()
    )
    if shared:
        cache.set(key, found, TIMEOUT)
    return found


def _unknown(user: User | None) -> None:
    """A user object in memory whose stamp just moved in the database: its standing is read
    afresh from now on (its stamp is unknown; a full save never writes it: ``User.save``)."""
    if user is not None:
        user.standing_stamp = None  # type: ignore[assignment]


def _row_changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    moved(instance.user_id)
    _unknown(instance._state.fields_cache.get("user"))


def _members_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # user.programmes.add(...)
        moved(instance.pk)
        _unknown(instance)
    elif action == "pre_clear":
        moved(*instance.members.values_list("pk", flat=True))
    else:
        moved(*(pk_set or ()))


def connect() -> None:
    for model in (Membership, EmailAddress):
        label = model._meta.label
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"standing-{label}-save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"standing-{label}-delete")
    m2m_changed.connect(_members_changed, sender=Programme.members.through, dispatch_uid="standing-members")
