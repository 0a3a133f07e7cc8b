"""Why a comment or an amendment is hidden: a category every reader sees in their own language,
plus the moderator's optional note, shown in the language it was written in (marked as such).

Here, below the comments and amendments apps, because both models store the category.
"""

import re

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy


class HideCategory(models.TextChoices):
    SPAM = "spam", pgettext_lazy("hide reason", "Spam or advertising")
    HARASSMENT = (
        "harassment",
        pgettext_lazy("hide reason", "Harassment or hate, including hostility toward a nationality"),
    )
    PERSONAL_DATA = "personal_data", pgettext_lazy("hide reason", "Personal information about someone")
    OFF_TOPIC = "off_topic", pgettext_lazy("hide reason", "Off-topic")
    MISINFORMATION = "misinformation", pgettext_lazy("hide reason", "Misinformation")
    # Set by the automatic hide (reports from several nationality groups), never chosen.
    REPORTED = "reported", pgettext_lazy("hide reason", "Reported by several participants")
    OTHER = "other", pgettext_lazy("hide reason", "Other reason")


def note_is_shown(item) -> bool:
    """Do readers see ``item``'s moderators' note? Only under a moderator's hide (an automatic
    hide shows its own sentence), never under a deleted comment's placeholder. The note is a
    translatable text (``comment.hide_note``, ``amendment.hide_note``) only while this holds."""
    return (
        item.hidden_at is not None
        and not item.hidden_automatically
        and bool(item.hidden_reason)
        and getattr(item, "deleted_at", None) is None
    )


def note_language(item) -> str:
    """The note's language as the moderator gave it (told from its script for older rows)."""
    return item.hidden_note_language or guess_language(item.hidden_reason)


# What a moderator may choose (the automatic category is the system's).
CHOSEN = [(value, label) for value, label in HideCategory.choices if value != HideCategory.REPORTED]


def reason_text(category: str, note: str, language: str) -> str:
    """The category in ``language`` and the note as written: what the author is sent."""
    with translation.override(language):
        label = str(HideCategory(category).label) if category in HideCategory.values else ""
        if label and note:
            return gettext("%(category)s — “%(note)s”") % {"category": label, "note": note}
        return label or note


# For the migration of free-text reasons written before categories: the first category whose
# words appear in the text (English, Korean, Japanese), else "other".
_GUESSES = (
    (HideCategory.SPAM, r"spam|advert|promot|광고|스팸|홍보|宣伝|広告|スパム"),
    (
        HideCategory.PERSONAL_DATA,
        r"personal|doxx|private|phone|address|개인\s*정보|전화|주소|個人情報|住所|電話",
    ),
    (
        HideCategory.HARASSMENT,
        r"harass|insult|hate|abus|attack|slur|threat|욕설|모욕|혐오|비방|공격|괴롭|嫌がらせ|侮辱|差別|攻撃|中傷|ヘイト",
    ),
    (
        HideCategory.OFF_TOPIC,
        r"off[\s-]*topic|irrelevant|unrelated|주제|무관|관계없|無関係|関係(が)?ない|話題",
    ),
    (HideCategory.MISINFORMATION, r"misinform|false|fake|허위|거짓|가짜|誤情報|デマ|虚偽"),
)


def guess_category(text: str) -> str:
    lowered = (text or "").lower()
    for category, pattern in _GUESSES:
        if re.search(pattern, lowered):
            return category
    return HideCategory.OTHER


def guess_language(text: str, default: str = "en") -> str:
    """ko for Hangul, ja for kana or CJK ideographs without Hangul, else ``default``."""
    if re.search(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", text or ""):
        return "ko"
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text or ""):
        return "ja"
    return default
