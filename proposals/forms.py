from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.fields import model_field

from .models import ProposalVersion
from .services import TEXT_FIELDS

LANGUAGE_NAMES = dict(settings.LANGUAGES)
REASON_LENGTH = 300


class VersionCorrectionForm(forms.Form):
    """A moderator's correction of the current version: every text in every language (prefilled),
    the translations still to update, and what the correction fixes."""

    reason = forms.CharField(
        label=_("What the correction fixes"),
        max_length=REASON_LENGTH,
        help_text=_("Kept in the audit log with the old and new text."),
    )

    def __init__(self, *args, version: ProposalVersion, **kwargs):
        super().__init__(*args, **kwargs)
        field_labels = {name: model_field(ProposalVersion, name).verbose_name for name in TEXT_FIELDS}
        for field in TEXT_FIELDS:
            for code, language in LANGUAGE_NAMES.items():
                name = f"{field}_{code}"
                widget = (
                    forms.TextInput(attrs={"size": 80})
                    if field == "title"
                    else forms.Textarea(attrs={"rows": 4 if field == "summary" else 12, "cols": 80})
                )
                widget.attrs["lang"] = code
                self.fields[name] = forms.CharField(
                    label=f"{field_labels[field]} ({language})",
                    initial=getattr(version, name),
                    widget=widget,
                    strip=False,
                )
        self.fields["stale_translations"] = forms.MultipleChoiceField(
            label=_("Translations needing update"),
            choices=[
                (f"{field}_{code}", f"{field_labels[field]} ({language})")
                for field in TEXT_FIELDS
                for code, language in LANGUAGE_NAMES.items()
            ],
            initial=version.stale_translations,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        # The reason last, after the texts it explains.
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])

    def texts(self) -> dict[str, str]:
        return {
            f"{field}_{code}": self.cleaned_data[f"{field}_{code}"]
            for field in TEXT_FIELDS
            for code in LANGUAGE_NAMES
        }
