import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.hiding import CHOSEN, HideCategory

from .models import REASON_MAX_LENGTH

# The intermediate pages of the moderators' admin actions. (Participants' reports are a plain form in
# templates/moderation/_report_control.html, validated by services.report_create.)


class HideForm(forms.Form):
    """Why a moderator hides: a category every reader sees in their own language, and an optional
    note shown as written (required for "other"), marked with its language."""

    category = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------"), *CHOSEN],
        help_text=_(
            "Shown in place of the text, to each reader in their own language, and sent to the author."
        ),
    )
    note = forms.CharField(
        label=_("Note (optional; required for “Other reason”)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Shown under the reason as you write it, marked with its language."),
    )
    note_language = forms.ChoiceField(
        label=_("Language of the note"), choices=settings.LANGUAGES, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        self.fields["note_language"].initial = current

    def clean(self):
        data = super().clean()
        if data.get("category") == HideCategory.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why in a note: the author will read it."))
        return data


class OptionalReasonForm(forms.Form):
    """A note for the audit log (restore, dismiss, lift a suspension)."""

    reason = forms.CharField(
        label=_("Note for the audit log (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class SuspendForm(forms.Form):
    until = forms.DateField(
        label=_("Suspended until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The suspension ends at the start of this day (site time)."),
    )
    indefinitely = forms.BooleanField(label=_("Suspend indefinitely"), required=False)
    reason = forms.CharField(
        label=_("Justification"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Sent to the participant and kept in the audit log."),
    )

    def clean(self):
        data = super().clean()
        until, indefinitely = data.get("until"), data.get("indefinitely")
        if until and indefinitely:
            raise forms.ValidationError(_("Choose a date or “indefinitely”, not both."))
        if not until and not indefinitely and "until" not in self.errors:
            raise forms.ValidationError(_("Choose the date the suspension ends, or suspend indefinitely."))
        if until and until <= timezone.localdate():
            self.add_error("until", _("Choose a date after today."))
        return data

    @property
    def until_datetime(self) -> dt.datetime | None:
        """The end of the suspension: the start of the chosen day in the site's time zone."""
        until = self.cleaned_data.get("until")
        if not until:
            return None
        return timezone.make_aware(dt.datetime.combine(until, dt.time.min))
