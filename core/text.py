"""Participants' and moderators' text as it is stored."""


def normalise_newlines(text: str | None) -> str:
    """Line endings as ``\\n`` (browsers send ``\\r\\n``; old Macs and some CSV files ``\\r``)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def clean_text(text: str | None) -> str:
    """Text as stored: line endings normalised, surrounding whitespace removed."""
    return normalise_newlines(text).strip()
