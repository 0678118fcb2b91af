"""Bodies: JSON only where no file is taken, and a body over its route's limit refused unread.

The live-server twin (a real gunicorn and a socket that sends only the headers and 64 KB) is in
tests/test_live_requests.py.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from ultraminebackend.bodylimits import ADMIN_UPLOAD_LIMIT, UploadLimit, route_limit
from ultraminebackend.files.storage.fields import ImageUploadField, MediaUploadField

pytestmark = pytest.mark.django_db

SIXTY_MB = 60 * 1024 * 1024
MULTIPART = "multipart/form-data; boundary=----ulm"


class UnreadableBody:
    """A ``wsgi.input`` that fails the test the moment anything reads the body."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def declared(client, path, size, content_type=MULTIPART, **extra):
    """POST that announces ``size`` bytes but whose body cannot be read."""
    environ = {"CONTENT_LENGTH": str(size), "wsgi.input": UnreadableBody(), **extra}
    return client.generic("POST", path, b"", content_type=content_type, **environ)


# --- every route: its parsers and limit fit the files its body may carry ----------------------


def body_operations():
    """``(method, path, view)`` of every write in the schema, the view built as the schema's."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method in {"POST", "PUT", "PATCH"}:
            view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
            view.schema.method, view.schema.path = method, path
            yield method, path, view


def largest_files(serializer, settings) -> int:
    """The bytes of every file the request serializer may take, each at its cap."""
    caps = {
        ImageUploadField: settings.IMAGE_MAX_BYTES,
        MediaUploadField: max(settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES),
    }
    total = 0
    for field in getattr(serializer, "fields", {}).values():
        count = 1
        if isinstance(field, serializers.ListField):
            field, count = field.child, field.max_length
        if isinstance(field, serializers.FileField):
            assert count is not None, "a list of files needs a max_length to have a body limit"
            total += count * caps[type(field)]
    return total


def test_every_write_parses_json_only_unless_it_takes_files_and_its_limit_fits_them(settings):
    takes_files, problems = set(), []
    for method, path, view in body_operations():
        found = view.schema.get_request_serializer()
        found = found.values() if isinstance(found, dict) else [found]
        files = max(
            largest_files(item() if isinstance(item, type) else item, settings) for item in found
        )
        media_types = [parser.media_type for parser in view.get_parsers()]
        limit = route_limit(SimpleNamespace(), SimpleNamespace(cls=type(view)))
        if files:
            takes_files.add(f"{method} {path}")
            if "multipart/form-data" not in media_types:
                problems.append(f"{method} {path} takes files but not multipart")
            if limit < files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                problems.append(f"{method} {path}: limit {limit} < files {files} + form")
        elif media_types != ["application/json"]:
            problems.append(f"{method} {path} takes no file but parses {media_types}")

    assert problems == []
    # the routes that take files, so a new one is added here knowingly
    assert {key.split(" ", 1)[1] for key in takes_files} == {
        "/api/core/products/",
        "/api/core/products/{id}/",
        "/api/core/products/{id}/images/",
        "/api/core/orders/",
        "/api/core/deposits/",
        "/api/ai-agent/generate-image/",
        "/api/posts/",
        "/api/posts/{id}/",
        "/api/blogs/",
        "/api/blogs/{id}/",
        "/api/uploads/local/",  # the direct uploads' local URL (S3's stand-in; not in the schema)
    }


def test_upload_limits_are_the_files_at_their_caps_plus_the_form_read_at_request_time(settings):
    settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES = 1_000, 50_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    assert UploadLimit(images=2)() == 2_100
    assert UploadLimit(media=10)() == 500_100
    assert UploadLimit(images=1, media=1)(object()) == 51_100


def test_the_admin_takes_uploads_from_staff_and_only_its_login_form_from_anyone(rf, staff_user):
    def admin_view():
        """A view that is not the API's (no ``cls``)."""

    anonymous, staff = rf.post("/admin/login/"), rf.post("/admin/core/product/add/")
    anonymous.user, staff.user = AnonymousUser(), staff_user

    assert route_limit(anonymous, admin_view) == 2 * 1024 * 1024
    assert route_limit(staff, admin_view) == ADMIN_UPLOAD_LIMIT() > 20 * 15 * 1024 * 1024


# --- refusals, before a byte is read ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_an_anonymous_60_mb_multipart_body_is_a_413_without_being_read(client, path):
    response = declared(client, path, SIXTY_MB)

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is {SIXTY_MB} bytes; this route accepts at most "
        f"{2 * 1024 * 1024} bytes."
    }


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/", "/api/brands"])
def test_a_form_body_to_an_endpoint_that_takes_no_file_is_a_415(client_for, user, path):
    # given: a small form, as a browser <form> would send it
    response = client_for(user).post(path, {"email": "a@example.com"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["detail"].startswith('Unsupported media type "multipart/form-data')


def test_a_json_body_over_the_json_limit_is_a_413(client, settings):
    body = b'{"email": "' + b"a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'

    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/core/orders/", UploadLimit(images=2)),
        ("/api/core/deposits/", UploadLimit(images=1)),
        ("/api/posts", UploadLimit(media=10)),
    ],
)
def test_an_upload_over_its_route_limit_is_a_413_without_being_read(client_for, user, path, limit):
    response = declared(client_for(user), path, limit() + 1)

    assert response.status_code == 413
    assert f"accepts at most {limit()} bytes" in response.json()["detail"]


def test_an_upload_within_its_route_limit_is_read(client_for, user):
    # given: a body the order route accepts by size (the parser then reads it: it fails here)
    with pytest.raises(AssertionError, match="the request body was read"):
        declared(client_for(user), "/api/core/orders/", UploadLimit(images=2)())


def test_a_body_without_content_length_is_a_411_without_being_read(client):
    # Chunked: Django would read the body as empty and answer as if nothing was sent.
    response = declared(
        client, "/api/auth/token/", 0, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )

    assert response.status_code == 411
    assert response.json() == {
        "detail": "Send the body with a Content-Length header (not chunked)."
    }


def test_the_admin_login_refuses_a_large_body_unread_with_a_plain_413(client):
    response = declared(client, "/admin/login/", SIXTY_MB)

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
