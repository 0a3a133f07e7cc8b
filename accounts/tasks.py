"""Accounts' work for the task queue (core.tasks): the guardian's email."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from .adapter import language_for
from .datarights import collect
from .guardians import token_for
from .models import DataExport, GuardianConsent, GuardianConsentStatus, User


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


@task()
def prepare_data_export(export_id: int, base_url: str) -> bool:
    """Gather the participant's data (accounts.datarights.collect) and email them the link, in
    their language. The link works until the export expires, and only for them, logged in."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.ready_at is not None:
        return False
    export.payload = collect(export.user)
    export.ready_at = timezone.now()
    export.save(update_fields=["payload", "ready_at"])
    language = language_for(export.user) or "en"
    with translation.override(language):
        link = base_url.rstrip("/") + reverse("accounts:data_download", kwargs={"token": export.token})
        context = {"user": export.user, "link": link, "expires_at": export.expires_at}
        subject = render_to_string("accounts/email/data_export_subject.txt", context).strip()
        body = render_to_string("accounts/email/data_export_body.txt", context)
        site = gettext("Korea–Japan Future Dialogue")
    EmailMessage(f"[{site}] {subject}", body.strip() + "\n", to=[export.user.email]).send()
    return True


@task()
def send_retention_notice(user_id: int, erase_on: str) -> bool:
    """Tell a minor (and the guardian who consented by email) when their account will be deleted
    after the programme, in the participant's language (accounts.retention)."""
    import datetime as dt

    from .retention import guardian_email_of

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    recipients = [user.email, *filter(None, [guardian_email_of(user)])]
    language = language_for(user) or "en"
    with translation.override(language):
        link = settings.SITE_URL + reverse("accounts:data")
        context = {"user": user, "erase_on": dt.date.fromisoformat(erase_on), "link": link}
        subject = render_to_string("accounts/email/retention_notice_subject.txt", context).strip()
        body = render_to_string("accounts/email/retention_notice_body.txt", context)
        site = gettext("Korea–Japan Future Dialogue")
    for address in recipients:
        EmailMessage(f"[{site}] {subject}", body.strip() + "\n", to=[address]).send()
    return True
