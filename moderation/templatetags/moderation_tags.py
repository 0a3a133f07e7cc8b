from django import template

from amendments.translatable import HIDE_NOTE as AMENDMENT_NOTE
from comments.translatable import HIDE_NOTE as COMMENT_NOTE
from moderation import sections
from translations.reading import Block, reader

register = template.Library()


@register.inclusion_tag("moderation/_report_control.html", takes_context=True)
def report_control(context, item, refusal=None):
    """``{% report_control comment section.refusal %}``: a "Report" disclosure with its form, or
    nothing when the viewer may not report ``item``."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not sections.can_offer_report(user, item, refusal):
        return {"control": None}
    return {
        "control": sections.report_control(item),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


NOTE_KINDS = {"comments.Comment": COMMENT_NOTE, "amendments.Amendment": AMENDMENT_NOTE}


@register.simple_tag(takes_context=True)
def hide_note(context, item, base: str = "") -> Block | None:
    """``{% hide_note item base=... as note %}``: the moderators' note on hidden ``item`` as the
    reader sees it (``translations.reading``: its translation into the reader's language, when
    one is published, with the original one link away). None without a request to read for (the
    template then shows the note as written)."""
    request = context.get("request")
    if request is None or not item.hidden_reason:
        return None
    return reader(request).block(NOTE_KINDS[item._meta.label], item, base=base)
