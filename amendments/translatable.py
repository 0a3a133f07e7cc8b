"""An amendment's rationale and proposed text as translatable texts (translations.registry),
registered in ``ready``."""

from django.utils.translation import gettext_lazy as _

from core import hiding
from core.languages import guess_language
from translations.registry import Source, register

RATIONALE = "amendment.rationale"
NEW_TEXT = "amendment.new_text"
# The moderators' note on a hidden amendment (shown in its placeholder; see core.hiding).
HIDE_NOTE = "amendment.hide_note"


def rationale_language(amendment) -> str:
    """The rationale's language is not asked for: it is often not the language of the text being
    amended (a Japanese participant amending the Korean text), so it is told from its script."""
    return guess_language(amendment.rationale, amendment.language)


def _public(amendment) -> bool:
    return amendment.hidden_at is None


def _programme(amendment):
    return amendment.proposal.programme


def _author_id(amendment) -> int | None:
    return amendment.author_id


def _url(amendment) -> str:
    return amendment.get_absolute_url()


RELATED = ("proposal__programme", "author")


def register_texts() -> None:
    register(
        Source(
            kind=RATIONALE,
            model="amendments.Amendment",
            label=_("amendment rationale"),
            text=lambda amendment: amendment.rationale,
            language=rationale_language,
            is_public=_public,
            programme=_programme,
            author_id=_author_id,
            url=_url,
            related=RELATED,
        )
    )
    register(
        Source(
            kind=NEW_TEXT,
            model="amendments.Amendment",
            label=_("proposed text"),
            text=lambda amendment: amendment.new_text,
            language=lambda amendment: amendment.language,
            is_public=_public,
            programme=_programme,
            author_id=_author_id,
            url=_url,
            related=RELATED,
        )
    )
    # Machine-translated when a moderator hides with a note (moderation.services.item_hide); not
    # offered to participants to translate: it is the moderators' word on someone's text.
    register(
        Source(
            kind=HIDE_NOTE,
            model="amendments.Amendment",
            label=_("moderators' note on a hidden amendment"),
            text=lambda amendment: amendment.hidden_reason,
            language=hiding.note_language,
            is_public=hiding.note_is_shown,
            programme=_programme,
            author_id=lambda amendment: None,
            url=_url,
            related=RELATED,
            community=False,
        )
    )
