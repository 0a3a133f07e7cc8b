from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.db.models import Field
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.fields import model_field
from core.text import clean, without_bidi_controls
from core.widgets import CountedTextarea

from .consent import consents_give
from .guardians import guardian_consent_request
from .models import AgeBand, Nationality, User


def _user_field(name: str) -> Field[Any, Any]:
    return model_field(User, name)


def _current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ConsentFields(forms.Form):
    """The three questions of the privacy notice, asked separately: participation and the transfer
    between Korea and Japan (both required; APPI Art. 28 and PIPA Art. 28-8 want the countries,
    the recipients and their protections named where the consent is asked), research use (optional)."""

    consent_participation = forms.BooleanField(
        label=_(
            "I agree to the collection and use of my personal data described in the privacy notice, to take part in the deliberation (required)."
        ),
        error_messages={"required": _("Taking part needs this consent.")},
    )
    consent_cross_border = forms.BooleanField(
        label=_(
            "I agree to the transfer of my personal data between the Republic of Korea and Japan (required)."
        ),
        help_text=_(
            "Recipients: the organisers of the dialogue in the Republic of Korea and in Japan, and the "
            "participants of both countries, who read what you write under your display name. "
            "Transferred: your display name, nationality, age band, affiliation (adults only) and your "
            "contributions; your email address only to the organisers. Protections: Korea's Personal "
            "Information Protection Act and Japan's Act on the Protection of Personal Information, an "
            "agreement binding the organisers to the same safeguards, encrypted connections. If you "
            "refuse, you cannot take part: the dialogue is held between the two countries."
        ),
        error_messages={
            "required": _("Taking part needs this consent: the dialogue is held between Korea and Japan.")
        },
    )
    consent_research = forms.BooleanField(
        label=_(
            "I agree that my contributions, with my name and email address removed, may be used for research on the dialogue (optional)."
        ),
        required=False,
        help_text=_("You can withdraw this consent at any time on your profile page."),
    )

    def link_notice(self) -> None:
        self.fields["consent_participation"].help_text = format_html(
            '<a href="{}">{}</a>', reverse("privacy_notice"), _("Read the privacy notice")
        )

    def consent_answers(self) -> dict[str, bool]:
        return {
            "participation": self.cleaned_data["consent_participation"],
            "cross_border": self.cleaned_data["consent_cross_border"],
            "research": self.cleaned_data.get("consent_research", False),
        }


class ConsentForm(ConsentFields):
    """Asked again when the privacy notice changes (accounts.middleware)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.link_notice()


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

    age_band = forms.ChoiceField(
        label=_("Your age"),
        choices=[("", _("Choose…")), *AgeBand.choices],
        error_messages={"required": _("Choose your age band.")},
        help_text=_(
            "Not your birthdate, only the band. Below the age of consent (14 in Korea, 16 in Japan) you "
            "can take part once a guardian consents."
        ),
    )
    guardian_email = forms.EmailField(
        label=_("Your guardian's email address"),
        required=False,
        help_text=_(
            "Only if you need a guardian's consent: we email them a link to read what we collect and "
            "to consent. You can read everything meanwhile."
        ),
    )

    consent_participation = ConsentFields.base_fields["consent_participation"]
    consent_cross_border = ConsentFields.base_fields["consent_cross_border"]
    consent_research = ConsentFields.base_fields["consent_research"]

    field_order = [
        "email",
        "display_name",
        "nationality",
        "preferred_language",
        "age_band",
        "guardian_email",
        "affiliation",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The consents come last, after the password allauth adds.
        for name in ("consent_participation", "consent_cross_border", "consent_research"):
            self.fields[name] = self.fields.pop(name)
        ConsentFields.link_notice(self)
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

    def clean(self):
        return participant_clean(self, super().clean())

    def signup(self, request, user) -> None:
        """allauth calls this once the user is saved: record the consents (accounts.consent) and,
        for a participant under the guardian-consent age, email the guardian (accounts.guardians)."""
        participant_signup(self, user)


def participant_clean(self: forms.Form, cleaned: dict) -> dict:
    """Shared by the email and the social sign-up: a guardian's email below the age of consent,
    and no affiliation kept for a minor."""
    probe = User(nationality=cleaned.get("nationality") or "", age_band=cleaned.get("age_band") or "")
    guardian_email = cleaned.get("guardian_email") or ""
    if probe.needs_guardian_consent:
        if not guardian_email and "guardian_email" not in self.errors:
            self.add_error(
                "guardian_email",
                _("At your age you need a guardian's consent: enter their email address."),
            )
        elif guardian_email and guardian_email.lower() == (cleaned.get("email") or "").lower():
            self.add_error("guardian_email", _("Enter your guardian's email address, not your own."))
    else:
        cleaned["guardian_email"] = ""
    if probe.is_minor:
        # Never kept for participants under 18, so it can never be shown.
        cleaned["affiliation"] = ""
    return cleaned


def participant_signup(self: forms.Form, user: User) -> None:
    consents_give(user=user, **ConsentFields.consent_answers(self))  # type: ignore[arg-type]
    if user.needs_guardian_consent:
        guardian_consent_request(user=user, guardian_email=self.cleaned_data["guardian_email"])


class SocialSignupForm(AllauthSocialSignupForm):
    """The first sign-in with Kakao, Naver, LINE or Google completes the same profile and consents as the
    email sign-up (the email comes from the provider, editable; no password)."""

    display_name = SignupForm.base_fields["display_name"]
    nationality = SignupForm.base_fields["nationality"]
    preferred_language = SignupForm.base_fields["preferred_language"]
    age_band = SignupForm.base_fields["age_band"]
    guardian_email = SignupForm.base_fields["guardian_email"]
    affiliation = SignupForm.base_fields["affiliation"]
    consent_participation = ConsentFields.base_fields["consent_participation"]
    consent_cross_border = ConsentFields.base_fields["consent_cross_border"]
    consent_research = ConsentFields.base_fields["consent_research"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("consent_participation", "consent_cross_border", "consent_research"):
            self.fields[name] = self.fields.pop(name)
        ConsentFields.link_notice(self)
        self.fields["preferred_language"].initial = _current_language()
        name = getattr(getattr(self, "sociallogin", None), "account", None)
        extra = name.extra_data if name is not None else {}
        nickname = (
            (extra.get("properties") or {}).get("nickname")
            or extra.get("nickname")
            or extra.get("name")
            or ""
        )
        self.fields["display_name"].initial = nickname[:60]

    def clean_display_name(self) -> str:
        return SignupForm.clean_display_name(self)

    def clean(self):
        return participant_clean(self, super().clean())

    def signup(self, request, user) -> None:
        participant_signup(self, user)


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
        widget=CountedTextarea(attrs={"rows": 2}),
    )


class JoinForm(forms.Form):
    invite_code = forms.CharField(label=_("Invite code"), max_length=40, required=False, strip=True)
