import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class EditForm(forms.Form):
    body = CommentText(
        label=_("Your comment"), max_length=MAX_LENGTH, widget=CountedTextarea(attrs={"rows": 4})
    )


class ReactionForm(forms.Form):
    """An empty ``kind`` withdraws the viewer's reaction."""

    kind = forms.ChoiceField(choices=[("", ""), *Reaction.choices], required=False)
