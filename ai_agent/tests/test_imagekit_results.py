"""Generated images when Cloudinary fails: ImageKit (the real imagekitio SDK against its loopback
fake) stores them as JPEG in ``ai-generated-images/``, then our storage; the answer says where."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from ai_agent.models import Generation
from tests.openapi import assert_on_schema

from .conftest import result_write_refused

pytestmark = pytest.mark.django_db

URL = "/api/ai-agent/generate-image"


def generate(client, **body):
    body.setdefault("prompt", "a mining rig at sunrise")
    return client.post(URL, body, format="json")


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_a_generation_falls_to_imagekit_as_jpeg_when_cloudinary_fails(
    client_for, user, gemini, settings, cloudinary_server, imagekit_server, failure
):
    # given Cloudinary answers 500, or hangs past its timeout
    if failure == "error":
        cloudinary_server.fail_next(500, "Internal error")
    else:
        settings.CLOUDINARY_URL = cloudinary_server.cloudinary_url + "&timeout=1"
        cloudinary_server.hang_next(5)

    # when
    response = generate(client_for(user))

    # then the image is a JPEG on ImageKit, answered by ImageKit's delivery URLs
    assert response.status_code == 201, response.content
    assert_on_schema(response)
    data = response.json()
    path = data["cloudinary_public_id"]  # the CDN's id under the field's historical name
    stored = imagekit_server.files[f"/{path}"]
    assert (data["storage"], data["image"], data["format"]) == ("imagekit", None, "jpg")
    assert path.startswith("ai-generated-images/") and path.endswith(".jpg")
    assert data["cloudinary_asset_id"] == stored.file_id
    assert Image.open(io.BytesIO(stored.data)).format == "JPEG"
    assert data["image_url"] == f"{imagekit_server.url_endpoint}/{path}?tr=q-90"
    assert data["image_thumbnail_url"].endswith("?tr=w-400,h-400,c-at_max,f-webp")
    delivered, content_type = imagekit_server.fetch(data["image_url"])
    assert content_type == "image/jpeg" and Image.open(io.BytesIO(delivered)).size == (
        data["width"],
        data["height"],
    )
    assert cloudinary_server.assets == {}


def test_with_both_cdns_down_the_generation_goes_to_our_storage(
    client_for, user, gemini, cloudinary_server, imagekit_server
):
    cloudinary_server.fail_uploads()
    imagekit_server.fail_uploads()

    data = generate(client_for(user)).json()

    assert data["storage"] == "media" and default_storage.exists(data["image"])
    assert data["cloudinary_public_id"] == "" and imagekit_server.files == {}


@pytest.mark.django_db(transaction=True)  # the record is written in autocommit, as in production
def test_a_result_whose_record_cannot_be_written_is_deleted_from_imagekit(
    client_for, user, gemini, settings, cloudinary_server, imagekit_server
):
    cloudinary_server.fail_uploads()

    with result_write_refused():
        response = generate(client_for(user))

    assert response.status_code == 503
    assert len(imagekit_server.upload_requests) == 1 and len(imagekit_server.deleted) == 1
    assert imagekit_server.files == {}
    generation = Generation.objects.get()
    assert (generation.status, generation.storage, generation.public_id) == ("failed", "", "")


def test_a_deleted_generation_lets_go_of_its_imagekit_file(
    client_for, user, gemini, cloudinary_server, imagekit_server, django_capture_on_commit_callbacks
):
    cloudinary_server.fail_uploads()
    generation = Generation.objects.get(pk=generate(client_for(user)).json()["id"])
    assert generation.storage == "imagekit"

    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    assert imagekit_server.deleted == [generation.asset_id] and imagekit_server.files == {}
