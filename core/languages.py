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
