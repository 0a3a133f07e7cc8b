import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import normalise_newlines

from .models import MAX_LENGTH, Reaction, Stance


class CommentText(forms.CharField):
    """Browsers count a line break as one character against ``maxlength`` but send two (CRLF):
    normalise before the length check so the server agrees with the browser."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_newlines(value) if value else value


class CommentForm(forms.Form):
    """A new comment or a reply. Carries a fresh ``client_token`` so a double submit posts once."""

    body = CommentText(
        label=_("Your comment"), max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
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
        label=_("Your comment"), max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReactionForm(forms.Form):
    """An empty ``kind`` withdraws the viewer's reaction."""

    kind = forms.ChoiceField(choices=[("", ""), *Reaction.choices], required=False)
