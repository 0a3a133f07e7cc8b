"""Widgets shared by the participants' forms."""

from django import forms
from django.utils.translation import gettext


def counter_attrs(limit: int) -> dict[str, str]:
    """The attributes that give a textarea a visible counter instead of ``maxlength``."""
    return {
        "data-limit": str(limit),
        "data-count-text": gettext("%(count)s / %(limit)s characters"),
        "data-over-text": gettext(
            "%(over)s characters too many: shorten the text before sending. Nothing is cut."
        ),
    }


class CountedTextarea(forms.Textarea):
    """A textarea whose length limit is shown, never enforced by the browser.

    ``maxlength`` (from the field's ``max_length`` or given here) would make the browser cut a long
    paste silently; it becomes ``data-limit`` instead, which static/js/site.js turns into a visible
    counter (progressive enhancement). The server stays the authority: it refuses over-long text
    with a message and keeps what was typed.
    """

    def __init__(self, attrs=None, *, limit: int | None = None):
        super().__init__(attrs)
        self.limit = limit

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        limit = widget_attrs.pop("maxlength", None) or self.limit
        if limit:
            widget_attrs.update(counter_attrs(int(limit)))
        return context
