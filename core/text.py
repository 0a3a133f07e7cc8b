"""Participants' and moderators' text as it is stored, and made safe to show.

- ``clean_text``: line endings normalised, control characters removed, surrounding whitespace
  stripped: what every service stores.

- ``parse_id``: a primary key or page number from a URL or form, ASCII digits only (``"²"`` and
  ``"٣"`` pass ``str.isdigit`` / ``int`` but are not numbers anyone typed on purpose), bounded so no
  database integer column overflows.
- ``clean``: control characters removed (NUL included; tab and line breaks kept), for any text
  stored from a form. The request middleware already refuses NUL anywhere in a query or form.
- ``without_bidi_controls``: names lose the invisible characters that reorder text (U+202E "right
  to left override" and friends), so nobody can make their name read as someone else's or spill
  its direction over the rest of the line. Longer text keeps its marks but is shown isolated
  (``dir="auto"`` on its element).
"""

import re

# Within PostgreSQL's integer (the smaller of our key columns) and far beyond any page count.
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Embeddings, overrides and isolates, plus the marks (LRM, RLM, ALM): they make text display in
# another order than it is stored.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Lone surrogates cannot be encoded to UTF-8 and so cannot be stored.
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def parse_id(value, *, maximum: int = MAX_ID) -> int | None:
    """``value`` as a positive integer, or None unless it is 1–10 ASCII digits within ``maximum``."""
    if value is None:
        return None
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= maximum else None


def clean(text: str | None) -> str:
    """``text`` without control characters or lone surrogates (tab, LF and CR stay)."""
    if not text:
        return ""
    return _SURROGATES.sub("", _CONTROLS.sub("", text))


def without_bidi_controls(text: str | None) -> str:
    """For names: every bidi control removed."""
    return _BIDI.sub("", text or "")


def without_direction_overrides(text: str | None) -> str:
    """For running text: embeddings, overrides and isolates removed; the marks (LRM, RLM), which
    mixed Korean, Japanese and Arabic-script text may legitimately need, stay."""
    return _OVERRIDES.sub("", text or "")


def has_nul(text: str) -> bool:
    return "\x00" in text


def normalise_newlines(text: str | None) -> str:
    """Line endings as ``\\n`` (browsers send ``\\r\\n``; old Macs and some CSV files ``\\r``)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def clean_text(text: str | None) -> str:
    """Text as stored: control characters removed, line endings normalised, surrounding
    whitespace removed."""
    return normalise_newlines(clean(text)).strip()
