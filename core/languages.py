"""The site's languages, and text kept once per language (``title_en``, ``title_ko``, ``title_ja``)."""

from typing import Any

from django.conf import settings

# Every language the site and its translated columns speak, in the order of settings.LANGUAGES.
LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def per_language(obj: Any, field: str) -> dict[str, str]:
    """``{"ko": obj.<field>_ko, "ja": ..., "en": ...}``, empty strings for missing text; ``{}`` for
    no object. The form notifications and webhooks carry a title in, to render it later in the
    reader's language."""
    if obj is None:
        return {}
    return {code: getattr(obj, f"{field}_{code}", "") or "" for code in LANGUAGE_CODES}


def guess_language(text: str, default: str) -> str:
    """The site language ``text`` is most likely written in, from its script: Hangul is Korean,
    kana (or Han characters without Hangul) Japanese, Latin letters alone English; ``default``
    when nothing tells (digits, symbols). For text stored without its language."""
    hangul = kana = han = latin = 0
    for char in text:
        code = ord(char)
        if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
        elif 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
            kana += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            han += 1
        elif char.isascii() and char.isalpha():
            latin += 1
    if hangul and hangul >= kana:
        return "ko"
    if kana or han:
        return "ja"
    if latin:
        return "en"
    return default
