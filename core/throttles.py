"""Per-participant limits on writes (comments, replies, amendments, votes, reactions, reports,
ratings).

The limits are ``settings.PARTICIPANT_THROTTLES`` (part of allauth's ``ACCOUNT_RATE_LIMITS``) and
are counted by allauth's rate limiter, per account, in the default cache: Redis in production, so
two app servers share one count instead of doubling it. A view calls ``check(request, action)``
just before the write; over the limit it raises ``Throttled``, a ``DeliberationError`` with status
429, which the view shows like any other refusal (the form with what was typed, the message in the
page) and whose ``headers`` carry ``Retry-After``.
"""

import logging
import math
import time

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as limiter
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .errors import DeliberationError

APP = "allauth.account"
logger = logging.getLogger(__name__)


class Throttled(DeliberationError):
    def __init__(self, *, retry_after: int):
        self.retry_after = retry_after
        super().__init__("throttled", _throttled_message(retry_after), status=429)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def _throttled_message(seconds: int) -> str:
    if seconds < 90:
        wait = ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    else:
        minutes = math.ceil(seconds / 60)
        wait = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return _("You have done this too often in a short time. Please try again in %(wait)s.") % {"wait": wait}


def check(request, action: str) -> None:
    """Count one ``action`` by the request's participant; raise ``Throttled`` when it is one too many.

    Anonymous requests are not counted here: the write they attempt refuses them anyway.

    allauth counts under a short cache lock and refuses when it cannot take the lock within a
    second. A lock can be left behind by an app server that died holding it (it expires after ten
    seconds), and a participant under the limit must not be told they wrote too often because of
    it: when the count itself shows no limit reached, the write goes through, uncounted.
    """
    user = request.user
    if not user.is_authenticated:
        return
    if ratelimit.consume(request, action=action, user=user):
        return
    waits = _waits(request, action)
    if not waits:
        logger.warning(
            "Throttle count for %s by user %s was locked; the write was let through", action, user.pk
        )
        return
    raise Throttled(retry_after=max(1, math.ceil(max(waits))))


def _waits(request, action: str) -> list[float]:
    """For each rate of ``action`` the participant has used up, the seconds until it frees a place
    (read without allauth's lock: a read needs none)."""
    now = time.time()
    waits = []
    for rate in limiter.get_rates(app=APP, action=action):
        key = limiter.get_cache_key(request, app=APP, action=action, rate=rate, user=request.user)
        # Newest first, as allauth keeps it; the hit that has to expire is the rate.amount-th newest.
        recent = [stamp for stamp in cache.get(key, []) if stamp > now - rate.duration]
        if len(recent) >= rate.amount:
            waits.append(recent[rate.amount - 1] + rate.duration - now)
    return waits
