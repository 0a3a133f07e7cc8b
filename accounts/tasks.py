"""Accounts' work for the task queue (core.tasks): the guardian's email."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from .adapter import language_for
from .guardians import token_for
from .models import GuardianConsent, GuardianConsentStatus


@task()
def send_guardian_request(consent_id: int, base_url: str) -> bool:
    """Email the guardian the link to consent, in the participant's language. Nothing is sent
    for a request answered or replaced meanwhile."""
    consent = GuardianConsent.objects.select_related("user").filter(pk=consent_id).first()
    if consent is None or consent.status != GuardianConsentStatus.PENDING:
        return False
    language = language_for(consent.user) or "en"
    with translation.override(language):
        link = base_url.rstrip("/") + reverse("guardian:consent", kwargs={"token": token_for(consent)})
        context = {"participant": consent.user, "link": link}
        subject = render_to_string("accounts/email/guardian_request_subject.txt", context).strip()
        body = render_to_string("accounts/email/guardian_request_body.txt", context)
        site = gettext("Korea–Japan Future Dialogue")
    EmailMessage(f"[{site}] {subject}", body.strip() + "\n", to=[consent.guardian_email]).send()
    return True
