"""Project-wide pytest fixtures: isolated media, API clients, users, and S3 on moto's server."""

import os

import boto3
import pytest
from django.core.cache import cache
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from testsupport.fakes import FakeImageKitServer
from testsupport.files import s3_storages
from ultraminebackend.files.storage.config import build_storages, public_media_policy

STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test gets empty local media folders and no values leaked from a developer's .env."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.STORAGES = build_storages(
        use_s3=False,
        media_root=settings.MEDIA_ROOT,
        private_media_root=settings.PRIVATE_MEDIA_ROOT,
        private_url_ttl=settings.PRIVATE_URL_TTL,
        static_backend=STATIC_FILES,
    )
    settings.SITE_URL = ""
    # Offline: no CDN and the placeholder provider, unless a test points them at a fake server.
    settings.CLOUDINARY_URL = ""
    settings.AI_IMAGE_PROVIDER = ""
    settings.GEMINI_API_KEY = ""
    settings.GEMINI_BASE_URL = ""
    for name in ("PRIVATE_KEY", "PUBLIC_KEY", "URL_ENDPOINT", "API_BASE_URL"):
        setattr(settings, f"IMAGEKIT_{name}", "")
    settings.MEDIA_CDN_ORDER = ["cloudinary", "imagekit"]
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def imagekit_server(settings):
    """A fake ImageKit on 127.0.0.1 for the real imagekitio SDK (IMAGEKIT_API_BASE_URL)."""
    with FakeImageKitServer() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(django_user_model):
    counter = iter(range(1, 10_000))

    def make(**fields):
        fields.setdefault("email", f"user{next(counter)}@example.com")
        fields.setdefault("password", "correct horse battery")
        return django_user_model.objects.create_user(**fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user(email="owner@example.com", name="Owner")


@pytest.fixture
def other_user(make_user):
    return make_user(email="other@example.com", name="Other")


@pytest.fixture
def staff_user(make_user):
    return make_user(email="staff@example.com", name="Staff", is_staff=True)


@pytest.fixture
def admin_client(client, staff_user):
    """The Django test client signed in as a superuser, for the admin's pages."""
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient sending that user's JWT (``None`` → anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token = RefreshToken.for_user(user).access_token
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 API on 127.0.0.1 (moto's HTTP server), shared by the session."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint, request):
    """Switch the test to S3 mode: a fresh bucket on moto's server behind both storage roles."""
    bucket = "ultramine-test-" + str(abs(hash(request.node.nodeid)) % 10**10)
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=public_media_policy(bucket))
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=bucket)
    return client, bucket
