"""The one stored asset (``ultraminebackend.assets``): the real Cloudinary SDK against the loopback
fake, our storage, the CDN order and its sticky fallback, URLs, copies and the undo."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import isolate_apps
from PIL import Image

from testsupport.files import image_bytes, video_bytes
from ultraminebackend.assets.delivery import asset_name, asset_thumbnail_url, asset_url
from ultraminebackend.assets.models import Delivery, StoredAsset
from ultraminebackend.assets.store import AssetStore, SourceGone, Use
from ultraminebackend.files.processing.intake import intake_image
from ultraminebackend.files.processing.video import intake_media
from ultraminebackend.files.storage.modelfields import PublicFileField
from ultraminebackend.files.storage.naming import thumbnail_name
from ultraminebackend.files.storage.undo import undo_on_failure

# Rows of the plumbing alone (never saved), kept out of the project's registry: commands that walk
# every model (regenerate_thumbnails, migrate_media) must not find them.
with isolate_apps("ultraminebackend.files"):

    class Asset(StoredAsset):
        """Neither content nor the AI agent: the stored asset on its own."""

        file = PublicFileField(folder="assets-test", blank=True)
        duration = None

        class Meta:
            app_label = "files"
            managed = False

    class BestAsset(Asset):
        delivery = Delivery.BEST

        class Meta:
            app_label = "files"
            proxy = True


USE = Use(folder="tests")


def intake(fmt="JPEG", size=(64, 48)):
    return intake_image(ContentFile(image_bytes(fmt, size), name="upload"), thumbnail=True)


def stored_on_cdn(store=None, model=Asset):
    asset = model()
    (store or AssetStore()).store_image(asset, intake(), use=USE)
    return asset


def stored_on_media(settings):
    """Stored while no CDN is configured (the setting is back as it was afterwards)."""
    configured, settings.CLOUDINARY_URL = settings.CLOUDINARY_URL, ""
    asset = Asset()
    AssetStore().store_image(asset, intake(), use=USE)
    settings.CLOUDINARY_URL = configured
    return asset


# --- storing --------------------------------------------------------------------------------------


def test_an_image_goes_to_the_cdn_under_the_uses_folder_and_is_answered_by_its_delivery(
    cloudinary_server,
):
    asset = stored_on_cdn()
    best = stored_on_cdn(model=BestAsset)

    assert asset.storage == "cloudinary"
    assert asset.public_id.startswith("tests/") and asset.public_id in cloudinary_server.assets
    assert (asset.width, asset.height, asset.format) == (64, 48, "jpg")
    assert not asset.file
    assert asset_name(asset) == asset.public_id
    assert "/image/upload/q_auto/v" in asset_url(asset)
    assert "/image/upload/q_auto:best/v" in asset_url(best)
    assert "/upload/c_limit,w_" in asset_thumbnail_url(asset) and "f_webp" in asset_thumbnail_url(
        asset
    )


def test_raw_bytes_are_stored_converted_when_the_use_asks_and_as_they_are_otherwise(
    cloudinary_server,
):
    converted, kept = Asset(), Asset()
    store = AssetStore()
    png = image_bytes("PNG")
    store.store_image(converted, ContentFile(png), use=Use(folder="ai", convert_to="jpg"))
    store.store_image(kept, ContentFile(png), use=USE)

    assert Image.open(io.BytesIO(cloudinary_server.assets[converted.public_id].data)).format == (
        "JPEG"
    )
    assert cloudinary_server.assets[kept.public_id].data == png


def test_without_a_cdn_an_image_goes_to_our_storage_through_the_intake_with_its_thumbnail(
    settings,
):
    asset = Asset()
    AssetStore().store_image(asset, ContentFile(image_bytes("PNG")), use=USE)

    assert asset.storage == "media" and asset.file.name.startswith("assets-test/")
    assert asset.file.name.endswith(".png") and asset.format == "png"
    assert default_storage.exists(asset.file.name)
    assert asset_name(asset) == asset.file.name
    assert asset_url(asset).endswith(f"/media/{asset.file.name}")
    assert asset_thumbnail_url(asset).endswith(thumbnail_name(asset.file.name))
    assert default_storage.exists(thumbnail_name(asset.file.name))


def test_a_video_goes_to_the_cdn_with_its_duration_or_to_our_storage(settings, cloudinary_server):
    video = intake_media(SimpleUploadedFile("clip.mp4", video_bytes(duration=2.5)))
    on_cdn, on_media = Asset(), Asset()
    AssetStore().store_video(on_cdn, video, use=Use(folder="auto", resource_type="auto"))
    settings.CLOUDINARY_URL = ""
    AssetStore().store_video(on_media, video, use=Use(folder="auto", resource_type="auto"))

    assert cloudinary_server.assets[on_cdn.public_id].resource_type == "video"
    assert on_cdn.duration == pytest.approx(2.5, abs=0.1)
    assert on_media.storage == "media" and default_storage.exists(on_media.file.name)
    assert on_media.format == "mp4" and on_media.duration == pytest.approx(2.5, abs=0.1)


def test_a_failing_cdn_is_skipped_for_the_rest_of_the_request_and_tried_again_by_the_next(
    cloudinary_server,
):
    # given a CDN whose next answer is an error
    cloudinary_server.fail_next(500, "down")
    store = AssetStore()

    # when one request stores two images, and a later request one
    first, second = Asset(), Asset()
    store.store_image(first, intake(), use=USE)
    store.store_image(second, intake(), use=USE)
    later = stored_on_cdn()

    # then the request asked the CDN once and kept both on our storage; the next asks it again
    assert (first.storage, second.storage, later.storage) == ("media", "media", "cloudinary")
    assert len(cloudinary_server.upload_requests) == 2
    assert default_storage.exists(first.file.name) and default_storage.exists(second.file.name)


def test_the_cdns_are_tried_in_their_order_each_failure_sticky_then_our_storage(
    settings, cloudinary_server, imagekit_server
):
    # given ImageKit first, down, then Cloudinary
    settings.MEDIA_CDN_ORDER = ["imagekit", "cloudinary"]
    imagekit_server.fail_uploads()
    store = AssetStore()

    # when one request stores two images
    first, second = stored_on_cdn(store), stored_on_cdn(store)

    # then ImageKit was asked once, and both went to the next one
    assert len(imagekit_server.upload_requests) == 1
    assert (first.storage, second.storage) == ("cloudinary", "cloudinary")


# --- the undo -------------------------------------------------------------------------------------


def test_a_failing_write_removes_what_it_stored_from_where_it_went(settings, cloudinary_server):
    clip = intake_media(SimpleUploadedFile("clip.mp4", video_bytes()))
    with pytest.raises(RuntimeError), undo_on_failure():
        image = stored_on_cdn()
        video = Asset()
        AssetStore().store_video(video, clip, use=Use(folder="auto", resource_type="auto"))
        local = stored_on_media(settings)
        raise RuntimeError("the rows failed")

    assert sorted(cloudinary_server.destroyed) == [
        ("image", image.public_id),
        ("video", video.public_id),
    ]
    assert cloudinary_server.assets == {}
    assert not default_storage.exists(local.file.name)
    assert not default_storage.exists(thumbnail_name(local.file.name))


def test_a_successful_write_keeps_what_it_stored(cloudinary_server):
    with undo_on_failure():
        asset = stored_on_cdn()

    assert asset.public_id in cloudinary_server.assets and cloudinary_server.destroyed == []


def test_an_undo_that_fails_is_logged_and_the_original_error_kept(cloudinary_server, caplog):
    with pytest.raises(RuntimeError, match="original"), undo_on_failure():
        asset = stored_on_cdn()
        cloudinary_server.fail_next(500, "down")  # the destroy
        raise RuntimeError("original")

    assert asset.public_id in cloudinary_server.assets
    assert f"orphan cloudinary asset {asset.public_id}" in caplog.text


# --- copies ---------------------------------------------------------------------------------------


def test_a_cdn_asset_is_copied_on_the_cdn_by_url(cloudinary_server):
    source = stored_on_cdn()
    copy = Asset()
    AssetStore().copy(copy, source, use=Use(folder="copies"))

    assert copy.public_id.startswith("copies/") and copy.public_id != source.public_id
    assert source.secure_url.encode() in cloudinary_server.upload_requests[-1].body
    assert (
        cloudinary_server.assets[copy.public_id].data
        == cloudinary_server.assets[source.public_id].data
    )


def test_a_file_on_our_storage_is_streamed_to_the_cdn(settings, cloudinary_server):
    source = stored_on_media(settings)
    copy = Asset()
    AssetStore().copy(copy, source, use=Use(folder="copies"))

    with default_storage.open(source.file.name) as stored:
        assert cloudinary_server.assets[copy.public_id].data == stored.read()


def test_a_cdn_asset_comes_to_our_storage_through_the_intake_when_the_cdn_fails(
    cloudinary_server,
):
    source = stored_on_cdn()
    cloudinary_server.fail_next(500, "down")  # the copy's upload
    copy = Asset()
    AssetStore().copy(copy, source, use=Use(folder="copies"))

    assert copy.storage == "media" and default_storage.exists(copy.file.name)
    assert (copy.width, copy.height) == (64, 48)
    assert default_storage.exists(thumbnail_name(copy.file.name))


def test_a_source_that_vanished_is_gone_from_either_place(settings, cloudinary_server):
    on_cdn = stored_on_cdn()
    del cloudinary_server.assets[on_cdn.public_id]
    on_media = stored_on_media(settings)
    default_storage.delete(on_media.file.name)

    with pytest.raises(SourceGone):
        AssetStore().copy(Asset(), on_cdn, use=USE)  # CDN off: fetched from its URL
    with pytest.raises(SourceGone):
        AssetStore().copy(Asset(), on_media, use=USE)
