"""Edits the services do not make, which the proposal page still shows: a publication (title,
authors), a further source, the programme (its name and dates on the page's join box). Moderators
make them in the admin and the seed loader refreshes them; either way the stamps move in the same
transaction (``core.pagestamp``), so the cached pages, their parts and the cached API pages are
never served stale after such an edit either.

They are rare, so a publication's or programme's edit moves every proposal's stamp (one UPDATE
over a few hundred rows) rather than working out which pages cite it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import Programme
from core import pagestamp

from .models import Citation, Publication, PublicationAuthor


def _everything(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: no proposals to move yet, and fixtures bring their own stamps
    with transaction.atomic():
        pagestamp.touch_everything()


def _its_proposal(sender, instance: Citation, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    with transaction.atomic():
        pagestamp.touch(instance.proposal_id)


def connect() -> None:
    for model in (Publication, PublicationAuthor, Programme):
        post_save.connect(_everything, sender=model, dispatch_uid=f"pagestamp-{model._meta.label}-save")
        post_delete.connect(_everything, sender=model, dispatch_uid=f"pagestamp-{model._meta.label}-delete")
    post_save.connect(_its_proposal, sender=Citation, dispatch_uid="pagestamp-citation-save")
    post_delete.connect(_its_proposal, sender=Citation, dispatch_uid="pagestamp-citation-delete")
