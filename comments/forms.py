import uuid

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.languages import LANGUAGE_CODES
from core.text import normalise_newlines
from core.widgets import CountedTextarea

from .models import MAX_LENGTH, Reaction, Stance


class CommentText(forms.CharField):
    """Browsers count a line break as one character but send two (CRLF): normalise before the
    length check so the server agrees with the counter. Over the limit the text is refused, with
    its length, never cut (the browser gets no ``maxlength``: see ``CountedTextarea``)."""

    default_error_messages = {
        "max_length": _(
            "Your text has %(show_value)d characters; the limit is %(limit_value)d. Shorten it and send "
            "it again: nothing was posted, and your text is kept here."
        ),
    }

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_newlines(value) if value else value


def _also_in(code: str):
    """ "Also in 日本語": the label of the author's own translation into ``code``, in the language of
    the page (the language's own name, in its own language)."""
    with translation.override(code):
        name = translation.get_language_info(code)["name_local"]
    return lazy(lambda: _("Also in %(language)s") % {"language": name}, str)()


class CommentForm(forms.Form):
    """A new comment or a reply. Carries a fresh ``client_token`` so a double submit posts once."""

    body = CommentText(
        label=_("Your comment"), max_length=MAX_LENGTH, widget=CountedTextarea(attrs={"rows": 4})
    )
    language = forms.ChoiceField(label=_("Written in"), choices=settings.LANGUAGES)
    stance = forms.ChoiceField(
        label=_("Your stance"),
        choices=[("", pgettext_lazy("stance", "No stance")), *Stance.choices],
        required=False,
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, language: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())
            if language:
                self.initial.setdefault("language", language)

    @property
    def translation_fields(self) -> list:
        return [self[f"also_{code}"] for code in LANGUAGE_CODES]

    def clean(self):
        cleaned = super().clean()
        language = cleaned.get("language")
        if language and (cleaned.get(f"also_{language}") or "").strip():
            self.add_error(f"also_{language}", _("The comment itself is written in this language."))
        return cleaned

    def comment_data(self) -> dict:
        """The arguments of ``comments.services.comment_create``: the text and, in
        ``translations``, the author's own translations."""
        data = dict(self.cleaned_data)
        own = {code: data.pop(f"also_{code}", "") for code in LANGUAGE_CODES}
        data["translations"] = {code: text for code, text in own.items() if text and text.strip()}
        return data


# The author's own translations ("also in 日本語"), published with the comment: declared once
# with the form's other fields, not built again by every form (a comment write draws two).
_ALSO = {
    f"also_{code}": CommentText(
        label=_also_in(code),
        max_length=MAX_LENGTH,
        required=False,
        widget=CountedTextarea(attrs={"rows": 3, "lang": code}),
    )
    for code in LANGUAGE_CODES
}
CommentForm.declared_fields.update(_ALSO)
CommentForm.base_fields.update(_ALSO)


class EditForm(forms.Form):
    body = CommentText(
        label=_("Your comment"), max_length=MAX_LENGTH, widget=CountedTextarea(attrs={"rows": 4})
    )


class ReactionForm(forms.Form):
    """An empty ``kind`` withdraws the viewer's reaction."""

    kind = forms.ChoiceField(choices=[("", ""), *Reaction.choices], required=False)
