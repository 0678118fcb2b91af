"""Fixtures for ai_agent: the AI settings tests expect, and fake Gemini/Cloudinary servers."""

import contextlib

import pytest
from django.db import OperationalError, connection

from testsupport.fakes import FakeCloudinaryServer, FakeGeminiServer


@pytest.fixture(autouse=True)
def _ai_defaults(settings):
    """The model and timeout the tests expect, whatever a developer's .env says (the root
    conftest already clears the keys and URLs)."""
    settings.GEMINI_IMAGE_MODEL = "gemini-3-pro-image"
    settings.AI_TIMEOUT_S = 10


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


@contextlib.contextmanager
def result_write_refused():
    """The database refuses the write that records a generation's stored result."""

    def refuse_result(execute, sql, params, many, context):
        if sql.startswith('UPDATE "ai_agent_generation"') and "succeeded" in (params or ()):
            raise OperationalError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_result):
        yield
