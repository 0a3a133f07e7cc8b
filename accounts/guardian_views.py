"""What a guardian sees from the emailed link: who asks, what is collected and why, and the
choice (consent or refuse); once consented, the same link withdraws."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from core.errors import DeliberationError

from .checks import notice_template
from .guardians import consent_from_token, guardian_consent_decide, guardian_consent_withdraw
from .models import GuardianConsent, GuardianConsentStatus


class GuardianDecisionForm(forms.Form):
    research = forms.BooleanField(
        label=_(
            "I also agree that their contributions, with their name and email address removed, may be "
            "used for research on the dialogue (optional)."
        ),
        required=False,
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
