"""Machine translation behind one small interface: ``translate(texts, source, target)``.

The backend comes from ``settings.TRANSLATION_BACKEND`` (environment ``TRANSLATION_BACKEND``):

- ``none`` (the default): no machine translation; authors' and participants' translations still work;
- ``deepl``: DeepL through its official client (``DEEPL_AUTH_KEY``, optional ``DEEPL_SERVER_URL``);
- ``papago``: NAVER Cloud's Papago text translation, a small client of ours (``PAPAGO_CLIENT_ID``,
  ``PAPAGO_CLIENT_SECRET``, optional ``PAPAGO_URL``).

A backend either returns one translation per text or raises ``MachineError`` saying what kind of
failure it was and when it is worth trying again; it never retries by itself (the task queue does,
at its own pace) and never sees hidden text (the services check before calling).
"""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..glossary import Glossary
from ..glossary import load as load_glossary

BACKENDS = ("none", "deepl", "papago")


class MachineError(Exception):
    """A provider failed. ``kind`` is one of:

    - ``rate``: too many requests (429); ``retry_after`` seconds when the provider said;
    - ``quota``: the provider's quota for the billing period is used up;
    - ``server``: the provider failed (5xx) or the connection did;
    - ``timeout``: no answer in ``TRANSLATION_TIMEOUT_SECONDS``;
    - ``refused``: the request itself was refused (credentials, language, size): retrying soon
      will not help.
    """

    KINDS = ("rate", "quota", "server", "timeout", "refused")

    def __init__(
        self, kind: str, message: str, *, retry_after: float | None = None, status: int | None = None
    ):
        if kind not in self.KINDS:
            raise ValueError(kind)
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.status = status

    def __str__(self) -> str:
        return f"{self.kind}: {self.args[0]}"


class Backend(Protocol):
    name: str

    def translate(self, texts: list[str], *, source: str, target: str, glossary: Glossary) -> list[str]: ...


@dataclass(frozen=True)
class Settings:
    """What the backends read from settings, frozen so that a change (in tests) makes a new one."""

    backend: str
    timeout: float
    deepl_auth_key: str
    deepl_server_url: str
    papago_client_id: str
    papago_client_secret: str
    papago_url: str
    papago_glossary_key: str

    @classmethod
    def current(cls) -> "Settings":
        return cls(
            backend=settings.TRANSLATION_BACKEND,
            timeout=float(settings.TRANSLATION_TIMEOUT_SECONDS),
            deepl_auth_key=settings.DEEPL_AUTH_KEY,
            deepl_server_url=settings.DEEPL_SERVER_URL,
            papago_client_id=settings.PAPAGO_CLIENT_ID,
            papago_client_secret=settings.PAPAGO_CLIENT_SECRET,
            papago_url=settings.PAPAGO_URL,
            papago_glossary_key=settings.PAPAGO_GLOSSARY_KEY,
        )


@cache
def _backend_for(config: Settings) -> Backend | None:
    if config.backend == "none":
        return None
    if config.backend == "deepl":
        from .deepl_backend import DeepLBackend

        if not config.deepl_auth_key:
            raise ImproperlyConfigured("TRANSLATION_BACKEND=deepl needs DEEPL_AUTH_KEY.")
        return DeepLBackend(
            auth_key=config.deepl_auth_key, server_url=config.deepl_server_url or None, timeout=config.timeout
        )
    if config.backend == "papago":
        from .papago import PapagoBackend

        if not (config.papago_client_id and config.papago_client_secret):
            raise ImproperlyConfigured(
                "TRANSLATION_BACKEND=papago needs PAPAGO_CLIENT_ID and PAPAGO_CLIENT_SECRET."
            )
        return PapagoBackend(
            client_id=config.papago_client_id,
            client_secret=config.papago_client_secret,
            url=config.papago_url,
            glossary_key=config.papago_glossary_key,
            timeout=config.timeout,
        )
    raise ImproperlyConfigured(
        f"TRANSLATION_BACKEND must be one of {', '.join(BACKENDS)}, not {config.backend!r}."
    )


def backend() -> Backend | None:
    """The configured backend, or None for ``none``."""
    return _backend_for(Settings.current())


def provider_name() -> str:
    """The configured provider's name, ``""`` for none (no query, no client made)."""
    name = settings.TRANSLATION_BACKEND
    return "" if name == "none" else name


def translate(texts: list[str], source: str, target: str) -> list[str]:
    """``texts`` (in language ``source``) in language ``target``, one result per text, through the
    configured backend with the glossary. Raises ``MachineError``; ``LookupError`` when machine
    translation is off (``none``)."""
    chosen = backend()
    if chosen is None:
        raise LookupError("machine translation is off (TRANSLATION_BACKEND=none)")
    if not texts:
        return []
    return chosen.translate(list(texts), source=source, target=target, glossary=load_glossary())
