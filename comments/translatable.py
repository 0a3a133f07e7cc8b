"""The comment body as a translatable text (translations.registry), registered in ``ready``."""

from django.utils.translation import gettext_lazy as _

from core import hiding
from translations.registry import Source, register

KIND = "comment.body"
# The moderators' note on a hidden comment (shown in its placeholder; see core.hiding).
HIDE_NOTE = "comment.hide_note"


def is_public(comment) -> bool:
    """Readable by the public: neither hidden nor deleted, nor under a hidden amendment (the
    amendment is loaded with the comment wherever this is asked)."""
    if comment.hidden_at is not None or comment.deleted_at is not None:
        return False
    return comment.amendment_id is None or comment.amendment.hidden_at is None


def _url(comment) -> str:
    from .services import comment_url

    return comment_url(comment)


def register_texts() -> None:
    register(
        Source(
            kind=KIND,
            model="comments.Comment",
            label=_("comment"),
            text=lambda comment: comment.body,
            language=lambda comment: comment.language,
            is_public=is_public,
            programme=lambda comment: comment.proposal.programme,
            author_id=lambda comment: comment.author_id,
            url=_url,
            related=("proposal__programme", "amendment", "author"),
        )
    )
    # Machine-translated when a moderator hides with a note (moderation.services.item_hide); not
    # offered to participants to translate: it is the moderators' word on someone's text.
    register(
        Source(
            kind=HIDE_NOTE,
            model="comments.Comment",
            label=_("moderators' note on a hidden comment"),
            text=lambda comment: comment.hidden_reason,
            language=hiding.note_language,
            is_public=hiding.note_is_shown,
            programme=lambda comment: comment.proposal.programme,
            author_id=lambda comment: None,
            url=_url,
            related=("proposal__programme",),
            community=False,
        )
    )
