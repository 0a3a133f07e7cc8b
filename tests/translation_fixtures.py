"""Fixtures for the translation tests: a local fake provider, and the settings that point the real
client at it. Import the ones a module uses (``from tests.translation_fixtures import deepl``)."""

import pytest
from pytest_httpserver import HTTPServer

from tests import fake_providers


@pytest.fixture
def provider_server():
    # Threaded, so that a deliberately slow answer does not hold up the next request.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def deepl(provider_server, settings):
    """Machine translation on, by DeepL's official client against the fake DeepL."""
    fake = fake_providers.FakeDeepL(provider_server)
    settings.TRANSLATION_BACKEND = "deepl"
    settings.DEEPL_AUTH_KEY = fake_providers.DEEPL_KEY
    settings.DEEPL_SERVER_URL = fake.url
    settings.TRANSLATION_TIMEOUT_SECONDS = 0.4
    return fake


@pytest.fixture
def papago(provider_server, settings):
    """Machine translation on, by our Papago client against the fake Papago."""
    fake = fake_providers.FakePapago(provider_server)
    settings.TRANSLATION_BACKEND = "papago"
    settings.PAPAGO_CLIENT_ID = fake_providers.PAPAGO_ID
    settings.PAPAGO_CLIENT_SECRET = fake_providers.PAPAGO_SECRET
    settings.PAPAGO_URL = fake.endpoint
    settings.TRANSLATION_TIMEOUT_SECONDS = 0.4
    return fake


@pytest.fixture(params=["deepl", "papago"])
def provider(request):
    """Each test runs once against each provider."""
    return request.getfixturevalue(request.param)
