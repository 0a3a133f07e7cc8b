"""The scheme and host absolute links start with.

Inside a request it is the request's own (``http://127.0.0.1:8611`` when the site is served
there), so a link in an email sent because of that request leads back to the site the participant
was using; outside one (the digest command, the worker with nothing to go on) it is
``settings.SITE_URL``. ``deliberation.middleware.SiteURLMiddleware`` binds the request.

Work queued during a request runs later in the worker, where there is no request: capture
``site_url()`` when queueing and hand it to the task as an argument.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost

_request_base: ContextVar[str | None] = ContextVar("request_base_url", default=None)


def request_base_url(request) -> str | None:
    """``scheme://host[:port]`` of ``request`` (its host checked against ALLOWED_HOSTS), or None."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return None


@contextmanager
def bound_to(request):
    """Within the block, ``site_url()`` answers with ``request``'s scheme and host."""
    token = _request_base.set(request_base_url(request))
    try:
        yield
    finally:
        _request_base.reset(token)


def in_request() -> str | None:
    """The current request's base URL, or None outside a request."""
    return _request_base.get()


def site_url() -> str:
    """The current request's base URL, else ``settings.SITE_URL`` (never a trailing slash)."""
    return (_request_base.get() or settings.SITE_URL).rstrip("/")
