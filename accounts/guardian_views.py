"""What a guardian sees from the emailed link: who asks, what is collected and why, and the
choice (consent or refuse); once consented, the same link withdraws, or asks (after a
confirmation page) for the participant's account to be deleted."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from core.errors import DeliberationError, PermissionRefused

from .checks import notice_template
from .guardians import (
    account_erase_by_guardian,
    consent_from_token,
    guardian_can_erase,
    guardian_consent_decide,
    guardian_consent_withdraw,
)
from .models import GuardianConsent, GuardianConsentStatus


class GuardianDecisionForm(forms.Form):
    research = forms.BooleanField(
        label=_(
            "I also agree that their contributions, with their name and email address removed, may be "
            "used for research on the dialogue (optional)."
        ),
        required=False,
    )


class GuardianEraseForm(forms.Form):
    contributions = forms.ChoiceField(
        label=_("What happens to what they wrote"),
        choices=[
            (
                "keep",
                _(
                    'Keep their comments and amendments, without their name (shown as "Withdrawn participant")'
                ),
            ),
            ("delete", _("Delete the text of their comments and amendments")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens to what they wrote.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that their account and their data are erased and cannot be restored."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


def _context(consent: GuardianConsent, **extra) -> dict:
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = "en"
    return {
        "consent": consent,
        "participant": consent.user,
        "notice": notice_template(settings.PRIVACY_POLICY_VERSION, language),
        "organisers": settings.PRIVACY_ORGANISERS,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "version": settings.PRIVACY_POLICY_VERSION,
        "form": GuardianDecisionForm(),
        "can_erase": guardian_can_erase(consent),
        **extra,
    }


@never_cache
def consent_page(request, token: str):
    try:
        consent = consent_from_token(token, for_decision=False)
        if consent.status == GuardianConsentStatus.PENDING:
            consent_from_token(token, for_decision=True)  # a decision link expires
    except DeliberationError as exc:
        return render(request, "accounts/guardian/invalid.html", {"error": exc}, status=exc.status)
    if request.method == "POST":
        action = request.POST.get("decision", "")
        form = GuardianDecisionForm(request.POST)
        form.is_valid()
        try:
            if action in ("consent", "refuse"):
                guardian_consent_decide(
                    consent=consent,
                    grant=action == "consent",
                    research=form.cleaned_data.get("research", False),
                )
                if action == "consent":
                    messages.success(request, _("Thank you. Your consent has been recorded."))
                else:
                    messages.info(request, _("Your refusal has been recorded. They cannot take part."))
            elif action == "withdraw":
                guardian_consent_withdraw(consent=consent)
                messages.info(request, _("Your consent has been withdrawn. Their participation is paused."))
            else:
                raise DeliberationError("invalid", _("Choose to consent or to refuse."))
        except DeliberationError as exc:
            consent.refresh_from_db()
            return render(
                request, "accounts/guardian/consent.html", _context(consent, error=exc), status=exc.status
            )
        return redirect(request.path)
    return render(request, "accounts/guardian/consent.html", _context(consent))


def _page_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@never_cache
def erase_page(request, token: str):
    """The guardian who consented asks for the participant's account to be deleted: what it
    means, their choice for what the participant wrote, a box to tick; one submit erases."""
    try:
        consent = consent_from_token(token, for_decision=False)
        if not guardian_can_erase(consent):
            raise PermissionRefused(
                "guardian_erasure_not_allowed",
                _("Only the guardian who consented can ask from this link for the account to be deleted."),
            )
    except DeliberationError as exc:
        return render(request, "accounts/guardian/invalid.html", {"error": exc}, status=exc.status)
    form = GuardianEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_erase_by_guardian(
                consent=consent,
                keep_contributions=form.cleaned_data["contributions"] == "keep",
                language=_page_language(),
            )
        except DeliberationError as exc:
            return render(request, "accounts/guardian/invalid.html", {"error": exc}, status=exc.status)
        return redirect("guardian:erased")
    context = {"consent": consent, "participant": consent.user, "form": form}
    return render(request, "accounts/guardian/erase.html", context, status=400 if form.is_bound else 200)


def erased_page(request):
    return render(request, "accounts/guardian/erased.html")
