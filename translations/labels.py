"""The label under a text shown in the reader's language ("Translated · Machine translation
(DeepL) · Show original (한국어)"), without the template engine: a page of comments draws one per
comment. ``translations/_label.html`` renders through here too, so there is one way to draw it."""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info, gettext

from .reading import Block


def _name(code: str) -> str:
    try:
        return escape(get_language_info(code)["name_local"])
    except KeyError:
        return escape(code)


def _toggle(block: Block, text: str) -> str:
    element = escape(block.element_id)
    return (
        f'<a class="translation-toggle" href="{escape(block.toggle_url)}" hx-get="{escape(block.fetch_url)}" '
        f'hx-select="#{element}" hx-target="#{element}" hx-swap="outerHTML" hx-push-url="false">{text}</a>'
    )


def label_html(block: Block, *, can_translate: bool = False) -> SafeString:
    """What to say about ``block``'s text: empty when it is simply in the reader's language."""
    # blocktranslate's own text is not escaped, only the values put in it; translate's is.
    if block.translation is not None:
        if block.showing_translation:
            if block.is_machine:
                origin = gettext("Machine translation (%(provider)s)") % {
                    "provider": escape(block.provider_label)
                }
            elif block.is_author:
                origin = escape(gettext("Translated by the author"))
            else:
                origin = gettext("Translated by %(name)s") % {"name": escape(block.translator_name)}
            toggle = _toggle(
                block, gettext("Show original (%(language)s)") % {"language": _name(block.original_language)}
            )
            improve = ""
            if can_translate and block.is_machine:
                url = reverse("translations:translate", kwargs={"kind": block.kind, "pk": block.pk})
                # Outside the f-string: makemessages (xgettext) does not see calls inside one.
                words = escape(gettext("Improve this translation"))
                improve = (
                    f' · <a class="translation-improve" href="{escape(url)}?language={escape(block.reader_language)}">'
                    f"{words}</a>"
                )
            translated = escape(gettext("Translated"))  # outside the f-string, for makemessages
            inner = (
                f'<span class="translation-state">{translated}</span> · '
                f'<span class="translation-origin">{origin}</span> · {toggle}{improve}'
            )
        else:
            state = gettext("Original (%(language)s)") % {"language": _name(block.original_language)}
            toggle = _toggle(
                block, gettext("Show translation (%(language)s)") % {"language": _name(block.reader_language)}
            )
            inner = f'<span class="translation-state">{state}</span> · {toggle}'
        return mark_safe(f'<p class="translation-label">{inner}</p>')  # noqa: S308 - values escaped
    if block.show_pending:
        text = gettext("Translation into %(language)s pending") % {"language": _name(block.reader_language)}
        return mark_safe(f'<p class="translation-label translation-pending">{text}</p>')  # noqa: S308
    if block.show_unavailable:
        text = gettext("Translation into %(language)s unavailable for now") % {
            "language": _name(block.reader_language)
        }
        return mark_safe(f'<p class="translation-label translation-unavailable">{text}</p>')  # noqa: S308
    return mark_safe("")
