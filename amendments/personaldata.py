"""What the amendments app holds about a participant (core.personaldata): amendments and votes."""

from django.db.models import F

from core.personaldata import register
from translations.models import Translation

from .models import Amendment, AmendmentState, AmendmentVote
from .services import _move_counters
from .translatable import NEW_TEXT, RATIONALE


def export_amendments(user) -> list[dict]:
    return [
        {
            "id": a.pk,
            "proposal": a.proposal.slug,
            "field": a.field,
            "language": a.language,
            "new_text": a.new_text,
            "rationale": a.rationale,
            "state": a.state,
            "created_at": a.created_at.isoformat(),
        }
        for a in Amendment.objects.filter(author=user).select_related("proposal").order_by("pk")
    ]


def export_votes(user) -> list[dict]:
    return [
        {"amendment": v.amendment_id, "value": v.value, "created_at": v.created_at.isoformat()}
        for v in AmendmentVote.objects.filter(user=user).order_by("pk")
    ]


def erase_amendments(user, *, keep_contributions: bool, stand_in) -> None:
    """Kept: under the withdrawn participant. Deleted: the rationale is emptied, an open
    amendment is withdrawn, and the text proposed by one not accepted becomes the original again
    (it proposes nothing any more; its page says the text was deleted); the text of one already
    accepted stays, as it is in the proposal's versions."""
    mine = Amendment.objects.filter(author=user)
    if not keep_contributions:
        ids = list(mine.values_list("pk", flat=True))
        not_accepted = mine.exclude(state=AmendmentState.ACCEPTED)
        unaccepted = list(not_accepted.values_list("pk", flat=True))
        not_accepted.filter(state=AmendmentState.OPEN).update(state=AmendmentState.WITHDRAWN)
        not_accepted.update(new_text=F("original_text"))
        mine.update(rationale="")
        # Translations of the deleted texts go with them.
        Translation.objects.filter(source_kind=RATIONALE, source_id__in=ids).delete()
        Translation.objects.filter(source_kind=NEW_TEXT, source_id__in=unaccepted).delete()
    mine.update(author=stand_in)


def erase_votes(user, *, keep_contributions: bool, stand_in) -> None:
    for vote in AmendmentVote.objects.filter(user=user).select_related("amendment"):
        _move_counters(vote.amendment, remove=(vote.value, vote.nationality))
        vote.delete()


register("amendments", export=export_amendments, erase=erase_amendments)
register("amendment_votes", export=export_votes, erase=erase_votes, with_the_account=True)
