"""Writes by partner institutions: progress reports that become pending milestones.

A moderator then publishes or declines the milestone in the admin (``progress.admin``); the
institution sees the outcome as its report's status.
"""

import datetime as dt
import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core import once, pagestamp
from core.errors import DeliberationError, PermissionRefused
from core.languages import LANGUAGE_CODES
from core.tasks import enqueue_on_commit
from progress.models import Milestone, MilestoneStatus
from progress.services import clean_milestone, milestone_problems
from proposals.models import Proposal

from . import tasks, webhooks
from .models import (
    Country,
    Institution,
    InstitutionAPIKey,
    ProgressReport,
    Scope,
    WebhookEndpoint,
    new_webhook_secret,
)

# The language an institution's name is shown in on a milestone, by the institution's country.
COUNTRY_LANGUAGE = {Country.KOREA: "ko", Country.JAPAN: "ja"}
EARLIEST_DATE = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class ReportText:
    title: str
    description: str = ""


def ensure_scope(api_key: InstitutionAPIKey, scope: str) -> None:
    if not (api_key.institution.active and api_key.has_scope(scope)):
        raise PermissionRefused("scope_required", _("This API key may not do this."))


def report_submit(
    *,
    api_key: InstitutionAPIKey,
    proposal: Proposal,
    stage: str,
    jurisdiction: str,
    date: dt.date,
    texts: dict[str, ReportText],
    language: str = "",
    evidence_url: str = "",
    client_token: uuid.UUID | None = None,
) -> tuple[ProgressReport, bool]:
    """Record the institution's report as a pending milestone and return ``(report, created)``.

    ``texts`` holds the title and description per language: either one language (named by
    ``language``), whose text then fills every language column until a moderator translates it,
    or all three. The same ``client_token`` again returns the first report (``created`` False).
    Records ``progress_report.submitted``. Raises PermissionRefused without the ``report`` scope,
    DeliberationError for invalid input.
    """
    with transaction.atomic():
        ensure_scope(api_key, Scope.REPORT)
        institution = api_key.institution

        def earlier() -> ProgressReport | None:
            return _existing(institution.pk, client_token) if client_token is not None else None

        existing = once.find(client_token, earlier)
        if existing is not None:
            return existing, False
        if proposal.current_version_id is None:
            raise DeliberationError("unknown_proposal", _("No such proposal."), field="proposal", status=404)
        texts = _complete_texts(texts, language)
        today = timezone.localdate()
        if date < EARLIEST_DATE or date > today + dt.timedelta(days=1):
            raise DeliberationError(
                "date_out_of_range", _("Report something that has already happened."), field="date"
            )
        milestone = Milestone(
            proposal=proposal,
            date=date,
            stage=stage,
            jurisdiction=jurisdiction,
            institution=_institution_name(institution),
            evidence_url=evidence_url or "",
            status=MilestoneStatus.PENDING,
        )
        for code, text in texts.items():
            setattr(milestone, f"title_{code}", text.title)
            setattr(milestone, f"description_{code}", text.description)
        clean_milestone(milestone)
        problems = milestone_problems(milestone)
        if problems:
            raise problems[0]

        def save() -> ProgressReport:
            milestone.save()
            return ProgressReport.objects.create(
                institution=institution,
                milestone=milestone,
                api_key=api_key,
                language=language,
                client_token=client_token,
            )

        report, created = once.save_once(save, client_token=client_token, lookup=earlier)
        if not created:
            # The same token arrived twice at once: the other request won.
            return report, False
        pagestamp.touch(proposal.pk)
        record(
            action="progress_report.submitted",
            target=milestone,
            institution_id=institution.pk,
            api_key=api_key.prefix,
            proposal=proposal.slug,
            stage=stage,
            jurisdiction=jurisdiction,
        )
        report.milestone = milestone
        report.institution = institution
        return report, True


def _existing(institution_id: int, client_token: uuid.UUID) -> ProgressReport | None:
    return (
        ProgressReport.objects.select_related("milestone__proposal", "institution")
        .filter(institution_id=institution_id, client_token=client_token)
        .first()
    )


def _complete_texts(texts: dict[str, ReportText], language: str) -> dict[str, ReportText]:
    """Every language's text: the three given, or the one given copied into all three."""
    texts = {code: text for code, text in texts.items() if code in LANGUAGE_CODES}
    if language:
        if language not in LANGUAGE_CODES or set(texts) != {language}:
            raise DeliberationError(
                "language_mismatch", _("Give the text in the language you name."), field="language"
            )
        return dict.fromkeys(LANGUAGE_CODES, texts[language])
    if set(texts) != set(LANGUAGE_CODES):
        raise DeliberationError(
            "text_required",
            _("Give the title in one language (with its language code) or in English, Korean and Japanese."),
            field="translations",
        )
    return texts


def _institution_name(institution) -> str:
    code = COUNTRY_LANGUAGE.get(institution.country, "en")
    return getattr(institution, f"name_{code}", "") or institution.name_en or institution.name


# --- Webhook endpoints ------------------------------------------------------------------------------

# After a rotation the old secret still signs deliveries for this long, so that a receiver can
# switch to the new one without refusing anything in between.
ROTATION_OVERLAP = dt.timedelta(hours=24)


# An institution registering its own endpoints (the API's ``webhooks`` scope) may have this many.
MAX_ENDPOINTS_PER_INSTITUTION = 10
# Host names that only ever mean a machine on our side of the network.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def _key_ref(api_key: InstitutionAPIKey | None) -> dict:
    return {"api_key": api_key.prefix} if api_key is not None else {}


def check_webhook_url(url: str) -> None:
    """An endpoint an institution registers itself must be public HTTPS: we POST to it from our
    servers, so an address on our own network (localhost, a private or link-local IP) would let a
    key holder reach machines they cannot see. Raises DeliberationError ``url_not_allowed``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    refused = parts.scheme != "https" or not host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES)
    if not refused:
        try:
            refused = not ipaddress.ip_address(host).is_global
        except ValueError:
            refused = "." not in host  # a bare name resolves inside our network, if at all
    if refused:
        raise DeliberationError(
            "url_not_allowed",
            _("Use a public https:// address (not localhost or a private network address)."),
            field="url",
        )


def webhook_endpoint_create(*, api_key: InstitutionAPIKey, url: str, active: bool = True) -> WebhookEndpoint:
    """Register an endpoint for the key's institution, with a new signing secret (the caller shows
    it once). Records ``webhook.created``. Raises PermissionRefused without the ``webhooks`` scope,
    DeliberationError for a URL that is not allowed or past ``MAX_ENDPOINTS_PER_INSTITUTION``."""
    with transaction.atomic():
        ensure_scope(api_key, Scope.WEBHOOKS)
        institution = Institution.objects.select_for_update().get(pk=api_key.institution_id)
        check_webhook_url(url)
        if WebhookEndpoint.objects.filter(institution=institution).count() >= MAX_ENDPOINTS_PER_INSTITUTION:
            raise DeliberationError(
                "too_many_endpoints",
                _("Your institution already has %(limit)d webhook endpoints: delete one first.")
                % {"limit": MAX_ENDPOINTS_PER_INSTITUTION},
            )
        endpoint = WebhookEndpoint.objects.create(institution=institution, url=url, active=active)
        record(
            action="webhook.created",
            target=institution,
            endpoint=endpoint.pk,
            url=url,
            active=active,
            **_key_ref(api_key),
        )
        return endpoint


def webhook_endpoint_update(
    *,
    api_key: InstitutionAPIKey,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change the URL and/or switch an endpoint of the key's institution on or off. Records
    ``webhook.changed`` with what changed (nothing changed: no row)."""
    with transaction.atomic():
        _ensure_own(api_key, endpoint)
        changed: dict[str, Any] = {}
        if url is not None and url != endpoint.url:
            check_webhook_url(url)
            changed["url"] = endpoint.url = url
        if active is not None and active != endpoint.active:
            changed["active"] = endpoint.active = active
        if changed:
            endpoint.save(update_fields=list(changed))
            record(
                action="webhook.changed",
                target=endpoint.institution,
                endpoint=endpoint.pk,
                **changed,
                **_key_ref(api_key),
            )
        return endpoint


def webhook_endpoint_delete(*, api_key: InstitutionAPIKey, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint of the key's institution, with its deliveries (nothing more is sent to
    it). Records ``webhook.deleted``."""
    with transaction.atomic():
        _ensure_own(api_key, endpoint)
        record(
            action="webhook.deleted",
            target=endpoint.institution,
            endpoint=endpoint.pk,
            url=endpoint.url,
            **_key_ref(api_key),
        )
        endpoint.delete()


def _ensure_own(api_key: InstitutionAPIKey | None, endpoint: WebhookEndpoint) -> None:
    if api_key is None:
        return
    ensure_scope(api_key, Scope.WEBHOOKS)
    if endpoint.institution_id != api_key.institution_id:
        raise DeliberationError("not_found", _("Not found."), status=404)


def webhook_secret_rotate(
    *,
    endpoint,
    actor=None,
    api_key: InstitutionAPIKey | None = None,
    overlap: dt.timedelta = ROTATION_OVERLAP,
) -> str:
    """Give ``endpoint`` a new signing secret and keep signing with the old one too for
    ``overlap``; returns the new secret. By a partner manager (``actor``) or the institution's own
    key (``api_key``, with the ``webhooks`` scope). Records ``webhook.secret_rotated``."""
    with transaction.atomic():
        _ensure_own(api_key, endpoint)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + overlap
        endpoint.secret = new_webhook_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        record(
            action="webhook.secret_rotated",
            actor=actor,
            target=endpoint.institution,
            endpoint=endpoint.pk,
            overlap_hours=overlap.total_seconds() / 3600,
            **_key_ref(api_key),
        )
        return endpoint.secret


def webhook_ping(*, endpoint, actor=None, api_key: InstitutionAPIKey | None = None):
    """Send ``endpoint`` a ``ping`` event (through the outbox and the task queue, like any event).
    By a partner manager (``actor``) or the institution's own key (``api_key``)."""
    with transaction.atomic():
        _ensure_own(api_key, endpoint)
        if not endpoint.active:
            raise DeliberationError(
                "endpoint_inactive",
                _("This endpoint is switched off: nothing is sent to it. Switch it on first."),
            )
        delivery = webhooks.write_ping(endpoint=endpoint)
        record(
            action="webhook.pinged",
            actor=actor,
            target=endpoint.institution,
            endpoint=endpoint.pk,
            **_key_ref(api_key),
        )
        enqueue_on_commit(tasks.deliver_webhooks, [delivery.pk])
        return delivery
