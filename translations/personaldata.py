"""What the translations app holds about a participant (core.personaldata): the translations they
wrote, of their own texts or of others' (the machine's are not theirs)."""

from core.personaldata import register

from .models import Translation


def export_translations(user) -> list[dict]:
    return [
        {
            "id": t.pk,
            "kind": t.source_kind,
            "source": t.source_id,
            "from": t.source_language,
            "to": t.target_language,
            "text": t.text,
            "origin": t.origin,
            "status": t.status,
            "reviewer_note": t.review_note,
            "created_at": t.created_at.isoformat(),
            "published_at": t.published_at.isoformat() if t.published_at else None,
        }
        for t in Translation.objects.filter(translator=user).order_by("pk")
    ]


def erase_translations(user, *, keep_contributions: bool, stand_in) -> None:
    """Kept: they stay, credited to nobody (the account's foreign key becomes NULL with it).
    Deleted: every translation they wrote goes; readers see the original, or the machine's."""
    if not keep_contributions:
        Translation.objects.filter(translator=user).delete()


register("translations", export=export_translations, erase=erase_translations)
