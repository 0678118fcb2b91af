"""Fixtures for the project package's tests: a fake Cloudinary and no CLOUDINARY_URL from a .env."""

import pytest

from testsupport.fakes import FakeCloudinaryServer


@pytest.fixture(autouse=True)
def _no_cloudinary_from_env(settings):
    settings.CLOUDINARY_URL = ""


@pytest.fixture
def cloudinary_server(settings):
    """A fake Cloudinary on 127.0.0.1; CLOUDINARY_URL points at it through ``upload_prefix``."""
    with FakeCloudinaryServer() as fake:
        settings.CLOUDINARY_URL = fake.cloudinary_url
        yield fake
