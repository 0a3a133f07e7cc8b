"""``{% translation_for obj "comment.body" base=... element_prefix=... as block %}``: how ``obj``'s text
reads for the viewer (``translations.reading``). The feature's template renders ``block.text``
with its own filter in ``block.language`` and includes ``translations/_label.html``."""

from django import template

from ..reading import Block, reader

register = template.Library()


@register.simple_tag(takes_context=True)
def translation_for(context, obj, kind: str, base: str = "", element_prefix: str = "") -> Block:
    """``element_prefix``: the block lives in the element ``<prefix><obj.pk>`` (the toggle link
    leads there and htmx swaps it); otherwise the template wraps the block in ``block.element_id``."""
    element = f"{element_prefix}{obj.pk}" if element_prefix else ""
    return reader(context["request"]).block(kind, obj, base=base, element=element)


@register.simple_tag
def translation_label(block: Block, can_translate: bool = False):
    """``translations/_label.html``: the label under ``block`` (``translations.labels``)."""
    from ..labels import label_html

    return label_html(block, can_translate=bool(can_translate))
