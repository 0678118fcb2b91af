"""ImageKit as the second CDN: the real imagekitio SDK against the loopback fake, behind Cloudinary
(its fake too) and before our storage, in MEDIA_CDN_ORDER, sticky per request."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from PIL import Image

from testsupport.files import image_bytes, video_bytes
from ultraminebackend.assets.delivery import asset_name, asset_thumbnail_url, asset_url
from ultraminebackend.assets.providers import destroy_quietly
from ultraminebackend.assets.store import AssetStore, Use
from ultraminebackend.files.processing.video import intake_media
from ultraminebackend.files.storage.undo import undo_on_failure
from ultraminebackend.integrations import imagekit

from .test_assets import USE, Asset, BestAsset, intake, stored_on_cdn


@pytest.fixture
def both(cloudinary_server, imagekit_server):
    """Cloudinary first (the default order), ImageKit behind it."""
    return cloudinary_server, imagekit_server


def test_when_cloudinary_fails_an_image_goes_to_imagekit_under_the_same_folder(both):
    cloudinary_server, imagekit_server = both
    cloudinary_server.fail_uploads()

    asset = stored_on_cdn()

    stored = imagekit_server.files[f"/{asset.public_id}"]
    assert asset.storage == "imagekit"
    assert asset.public_id.startswith("tests/") and asset.public_id.endswith(".jpg")
    assert asset.asset_id == stored.file_id  # what a delete needs
    assert asset.secure_url == f"{imagekit_server.url_endpoint}/{asset.public_id}"
    assert (asset.width, asset.height, asset.format, asset.bytes) == (
        64,
        48,
        "jpg",
        len(stored.data),
    )
    assert not asset.file and asset_name(asset) == asset.public_id
    assert cloudinary_server.assets == {}


def test_imagekit_urls_are_its_delivery_urls_with_tr_transformations(settings, imagekit_server):
    settings.IMAGE_THUMBNAIL_SIZE = 32
    asset, best = stored_on_cdn(), stored_on_cdn(model=BestAsset)

    assert asset_url(asset) == asset.secure_url  # ImageKit optimises untransformed URLs itself
    assert asset_url(best) == f"{best.secure_url}?tr=q-90"
    thumbnail = asset_thumbnail_url(asset)
    assert thumbnail == f"{asset.secure_url}?tr=w-32,h-32,c-at_max,f-webp"
    data, content_type = imagekit_server.fetch(thumbnail)
    with Image.open(io.BytesIO(data)) as image:
        assert (content_type, image.format, image.size) == ("image/webp", "WEBP", (32, 24))
    assert (
        imagekit_server.fetch(asset_url(asset))[0]
        == imagekit_server.files[f"/{asset.public_id}"].data
    )


def test_a_cloudinary_timeout_falls_to_imagekit_and_the_request_skips_cloudinary_after(
    settings, both
):
    cloudinary_server, imagekit_server = both
    settings.CLOUDINARY_URL += "&timeout=1"
    cloudinary_server.hang_next(5)
    store = AssetStore()

    first, second = stored_on_cdn(store), stored_on_cdn(store)

    assert (first.storage, second.storage) == ("imagekit", "imagekit")
    assert len(cloudinary_server.upload_requests) == 1
    assert len(imagekit_server.upload_requests) == 2


def test_when_both_cdns_fail_our_storage_takes_it_each_cdn_asked_once(settings, both):
    cloudinary_server, imagekit_server = both
    cloudinary_server.fail_uploads()
    imagekit_server.fail_uploads(status=503)
    store = AssetStore()

    first, second = stored_on_cdn(store), stored_on_cdn(store)

    assert (first.storage, second.storage) == ("media", "media")
    assert default_storage.exists(first.file.name) and default_storage.exists(second.file.name)
    assert len(cloudinary_server.upload_requests) == len(imagekit_server.upload_requests) == 1
    assert imagekit_server.files == {} and cloudinary_server.assets == {}


def test_an_imagekit_timeout_falls_to_our_storage(settings, both):
    cloudinary_server, imagekit_server = both
    cloudinary_server.fail_uploads()
    settings.IMAGEKIT_TIMEOUT_S = 1
    imagekit_server.hang_next(5)

    assert stored_on_cdn().storage == "media"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["imagekit", "cloudinary"], "imagekit"),
        (["cloudinary", "imagekit"], "cloudinary"),
        (["imagekit"], "imagekit"),
        ([], "media"),
    ],
)
def test_media_cdn_order_decides_which_cdn_is_asked_first(settings, both, order, expected):
    settings.MEDIA_CDN_ORDER = order

    assert stored_on_cdn().storage == expected


def test_an_unconfigured_imagekit_is_skipped(settings, cloudinary_server):
    cloudinary_server.fail_uploads()
    settings.IMAGEKIT_PRIVATE_KEY = ""
    settings.IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/somebody"

    assert stored_on_cdn().storage == "media"


def test_generations_are_stored_as_jpeg_through_a_pre_transformation(imagekit_server):
    asset = Asset()
    AssetStore().store_image(
        asset,
        ContentFile(image_bytes("PNG")),
        use=Use(folder="ai-generated-images", convert_to="jpg"),
    )

    stored = imagekit_server.files[f"/{asset.public_id}"]
    assert asset.public_id.startswith("ai-generated-images/") and asset.format == "jpg"
    assert Image.open(io.BytesIO(stored.data)).format == "JPEG"
    assert stored.params["transformation"] == '{"pre": "f-jpg"}'


def test_a_video_goes_to_imagekit_as_a_video(imagekit_server):
    video = intake_media(SimpleUploadedFile("clip.mp4", video_bytes(duration=2.5)))
    asset = Asset()
    AssetStore().store_video(asset, video, use=Use(folder="auto", resource_type="auto"))

    assert asset.storage == "imagekit" and asset.public_id.startswith("auto/")
    # ImageKit answers whole seconds; the intake's own reading is kept
    assert (asset.format, asset.duration) == ("mp4", pytest.approx(2.5, abs=0.1))
    assert imagekit_server.files[f"/{asset.public_id}"].file_type == "non-image"


# --- deletes and the undo -------------------------------------------------------------------------


def test_a_failing_write_deletes_its_imagekit_uploads_by_file_id(imagekit_server):
    with pytest.raises(RuntimeError), undo_on_failure():
        asset = stored_on_cdn()
        raise RuntimeError("the rows failed")

    assert imagekit_server.deleted == [asset.asset_id]
    assert imagekit_server.files == {}


def test_a_failed_imagekit_delete_is_logged_as_an_orphan(imagekit_server, caplog):
    asset = stored_on_cdn()
    imagekit_server.fail_next(500)

    destroy_quietly(
        "imagekit", public_id=asset.public_id, asset_id=asset.asset_id, resource_type="image"
    )

    assert f"orphan imagekit asset {asset.public_id}" in caplog.text
    assert f"/{asset.public_id}" in imagekit_server.files


def test_deleting_a_file_imagekit_no_longer_has_is_not_an_error(imagekit_server):
    asset = stored_on_cdn()
    assert imagekit.destroy(file_id=asset.asset_id) is True
    assert imagekit.destroy(file_id=asset.asset_id) is False


# --- copies ---------------------------------------------------------------------------------------


def test_a_cloudinary_asset_is_copied_to_imagekit_when_cloudinary_fails_the_copy(both):
    cloudinary_server, imagekit_server = both
    source = stored_on_cdn()
    cloudinary_server.fail_uploads()

    copy = Asset()
    AssetStore().copy(copy, source, use=Use(folder="blog_banners"))

    assert copy.storage == "imagekit" and copy.public_id.startswith("blog_banners/")
    assert imagekit_server.files[f"/{copy.public_id}"].data == (
        cloudinary_server.assets[source.public_id].data
    )


def test_an_imagekit_asset_is_copied_on_imagekit_and_onto_our_storage_when_it_is_off(
    settings, imagekit_server
):
    source = stored_on_cdn()

    on_imagekit, on_media = Asset(), Asset()
    AssetStore().copy(on_imagekit, source, use=Use(folder="auto"))
    settings.IMAGEKIT_PRIVATE_KEY = ""
    AssetStore().copy(on_media, source, use=Use(folder="auto"))

    assert on_imagekit.storage == "imagekit" and on_imagekit.public_id != source.public_id
    assert on_media.storage == "media" and default_storage.exists(on_media.file.name)
    assert (on_media.width, on_media.height) == (64, 48)


# --- the SDK's errors and the settings ------------------------------------------------------------


def test_imagekit_errors_say_whether_a_retry_may_help(settings, imagekit_server):
    imagekit_server.fail_next(429, "Too many requests")
    with pytest.raises(imagekit.ImageKitError) as busy:
        stored_on_cdn(store=_imagekit_only())
    settings.IMAGEKIT_PRIVATE_KEY = "wrong_private_key"
    with pytest.raises(imagekit.ImageKitError) as refused:
        stored_on_cdn(store=_imagekit_only())

    assert (busy.value.code, busy.value.transient) == ("rate_limited", True)
    assert (refused.value.code, refused.value.transient) == ("unauthorized", False)
    assert "wrong_private_key" not in refused.value.message


def _imagekit_only():
    """A store that raises ImageKit's error instead of falling back (to see the error)."""

    class Raising(AssetStore):
        def _give_up(self, cdn, exc):
            raise exc

    return Raising()


def test_an_unknown_name_in_media_cdn_order_fails_the_system_checks(settings):
    settings.MEDIA_CDN_ORDER = ["cloudinary", "imagekits"]

    errors = [e for e in run_checks() if e.id == "assets.E001"]

    assert len(errors) == 1 and "imagekits" in errors[0].msg


def test_half_an_imagekit_configuration_is_a_warning(settings):
    settings.IMAGEKIT_PUBLIC_KEY = "public_key"

    warnings = [e for e in run_checks() if e.id == "assets.W001"]

    assert len(warnings) == 1 and "IMAGEKIT_PRIVATE_KEY" in warnings[0].msg


def test_stored_images_go_up_as_the_intake_wrote_them(imagekit_server):
    result = intake()
    data = result.file.read()
    asset = Asset()
    AssetStore().store_image(asset, result, use=USE)

    assert imagekit_server.files[f"/{asset.public_id}"].data == data


def test_urls_are_built_under_the_configured_url_endpoint(settings, imagekit_server):
    settings.IMAGEKIT_URL_ENDPOINT = "https://images.example.com/"  # a custom domain

    asset = stored_on_cdn()

    assert asset.secure_url == f"https://images.example.com/{asset.public_id}"
    assert asset_thumbnail_url(asset).startswith(
        f"https://images.example.com/{asset.public_id}?tr="
    )


def test_the_schema_names_imagekit_among_the_storages():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    assert schemas["StorageEnum"]["enum"] == ["cloudinary", "imagekit", "media"]
    for name in ("Media", "Generation"):
        assert "StorageEnum" in str(schemas[name]["properties"]["storage"])


def test_threads_share_one_sdk_client_safely(imagekit_server):
    with ThreadPoolExecutor(max_workers=4) as pool:
        assets = list(pool.map(lambda _: stored_on_cdn(), range(8)))

    assert {a.storage for a in assets} == {"imagekit"}
    assert len({a.asset_id for a in assets}) == 8
    assert sorted(f"/{a.public_id}" for a in assets) == sorted(imagekit_server.files)
