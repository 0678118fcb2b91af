"""Fixtures for ai_agent: no AI settings leaked from a .env, and fake Gemini/Cloudinary servers."""

import pytest

from testsupport.fakes import FakeCloudinaryServer, FakeGeminiServer


@pytest.fixture(autouse=True)
def _no_ai_settings_from_env(settings):
    """A developer's GEMINI_API_KEY or CLOUDINARY_URL must not change what a test exercises."""
    settings.AI_IMAGE_PROVIDER = ""
    settings.GEMINI_API_KEY = ""
    settings.GEMINI_IMAGE_MODEL = "gemini-3-pro-image"
    settings.GEMINI_BASE_URL = ""
    settings.AI_TIMEOUT_S = 10
    settings.CLOUDINARY_URL = ""


@pytest.fixture
def gemini_server():
    """A fake Gemini API on 127.0.0.1 (not yet wired into settings)."""
    with FakeGeminiServer() as fake:
        yield fake


@pytest.fixture
def gemini(settings, gemini_server):
    """Settings select Gemini, with the fake's key, pointed at the fake through GEMINI_BASE_URL."""
    settings.AI_IMAGE_PROVIDER = "gemini"
    settings.GEMINI_API_KEY = gemini_server.api_key
    settings.GEMINI_BASE_URL = gemini_server.url
    return gemini_server


@pytest.fixture
def cloudinary_server(settings):
    """A fake Cloudinary on 127.0.0.1; CLOUDINARY_URL points at it through ``upload_prefix``."""
    with FakeCloudinaryServer() as fake:
        settings.CLOUDINARY_URL = fake.cloudinary_url
        yield fake
