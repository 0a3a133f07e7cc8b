"""Papago text translation (NAVER Cloud Platform), a small client of our own.

``POST {PAPAGO_URL}`` (default ``https://papago.apigw.ntruss.com/nmt/v1/translation``) with the
headers ``X-NCP-APIGW-API-KEY-ID`` / ``X-NCP-APIGW-API-KEY`` and a JSON body ``{"source", "target",
"text"}`` (plus ``glossaryKey`` when one is configured); the answer is
``{"message": {"result": {"translatedText": ...}}}``. Errors come as ``{"error": {"errorCode",
"message"}}`` with the gateway's status: 429 with code 400 is the quota, 410/420 the rate limit.

One text per request, at most 5,000 characters: longer texts are sent in pieces cut at line ends
(or sentence ends) and put back together.
"""

import re

import requests
from django.utils import timezone
from django.utils.http import parse_http_date_safe

from ..glossary import Glossary
from . import MachineError

MAX_CHARACTERS = 5000
QUOTA_CODES = {"400"}
SENTENCE_END = re.compile(r"(?<=[。．.!?！？])")


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = parse_http_date_safe(value)
    if when is None:
        return None
    return max(when - timezone.now().timestamp(), 0.0)


def pieces(text: str, limit: int = MAX_CHARACTERS) -> list[tuple[str, str]]:
    """``text`` cut into ``(piece, separator)`` pairs of at most ``limit`` characters each, so that
    ``"".join(piece + separator ...)`` gives the text back."""
    if len(text) <= limit:
        return [(text, "")]
    out: list[tuple[str, str]] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append((current, "\n"))
            current = ""
        while len(line) > limit:
            cut = _cut(line, limit)
            out.append((line[:cut], ""))
            line = line[cut:]
        current = line
    out.append((current, ""))
    return out


def _cut(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit``: the last sentence end before it, else at it."""
    ends = [match.start() for match in SENTENCE_END.finditer(line, 0, limit) if 0 < match.start() <= limit]
    return ends[-1] if ends else limit


class PapagoBackend:
    name = "papago"

    def __init__(self, *, client_id: str, client_secret: str, url: str, glossary_key: str, timeout: float):
        self.url = url
        self.glossary_key = glossary_key
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(
            {"X-NCP-APIGW-API-KEY-ID": client_id, "X-NCP-APIGW-API-KEY": client_secret}
        )

    def translate(self, texts: list[str], *, source: str, target: str, glossary: Glossary) -> list[str]:
        results = []
        for text in texts:
            protected = glossary.protect(text, source, target)
            results.append(
                "".join(
                    self._one(piece, source, target) + sep for piece, sep in pieces(protected) if piece or sep
                )
            )
        return results

    def _one(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return text
        body = {"source": source, "target": target, "text": text}
        if self.glossary_key:
            body["glossaryKey"] = self.glossary_key
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.Timeout as exc:
            raise MachineError("timeout", f"Papago did not answer: {exc}") from exc
        except requests.RequestException as exc:
            raise MachineError("server", f"Papago could not be reached: {exc}") from exc
        if response.status_code == 200:
            try:
                return response.json()["message"]["result"]["translatedText"]
            except (ValueError, KeyError, TypeError) as exc:
                raise MachineError("server", "Papago answered without a translation", status=200) from exc
        raise _error(response)


def _error(response: requests.Response) -> MachineError:
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error") if isinstance(payload, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("errorCode") or payload.get("errorCode") or "")
    message = str(error.get("message") or payload.get("errorMessage") or response.reason or "")
    described = f"HTTP {status} {code} {message}".strip()
    if status == 429 and code in QUOTA_CODES:
        return MachineError("quota", described, status=status)
    if status == 429:
        return MachineError("rate", described, retry_after=retry_after(response), status=status)
    if status >= 500:
        return MachineError("server", described, retry_after=retry_after(response), status=status)
    return MachineError("refused", described, status=status)
