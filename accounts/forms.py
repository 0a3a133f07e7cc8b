from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.db.models import Field
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.fields import model_field
from core.text import clean, without_bidi_controls

from .models import Nationality, User


def _user_field(name: str) -> Field[Any, Any]:
    return model_field(User, name)


def _current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class SignupForm(AllauthSignupForm):
    """allauth's signup (email + password) plus what the deliberation needs to know about you."""

    display_name = forms.CharField(
        label=_user_field("display_name").verbose_name,
        max_length=60,
        help_text=_("Shown next to what you write. Not your email address."),
    )
    # No preselected nationality: a participant who skipped the field would be counted as the first
    # choice in every per-nationality figure. The empty first option makes the choice explicit.
    nationality = forms.ChoiceField(
        label=_user_field("nationality").verbose_name,
        choices=[("", _("Choose…")), *Nationality.choices],
        error_messages={"required": _("Choose your nationality.")},
        help_text=_(
            "Self-declared. Shown publicly only as a small badge and in aggregates, never with your email."
        ),
    )
    preferred_language = forms.ChoiceField(
        label=_user_field("preferred_language").verbose_name,
        choices=[("", _("Choose…")), *settings.LANGUAGES],
        error_messages={"required": _("Choose the language for the site and our emails.")},
        help_text=_("The site and our emails will use this language."),
    )
    affiliation = forms.CharField(
        label=_user_field("affiliation").verbose_name,
        max_length=200,
        required=False,
        help_text=_("Optional: university, organisation or programme."),
    )

    field_order = ["email", "display_name", "nationality", "preferred_language", "affiliation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = _current_language()
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields["affiliation"].widget.attrs["autocomplete"] = "organization"

    def clean_contributions(self) -> str | None:
        # Left out (an older form): unchanged.
        return self.cleaned_data.get("contributions") or None

    def clean_display_name(self) -> str:
        name = without_bidi_controls(clean(self.cleaned_data["display_name"])).strip()
        if not name:
            raise forms.ValidationError(_("Enter a display name."))
        return name


class ProfileForm(forms.Form):
    """The user's own profile. A plain form (not a ModelForm) so that the service, not form
    validation, changes the user. The nationality is not on it: it changes only through
    ``NationalityChangeForm`` and a moderator."""

    display_name = _user_field("display_name").formfield(required=True)
    preferred_language = _user_field("preferred_language").formfield()
    affiliation = _user_field("affiliation").formfield()
    contributions = _user_field("contributions").formfield(widget=forms.RadioSelect, required=False)
    notification_frequency = _user_field("notification_frequency").formfield(widget=forms.RadioSelect)

    @classmethod
    def for_user(cls, user: User) -> "ProfileForm":
        return cls(initial={name: getattr(user, name) for name in cls.base_fields})

    def clean_contributions(self) -> str | None:
        # Left out (an older form): unchanged.
        return self.cleaned_data.get("contributions") or None

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a display name."))
        return name


class NationalityChangeForm(forms.Form):
    """Asking the moderators to change one's nationality."""

    nationality = forms.ChoiceField(label=_("New nationality"), choices=Nationality.choices)
    reason = forms.CharField(
        label=_("Why (for the moderators)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class JoinForm(forms.Form):
    invite_code = forms.CharField(label=_("Invite code"), max_length=40, required=False, strip=True)
