import pytest
from django.conf import settings
from django.core.management import call_command


def pytest_configure(config):
    # WhiteNoise scans STATIC_ROOT at start-up; collectstatic creates it in production.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def seeded(db):
    """The real seeded programme, publications and proposals from fixtures/."""
    call_command("load_seed", verbosity=0)


@pytest.fixture(autouse=True)
def _english_default(settings):
    # Tests state the language they mean in the URL; nothing leaks from the environment.
    settings.LANGUAGE_CODE = "en"
