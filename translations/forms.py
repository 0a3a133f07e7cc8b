from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.text import normalise_newlines

from .models import MAX_LENGTH


class TranslationForm(forms.Form):
    """A participant's translation of someone's text (or of their own)."""

    target_language = forms.ChoiceField(label=_("Into"), choices=settings.LANGUAGES)
    text = forms.CharField(
        label=_("Your translation"), max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, source_language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target_language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, name) for code, name in settings.LANGUAGES if code != source_language]

    def clean_text(self) -> str:
        return normalise_newlines(self.cleaned_data["text"])
