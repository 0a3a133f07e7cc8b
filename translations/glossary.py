"""The glossary: terms every machine translation keeps fixed, from one data file
(``translations/data/glossary.toml``, or ``settings.TRANSLATION_GLOSSARY_PATH``).

DeepL receives it as a native glossary per language pair (``machine.deepl_backend``); providers
without one get the terms substituted into the text before it is sent (``protect``), which their
engines carry through as names.
"""

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from core.languages import LANGUAGE_CODES

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "glossary.toml"


@dataclass(frozen=True)
class Glossary:
    terms: tuple[dict[str, str], ...]
    digest: str  # a short hash of the file: part of the machine cache key

    def entries(self, source: str, target: str) -> dict[str, str]:
        """``{term in source: term in target}`` for every term written in both languages."""
        return {term[source]: term[target] for term in self.terms if term.get(source) and term.get(target)}

    def protect(self, text: str, source: str, target: str) -> str:
        """``text`` with each glossary term of ``source`` replaced by its ``target`` form (longest
        terms first, so a term inside a longer one is left to the longer)."""
        entries = self.entries(source, target)
        if not entries:
            return text
        pattern = re.compile("|".join(re.escape(term) for term in sorted(entries, key=len, reverse=True)))
        return pattern.sub(lambda match: entries[match.group(0)], text)


def _path() -> Path:
    return Path(getattr(settings, "TRANSLATION_GLOSSARY_PATH", "") or DEFAULT_PATH)


@cache
def _load(path: Path) -> Glossary:
    data = path.read_bytes()
    parsed = tomllib.loads(data.decode("utf-8"))
    terms = []
    for term in parsed.get("term", []):
        forms = {code: str(term[code]).strip() for code in LANGUAGE_CODES if str(term.get(code, "")).strip()}
        if len(forms) >= 2:
            terms.append(forms)
    return Glossary(terms=tuple(terms), digest=hashlib.sha256(data).hexdigest()[:16])


def load() -> Glossary:
    return _load(_path())
