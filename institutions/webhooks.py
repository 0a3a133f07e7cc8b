"""Webhooks: POSTs to institutions' endpoints when a proposal's stage changes, signed per the
Standard Webhooks specification (https://www.standardwebhooks.com/), so that partners verify them
with any Standard Webhooks library. The public documentation is ``templates/api/webhooks.html``
(served at ``/api/v1/docs/webhooks/``).

Flow (an outbox):
1. ``write_stage_changed`` (called through ``progress.signals.stage_changed`` when a stage moves,
   inside that transaction) writes one ``WebhookDelivery`` row per active endpoint of an active
   institution, due now, in the same transaction: if it rolls back there is nothing to send; once
   it commits nothing can be lost. After the commit ``institutions.signals`` queues the task
   ``institutions.tasks.deliver_webhooks`` for those rows. ``write_ping`` does the same for one
   endpoint (the ``ping`` event a partner asks for to test their receiver).
2. The worker (``manage.py db_worker``) runs that task, which sends them. A delivery succeeds on
   any 2xx answer; otherwise it is tried again after 1 min, 5 min, 30 min, 2 h and 12 h (the task
   queues itself for that time), then given up (visible in the admin, where it can be retried).
3. ``manage.py deliver_webhooks`` (cron every few minutes, or ``--loop 60``) is the sweeper: it
   sends whatever is due that no queued task took care of (e.g. the worker was down).

Each attempt carries ``webhook-id`` (the event's id, the same on every retry: receivers use it to
ignore duplicates), ``webhook-timestamp`` (seconds since the epoch, of this attempt) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body`` under each active
secret of the endpoint (two while a rotated-out secret is still honoured), space-separated. The
timestamp is signed, so a receiver refusing timestamps older than ``TOLERANCE`` cannot be replayed.
"""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from core.languages import per_language
from proposals.models import Proposal, Stage

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

STAGE_CHANGED = "proposal.stage_changed"
# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery is given up.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is not picked up by another worker for this long.
LEASE = dt.timedelta(minutes=5)
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# Not part of the signature scheme: lets a receiver route before parsing the body.
EVENT_HEADER = "X-Dialogue-Event"
MAX_ERROR_LENGTH = 2000
# How far from the receiver's clock a timestamp may be (the Standard Webhooks libraries' default).
TOLERANCE = dt.timedelta(minutes=5)
PING = "ping"
# Every event, as documented in templates/api/webhooks.html.
EVENTS = (STAGE_CHANGED, PING)


EVENT_DESCRIPTIONS = {
    STAGE_CHANGED: (
        "A proposal's stage moved in a jurisdiction (KR, JP or BILATERAL) because a milestone was published, "
        "changed or withdrawn: one event per move, one delivery per endpoint. When the move also moved "
        "the proposal's overall stage, overall holds that move's from_stage and to_stage (in the same "
        "event); otherwise overall is null. Only when the overall stage moved without any jurisdiction "
        "moving (a milestone's date was corrected) is jurisdiction null, with from_stage and to_stage "
        "those of the overall stage. to_stage null: the jurisdiction has no published milestone any "
        "more. Stages: " + ", ".join(Stage.values) + "."
    ),
    PING: (
        "Sent when you (POST /api/v1/webhooks/{id}/ping/) or a partner manager ask for a test of your "
        "endpoint. Answer 2xx; nothing else to do."
    ),
}


def example_body(event: str) -> dict:
    """A body of ``event`` as receivers get it (for the documentation; the tests check it is the
    shape ``body_for`` sends)."""
    now = "2026-05-04T09:30:00+00:00"
    data: dict
    if event == PING:
        data = {"endpoint": 12, "url": "https://partner.example/hooks/dialogue"}
    else:
        data = {
            "proposal": {
                "slug": "joint-semiconductor-design",
                "title": {
                    "en": "Joint semiconductor design",
                    "ko": "반도체 공동 설계",
                    "ja": "半導体の共同設計",
                },
                "url": settings.SITE_URL
                + reverse("api:proposal-detail", kwargs={"slug": "joint-semiconductor-design"}),
            },
            "jurisdiction": "KR",
            "from_stage": "submitted",
            "to_stage": "under_review",
            "overall": {"from_stage": "submitted", "to_stage": "under_review"},
            "occurred_at": now,
        }
    return {
        "id": "5f0c2a8e-3b1d-4c61-9a77-0d2f1e6b9c40",
        "event": event,
        "type": event,
        "created_at": now,
        "timestamp": now,
        "data": data,
        "delivery": 314,
        "attempt": 1,
    }


def sign(body: bytes, *, msg_id: str, timestamp: int, secrets: list[str]) -> str:
    """The ``webhook-signature`` header: ``v1,<signature>`` under each secret, space-separated."""
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    text = body.decode("utf-8")
    return " ".join(Webhook(secret).sign(msg_id, moment, text) for secret in secrets)


def verify(body: bytes, headers: dict[str, str], secret: str) -> dict:
    """What a receiver does (and the tests): the parsed body if the headers sign it under
    ``secret`` within ``TOLERANCE``; ``WebhookVerificationError`` otherwise."""
    return Webhook(secret).verify(body, headers)


# --- The outbox ------------------------------------------------------------------------------------


def write_stage_changed(
    *,
    proposal,
    jurisdiction: str | None,
    from_stage: str | None,
    to_stage: str | None,
    overall: tuple[str | None, str | None] | None = None,
) -> list[WebhookDelivery]:
    """Write one ``proposal.stage_changed`` delivery for every active endpoint, in the caller's
    transaction (nothing is sent here). ``overall`` is the (from, to) of the proposal's overall
    stage when this move also moved it: it goes in the same event, not a second one.
    ``jurisdiction`` None: only the overall stage moved; ``to_stage`` None means the jurisdiction
    has no published milestone any more."""
    if jurisdiction is None and overall is None:
        overall = (from_stage, to_stage)
    data = {
        "jurisdiction": jurisdiction,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "overall": None if overall is None else {"from_stage": overall[0], "to_stage": overall[1]},
        "occurred_at": timezone.now().isoformat(),
    }
    return create_deliveries(event=STAGE_CHANGED, data=data, proposal_id=proposal.pk, slug=proposal.slug)


def write_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``ping`` for one endpoint (its institution testing the receiver), due now."""
    now = timezone.now()
    payload = {
        "id": str(uuid.uuid4()),
        "event": PING,
        "created_at": now.isoformat(),
        "data": {"endpoint": endpoint.pk, "url": endpoint.url},
    }
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event=PING, payload=payload, created_at=now, next_attempt_at=now
    )


def create_deliveries(*, event: str, data: dict, proposal_id: int, slug: str) -> list[WebhookDelivery]:
    """One delivery per active endpoint of an active institution, due now (two or three queries)."""
    endpoints = list(WebhookEndpoint.objects.filter(active=True, institution__active=True).order_by("pk"))
    if not endpoints:
        return []
    proposal = Proposal.objects.select_related("current_version").filter(pk=proposal_id).first()
    titles = per_language(proposal.current_version if proposal is not None else None, "title")
    now = timezone.now()
    payload = {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": now.isoformat(),
        "data": {
            "proposal": {
                "slug": slug,
                "title": titles,
                "url": settings.SITE_URL + reverse("api:proposal-detail", kwargs={"slug": slug}),
            },
            **data,
        },
    }
    return WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint, event=event, payload=payload, created_at=now, next_attempt_at=now
            )
            for endpoint in endpoints
        ]
    )


# --- Delivering ------------------------------------------------------------------------------------


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    # (delivery id, when it is due again) for each failed attempt that will be retried.
    retries: list[tuple[int, dt.datetime]] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed + self.given_up


def deliver_due(
    *, now: dt.datetime | None = None, limit: int = 100, ids: Iterable[int] | None = None
) -> DeliveryRun:
    """Send every delivery that is due (at most ``limit``; only those in ``ids`` when given),
    oldest first. Safe to run in several processes at once: each delivery is claimed with a
    conditional update before it is sent."""
    now = now or timezone.now()
    run = DeliveryRun()
    due_rows = WebhookDelivery.objects.filter(
        delivered_at__isnull=True,
        next_attempt_at__lte=now,
        endpoint__active=True,
        endpoint__institution__active=True,
    )
    if ids is not None:
        due_rows = due_rows.filter(pk__in=list(ids))
    due = list(due_rows.select_related("endpoint").order_by("next_attempt_at", "pk")[:limit])
    for delivery in due:
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, delivered_at__isnull=True, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            continue
        outcome = attempt(delivery, now=now)
        if outcome == "delivered":
            run.delivered += 1
        elif outcome == "given_up":
            run.given_up += 1
        else:
            run.failed += 1
            if delivery.next_attempt_at is not None:
                run.retries.append((delivery.pk, delivery.next_attempt_at))
    return run


def retry_now(deliveries) -> int:
    """Make undelivered ``deliveries`` due again now (the admin's "retry" action), with a fresh
    series of attempts for those given up."""
    now = timezone.now()
    count = 0
    for delivery in deliveries:
        if delivery.delivered_at is not None:
            continue
        if delivery.next_attempt_at is None:
            delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        count += 1
    return count


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: following it would turn the POST into a GET elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


def body_for(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the event as written (``id``, ``event``, ``created_at``, ``data``) with the
    Standard Webhooks envelope fields ``type`` and ``timestamp`` (when the event happened), and
    this delivery's number and attempt."""
    envelope = {
        **delivery.payload,
        "type": delivery.payload["event"],
        "timestamp": delivery.payload["created_at"],
        "delivery": delivery.pk,
        "attempt": delivery.attempts + 1,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def attempt(delivery: WebhookDelivery, *, now: dt.datetime | None = None) -> str:
    """POST ``delivery`` once and record the outcome: ``delivered``, ``failed`` (tried again
    later) or ``given_up``."""
    now = now or timezone.now()
    endpoint = delivery.endpoint
    timestamp = int(now.timestamp())
    body = body_for(delivery)
    msg_id = delivery.payload["id"]
    request = urllib.request.Request(  # noqa: S310 - the scheme is limited to http(s) by URLField
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "KJ-Dialogue-Webhooks/1",
            ID_HEADER: msg_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(
                body, msg_id=msg_id, timestamp=timestamp, secrets=endpoint.signing_secrets(now)
            ),
            EVENT_HEADER: delivery.event,
        },
    )
    status, error = None, ""
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        error = f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = status
    delivery.last_error = error[:MAX_ERROR_LENGTH]
    if status is not None and 200 <= status < 300:
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        outcome = "delivered"
    elif delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        outcome = "failed"
    else:
        delivery.next_attempt_at = None
        outcome = "given_up"
        logger.warning("webhook delivery %s to %s given up: %s", delivery.pk, endpoint.url, error)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return outcome
