"""Korean and Japanese participants never meet an untranslated interface string."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["ko", "ja"]


def _catalogue(root: Path, locale: str):
    with open(root / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return all(s.strip() for s in strings)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale):
    catalogue = _catalogue(ROOT, locale)
    missing = [message.id for message in catalogue if message.id and not _translated(message)]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not missing, f"untranslated in {locale}: {missing}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"


def test_catalogues_cover_every_string_in_the_sources(tmp_path):
    """Extract the strings afresh and compare: a string added without a translation fails here."""
    if not shutil.which("xgettext"):
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail("GNU gettext (xgettext) is required in CI to check catalogue coverage")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "artifacts", "*.mo", "static"),
    )
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--ignore", "tests/*"]
        + [arg for code in LOCALES for arg in ("--locale", code)],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_VAR_DIR": str(tmp_path / "var")},
    )
    for locale in LOCALES:
        committed = _catalogue(ROOT, locale)
        fresh = _catalogue(copy, locale)
        new = sorted(str(m.id) for m in fresh if m.id and committed.get(m.id, context=m.context) is None)
        assert not new, f"strings missing from locale/{locale}: {new}"
