"""Content fixtures: a fake Cloudinary, generations, form helpers."""

import pytest

from ai_agent import services as ai_services
from testsupport.fakes import FakeCloudinaryServer
from ultraminebackend.files.storage.config import build_storages


@pytest.fixture
def cloudinary_server(settings):
    """A fake Cloudinary on 127.0.0.1; CLOUDINARY_URL points at it through ``upload_prefix``.

    ``chunk_size`` is small so a test video goes up in several chunks, as large ones do.
    """
    with FakeCloudinaryServer() as fake:
        settings.CLOUDINARY_URL = fake.cloudinary_url + "&chunk_size=2048"
        yield fake


@pytest.fixture
def generation_for(db):
    """``generation_for(user)``: a succeeded generation made the way production makes one
    (placeholder provider; on the fake Cloudinary when ``cloudinary_server`` is active)."""

    def make(user, prompt="a mining rig at sunrise"):
        return ai_services.generation_create(user=user, prompt=prompt)

    return make


@pytest.fixture
def our_storage_unwritable(settings, tmp_path):
    """Our public storage cannot write: its root lies beneath a regular file."""
    (tmp_path / "not-a-folder").write_text("")
    settings.STORAGES = build_storages(
        use_s3=False,
        media_root=tmp_path / "not-a-folder" / "media",
        private_media_root=settings.PRIVATE_MEDIA_ROOT,
        private_url_ttl=900,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
