"""Cloudinary integration: the real cloudinary SDK against a fake Upload API on 127.0.0.1."""

import io
import socket
import time

import cloudinary
import pytest
from PIL import Image

from testsupport.fakes import FakeCloudinaryServer
from testsupport.files import image_bytes, video_bytes
from ultraminebackend.integrations.cloudinary import (
    CloudinaryAsset,
    CloudinaryError,
    destroy,
    fetch,
    is_configured,
    parse_cloudinary_url,
    upload_file,
    upload_image,
)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://key:secret@cloud",  # wrong scheme
        "cloudinary://key@cloud",  # no secret
        "cloudinary://:secret@cloud",  # no key
    ],
)
def test_is_configured_false_without_a_complete_url(settings, url):
    settings.CLOUDINARY_URL = url

    assert is_configured() is False


def test_is_configured_true_with_a_complete_url(settings):
    settings.CLOUDINARY_URL = "cloudinary://123:abc@demo"

    assert is_configured() is True


def test_the_url_is_parsed_as_the_sdk_parses_it_and_query_options_pass_through():
    options = parse_cloudinary_url(
        "cloudinary://123:s3cr3t@demo/media.example.com"
        "?upload_prefix=http://127.0.0.1:9999&secure=true&timeout=12&auth_token[key]=abcd"
        "&chunk_size=6000000"
    )

    assert options == {
        "cloud_name": "demo",
        "api_key": "123",
        "api_secret": "s3cr3t",
        "private_cdn": True,
        "secure_distribution": "media.example.com",
        "upload_prefix": "http://127.0.0.1:9999",
        "secure": "true",
        "timeout": 12.0,
        "auth_token": {"key": "abcd"},
        "chunk_size": 6_000_000,
    }


def test_not_configured_fails_before_any_request(settings, cloudinary_server):
    settings.CLOUDINARY_URL = ""

    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert (caught.value.code, caught.value.transient) == ("not_configured", False)
    assert cloudinary_server.requests == []


# --- upload -------------------------------------------------------------------------------------


def test_upload_bytes_goes_through_upload_prefix_and_returns_what_cloudinary_said(
    cloudinary_server,
):
    # given
    png = image_bytes("PNG", (300, 200))

    # when
    asset = upload_image(file_or_bytes_or_url=png, folder="ai-generated-images")

    # then: the real SDK reached the fake through upload_prefix, signed with our secret
    (request,) = cloudinary_server.api_requests
    assert request.path == f"/v1_1/{cloudinary_server.cloud_name}/image/upload"
    stored = cloudinary_server.assets[asset.public_id]
    assert stored.params["folder"] == "ai-generated-images"
    assert stored.params["format"] == "jpg"
    assert stored.params["transformation"] == "q_auto:best"  # quality as incoming transformation
    assert stored.params["api_key"] == cloudinary_server.api_key
    # and the asset is what the response said, not rebuilt from our inputs
    assert isinstance(asset, CloudinaryAsset)
    assert asset.public_id.startswith("ai-generated-images/")
    assert (asset.width, asset.height, asset.format) == (300, 200, "jpg")
    assert asset.resource_type == "image"
    assert asset.bytes == len(stored.data)
    assert len(asset.asset_id) == 32
    assert asset.secure_url.startswith(cloudinary_server.url)
    assert f"/v{asset.version}/" in asset.secure_url
    # the stored image is fetchable at secure_url, converted to JPEG
    fetched = decode(cloudinary_server.fetch(asset.secure_url))
    assert (fetched.format, fetched.size) == ("JPEG", (300, 200))


def test_upload_with_public_id_and_original_format(cloudinary_server):
    asset = upload_image(
        file_or_bytes_or_url=io.BytesIO(image_bytes("PNG", (40, 30))),
        folder="posts",
        public_id="launch-banner",
        format=None,
        quality=None,
    )

    assert asset.public_id == "posts/launch-banner"
    assert asset.format == "png"
    params = cloudinary_server.assets[asset.public_id].params
    assert "format" not in params
    assert "transformation" not in params


def test_upload_from_a_url(cloudinary_server):
    first = upload_image(file_or_bytes_or_url=image_bytes("PNG", (64, 48)), folder="posts")

    copy = upload_image(file_or_bytes_or_url=first.secure_url, folder="auto", resource_type="auto")

    assert copy.public_id.startswith("auto/")
    assert cloudinary_server.api_requests[-1].path.endswith("/auto/upload")
    assert decode(cloudinary_server.fetch(copy.secure_url)).size == (64, 48)


@pytest.mark.parametrize("path", ["/etc/passwd", "ultraminebackend/settings.py", "data.jpg"])
def test_a_string_that_is_not_a_url_is_refused_before_the_sdk_reads_a_local_file(
    cloudinary_server, path
):
    with pytest.raises(ValueError, match="http"):
        upload_image(file_or_bytes_or_url=path, folder="posts")

    assert cloudinary_server.requests == []


def test_settings_are_read_per_call_and_the_sdks_global_config_is_ignored(settings):
    with (
        FakeCloudinaryServer(cloud_name="first") as first,
        FakeCloudinaryServer(cloud_name="second", api_secret="another-secret") as second,
    ):
        # The SDK's global config (what CLOUDINARY_URL in the environment would set) points
        # elsewhere; our per-call options must win.
        cloudinary.config(cloud_name="global", upload_prefix="http://127.0.0.1:9", api_secret="x")
        try:
            settings.CLOUDINARY_URL = first.cloudinary_url
            upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")
            settings.CLOUDINARY_URL = second.cloudinary_url
            upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")
        finally:
            cloudinary.reset_config()

        assert len(first.assets) == 1
        assert len(second.assets) == 1


# --- destroy ------------------------------------------------------------------------------------


def test_destroy_deletes_once(cloudinary_server):
    asset = upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert destroy(public_id=asset.public_id) is True
    assert destroy(public_id=asset.public_id) is False

    request = cloudinary_server.api_requests[-1]
    assert request.path == f"/v1_1/{cloudinary_server.cloud_name}/image/destroy"
    assert asset.public_id not in cloudinary_server.assets


# --- failures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [
        (400, "bad_request", False),
        (403, "not_allowed", False),
        (404, "not_found", False),
        (420, "rate_limited", True),
        (429, "rate_limited", True),
        (500, "server_error", True),
        (503, "server_error", True),
    ],
)
def test_api_errors_become_cloudinary_errors(cloudinary_server, status, code, transient):
    cloudinary_server.fail_next(status, "Something went wrong")

    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert (caught.value.code, caught.value.transient) == (code, transient)
    assert "Something went wrong" in caught.value.message


def test_a_gateway_page_instead_of_json_is_transient(cloudinary_server):
    cloudinary_server.fail_next(502, raw=b"<html>502 Bad Gateway</html>")

    with pytest.raises(CloudinaryError) as caught:
        destroy(public_id="posts/x")

    assert caught.value.transient is True


def test_a_wrong_secret_is_refused_and_not_transient(settings, cloudinary_server):
    settings.CLOUDINARY_URL = cloudinary_server.cloudinary_url.replace(
        cloudinary_server.api_secret, "wrong-secret-value"
    )

    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert (caught.value.code, caught.value.transient) == ("unauthorized", False)
    assert cloudinary_server.assets == {}


def test_the_secret_never_appears_in_an_error(cloudinary_server):
    cloudinary_server.fail_next(400, f"Bad signature for {cloudinary_server.api_secret}")

    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert cloudinary_server.api_secret not in str(caught.value)


def test_a_hang_times_out_as_configured(settings, cloudinary_server):
    settings.CLOUDINARY_URL = cloudinary_server.cloudinary_url + "&timeout=1"
    cloudinary_server.hang_next(30)

    started = time.monotonic()
    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert caught.value.transient is True
    assert time.monotonic() - started < 15  # the 1 s timeout fired, long before the 30 s hang
    assert len(cloudinary_server.api_requests) == 1  # urllib3 does not retry a POST's read


def test_a_refused_connection_is_transient(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLOUDINARY_URL = f"cloudinary://1:s@c?upload_prefix=http://127.0.0.1:{port}"

    with pytest.raises(CloudinaryError) as caught:
        upload_image(file_or_bytes_or_url=image_bytes(), folder="posts")

    assert (caught.value.code, caught.value.transient) == ("unavailable", True)


# --- files, videos and chunked uploads ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension"), [("MP4", "mp4"), ("QuickTime", "mov"), ("WebM", "webm")]
)
def test_a_video_goes_up_in_chunks_with_resource_type_auto(
    settings, cloudinary_server, fmt, extension
):
    # given chunks of 1 KB (Cloudinary's real minimum is 5 MB; the option passes through the URL)
    settings.CLOUDINARY_URL = cloudinary_server.cloudinary_url + "&chunk_size=1024"
    data = video_bytes(fmt, payload=3000)
    file = io.BytesIO(data)

    # when
    asset = upload_file(file=file, folder="auto", resource_type="auto")

    # then: every chunk went to /auto/upload, and Cloudinary decided "video"
    requests = cloudinary_server.upload_requests
    assert len(requests) == -(-len(data) // 1024) > 1
    assert {r.path for r in requests} == {f"/v1_1/{cloudinary_server.cloud_name}/auto/upload"}
    assert len({r.headers["x-unique-upload-id"] for r in requests}) == 1
    assert (asset.resource_type, asset.format, asset.duration) == ("video", extension, 2.5)
    assert asset.public_id.startswith("auto/")
    assert f"/video/upload/v{asset.version}/" in asset.secure_url
    assert cloudinary_server.fetch(asset.secure_url) == data
    assert not file.closed  # the SDK's "with" must not close a file we still own


def test_an_image_file_goes_up_as_it_is(cloudinary_server):
    png = image_bytes("PNG", (30, 20))

    asset = upload_file(file=io.BytesIO(png), folder="blog_banners", resource_type="image")

    assert cloudinary_server.upload_requests[0].path.endswith("/image/upload")
    assert (asset.resource_type, asset.format, asset.width) == ("image", "png", 30)
    assert cloudinary_server.fetch(asset.secure_url) == png  # no conversion


def test_the_file_is_read_from_its_start(cloudinary_server):
    file = io.BytesIO(image_bytes("PNG"))
    file.seek(10)

    asset = upload_file(file=file, folder="auto")

    assert asset.format == "png"


def test_destroy_needs_the_video_resource_type_for_a_video(cloudinary_server):
    asset = upload_file(file=io.BytesIO(video_bytes()), folder="auto")

    assert destroy(public_id=asset.public_id, resource_type="image") is False
    assert destroy(public_id=asset.public_id, resource_type="video") is True

    assert cloudinary_server.api_requests[-1].path.endswith("/video/destroy")
    assert cloudinary_server.destroyed == [("video", asset.public_id)]


# --- fetching a delivered asset -----------------------------------------------------------------


def test_fetch_returns_what_the_delivery_url_serves(cloudinary_server):
    png = image_bytes("PNG")
    asset = upload_image(file_or_bytes_or_url=png, folder="x", format=None, quality=None)

    assert fetch(asset.secure_url, max_bytes=len(png)) == png


def test_fetch_refuses_more_than_max_bytes(cloudinary_server):
    asset = upload_image(file_or_bytes_or_url=image_bytes("PNG"), folder="x", format=None)

    with pytest.raises(CloudinaryError) as caught:
        fetch(asset.secure_url, max_bytes=10)

    assert (caught.value.code, caught.value.transient) == ("too_large", False)


def test_fetch_of_a_destroyed_asset_is_not_found(cloudinary_server):
    asset = upload_image(file_or_bytes_or_url=image_bytes(), folder="x")
    destroy(public_id=asset.public_id)

    with pytest.raises(CloudinaryError) as caught:
        fetch(asset.secure_url, max_bytes=10_000)

    assert (caught.value.code, caught.value.transient) == ("not_found", False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x"])
def test_fetch_takes_only_http_urls(url):
    with pytest.raises(ValueError, match="http"):
        fetch(url, max_bytes=10)
