"""Webhooks: signed POSTs to institutions' endpoints when a proposal's stage changes.

Flow (an outbox):
1. ``write_stage_changed`` (called through ``progress.signals.stage_changed`` when a stage moves,
   inside that transaction) writes one ``WebhookDelivery`` row per active endpoint of an active
   institution, due now, in the same transaction: if it rolls back there is nothing to send; once
   it commits nothing can be lost. After the commit ``institutions.signals`` queues the task
   ``institutions.tasks.deliver_webhooks`` for those rows.
2. The worker (``manage.py db_worker``) runs that task, which sends them. A delivery succeeds on
   any 2xx answer; otherwise it is tried again after 1 min, 5 min, 30 min, 2 h and 12 h (the task
   queues itself for that time), then given up (visible in the admin, where it can be retried).
3. ``manage.py deliver_webhooks`` (cron every few minutes, or ``--loop 60``) is the sweeper: it
   sends whatever is due that no queued task took care of (e.g. the worker was down).

Each body is JSON and carries its own ``timestamp``; ``X-Dialogue-Signature: sha256=<hex>`` is
HMAC-SHA256 of the exact body bytes under the endpoint's secret, and ``X-Dialogue-Timestamp``
repeats the timestamp so receivers can refuse stale replays before parsing.
"""

import datetime as dt
import hashlib
import hmac
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

from core.languages import per_language
from proposals.models import Proposal

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
SIGNATURE_HEADER = "X-Dialogue-Signature"
TIMESTAMP_HEADER = "X-Dialogue-Timestamp"
EVENT_HEADER = "X-Dialogue-Event"
DELIVERY_HEADER = "X-Dialogue-Delivery"
MAX_ERROR_LENGTH = 2000


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256 digest."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, secret: str, header: str) -> bool:
    """For receivers (and tests): whether ``header`` is the signature of ``body``."""
    return hmac.compare_digest(sign(body, secret), header or "")


# --- The outbox ------------------------------------------------------------------------------------


def write_stage_changed(
    *, proposal, jurisdiction: str | None, from_stage: str | None, to_stage: str | None
) -> list[WebhookDelivery]:
    """Write a ``proposal.stage_changed`` delivery for every active endpoint, in the caller's
    transaction (nothing is sent here). ``jurisdiction`` None is the
    proposal's overall stage; ``to_stage`` None means the jurisdiction has no published milestone
    any more."""
    data = {
        "jurisdiction": jurisdiction,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "occurred_at": timezone.now().isoformat(),
    }
    return create_deliveries(event=STAGE_CHANGED, data=data, proposal_id=proposal.pk, slug=proposal.slug)


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


def body_for(delivery: WebhookDelivery, *, timestamp: int) -> bytes:
    envelope = {
        **delivery.payload,
        "delivery": delivery.pk,
        "attempt": delivery.attempts + 1,
        "timestamp": timestamp,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def attempt(delivery: WebhookDelivery, *, now: dt.datetime | None = None) -> str:
    """POST ``delivery`` once and record the outcome: ``delivered``, ``failed`` (tried again
    later) or ``given_up``."""
    now = now or timezone.now()
    endpoint = delivery.endpoint
    timestamp = int(now.timestamp())
    body = body_for(delivery, timestamp=timestamp)
    request = urllib.request.Request(  # noqa: S310 - the scheme is limited to http(s) by URLField
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "KJ-Dialogue-Webhooks/1",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.pk),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(body, endpoint.secret),
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
