"""DeepL, through its official client (``deepl`` on PyPI).

``server_url`` points the client at another server: tests run it against a local fake speaking
DeepL's wire format. The client's own retries are switched off (the task queue retries at its own
pace, and a worker must not sleep for minutes inside one task). The glossary is sent as a native
DeepL glossary per language pair, created once per version of the glossary file and found again by
its name.
"""

import deepl
from deepl import http_client
from django.core.cache import cache

from ..glossary import Glossary
from . import MachineError

# DeepL's codes: English as a target needs a variant.
SOURCE_CODES = {"ko": "KO", "ja": "JA", "en": "EN"}
TARGET_CODES = {"ko": "KO", "ja": "JA", "en": "EN-US"}
GLOSSARY_CACHE_SECONDS = 60 * 60 * 24 * 7
# Without Retry-After (the client does not pass it on) wait this long after a 429.
DEFAULT_RATE_DELAY = 60.0


def _error(exc: Exception) -> MachineError:
    status = getattr(exc, "http_status_code", None)
    if isinstance(exc, deepl.QuotaExceededException):
        return MachineError("quota", str(exc), status=status)
    if isinstance(exc, deepl.TooManyRequestsException):
        return MachineError("rate", str(exc), retry_after=DEFAULT_RATE_DELAY, status=status)
    if isinstance(exc, deepl.ConnectionException):
        kind = "timeout" if "timed out" in str(exc).lower() else "server"
        return MachineError(kind, str(exc), status=status)
    if isinstance(exc, deepl.AuthorizationException):
        return MachineError("refused", str(exc), status=status)
    if status is not None and status >= 500:
        return MachineError("server", str(exc), status=status)
    return MachineError("refused", str(exc), status=status)


class DeepLBackend:
    name = "deepl"

    def __init__(self, *, auth_key: str, server_url: str | None, timeout: float):
        # Module-wide settings of the official client, documented as the way to tune it.
        http_client.max_network_retries = 0
        http_client.min_connection_timeout = timeout
        self.client = deepl.Translator(auth_key, server_url=server_url, send_platform_info=False)

    def translate(self, texts: list[str], *, source: str, target: str, glossary: Glossary) -> list[str]:
        try:
            glossary_id = self._glossary_id(source, target, glossary)
            results = self.client.translate_text(
                texts,
                source_lang=SOURCE_CODES[source],
                target_lang=TARGET_CODES[target],
                glossary=glossary_id,
                preserve_formatting=True,
            )
        except deepl.DeepLException as exc:
            raise _error(exc) from exc
        # A list in, a list out (the client returns a single result only for a single string).
        results = results if isinstance(results, list) else [results]
        if len(results) != len(texts):
            raise MachineError("server", f"DeepL returned {len(results)} results for {len(texts)} texts")
        return [result.text for result in results]

    def _glossary_id(self, source: str, target: str, glossary: Glossary) -> str | None:
        entries = glossary.entries(source, target)
        if not entries:
            return None
        name = f"kjfd-{source}-{target}-{glossary.digest}"
        key = f"translations:deepl-glossary:{self.client.server_url}:{name}"
        glossary_id = cache.get(key)
        if glossary_id:
            return glossary_id
        found = next(
            (info for info in self.client.list_glossaries() if info.name == name and info.ready), None
        )
        if found is None:
            found = self.client.create_glossary(
                name, source_lang=SOURCE_CODES[source], target_lang=SOURCE_CODES[target], entries=entries
            )
        cache.set(key, found.glossary_id, GLOSSARY_CACHE_SECONDS)
        return found.glossary_id
