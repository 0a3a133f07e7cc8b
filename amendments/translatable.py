"""An amendment's rationale and proposed text as translatable texts (translations.registry),
registered in ``ready``."""

from django.utils.translation import gettext_lazy as _

from core.languages import guess_language
from translations.registry import Source, register

RATIONALE = "amendment.rationale"
NEW_TEXT = "amendment.new_text"


def rationale_language(amendment) -> str:
    """The rationale's language is not asked for: it is often not the language of the text being
    amended (a Japanese participant amending the Korean text), so it is told from its script."""
    return guess_language(amendment.rationale, amendment.language)


def register_texts() -> None:
    common = {
        "model": "amendments.Amendment",
        "is_public": lambda amendment: amendment.hidden_at is None,
        "programme": lambda amendment: amendment.proposal.programme,
        "author_id": lambda amendment: amendment.author_id,
        "url": lambda amendment: amendment.get_absolute_url(),
        "related": ("proposal__programme", "author"),
    }
    register(
        Source(
            kind=RATIONALE,
            label=_("amendment rationale"),
            text=lambda amendment: amendment.rationale,
            language=rationale_language,
            **common,
        )
    )
    register(
        Source(
            kind=NEW_TEXT,
            label=_("proposed text"),
            text=lambda amendment: amendment.new_text,
            language=lambda amendment: amendment.language,
            **common,
        )
    )
