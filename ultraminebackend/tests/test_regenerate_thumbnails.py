"""``manage.py regenerate_thumbnails``: missing thumbnails come back, nothing else is touched."""

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from core.models import Category, Product, ProductImage
from testsupport.files import image_bytes
from ultraminebackend.files.operations.thumbnails import (
    public_image_fields,
)
from ultraminebackend.files.storage.config import S3_READ_SPOOL_BYTES
from ultraminebackend.files.storage.naming import thumbnail_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return Category.objects.create(name="Rigs", slug="rigs")


@pytest.fixture
def make_product(category):
    counter = iter(range(1, 1000))

    def make(data=None, name="photo.jpg"):
        n = next(counter)
        data = image_bytes("JPEG", (1600, 1200)) if data is None else data
        return Product.objects.create(
            name=f"Rig {n}",
            slug=f"rig-{n}",
            price=Decimal("10.00"),
            category=category,
            image=ContentFile(data, name=name),
        )

    return make


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("regenerate_thumbnails", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


def stored_image(name: str) -> Image.Image:
    image = Image.open(io.BytesIO(stored_bytes(name)))
    image.load()
    return image


def thumbnail_of(row) -> str:
    return thumbnail_name(row.image.name)


def test_every_public_image_field_is_walked_and_no_private_one():
    labels = {f"{model._meta.label}.{field.name}" for model, field in public_image_fields()}

    assert labels == {
        "core.Product.image",
        "core.ProductImage.image",
        "core.Order.image",
        "ai_agent.Generation.image",
        "content.Media.file",  # images only: videos are filtered out by name
        "content.BlogImage.file",
    }


def test_missing_thumbnails_come_back_as_webp_of_the_right_size(make_product):
    # given: a JPEG product image and a translucent PNG gallery image lost their thumbnails
    product = make_product()
    gallery = ProductImage.objects.create(
        product=product,
        image=ContentFile(image_bytes("PNG", (1000, 250), (40, 90, 200, 128)), name="wide.png"),
    )
    kept = make_product()
    kept_bytes = stored_bytes(thumbnail_of(kept))
    default_storage.delete(thumbnail_of(product))
    default_storage.delete(thumbnail_of(gallery))

    # when
    out, err = run()

    # then
    assert "created 2, already present 1, missing original 0, failed 0" in out
    jpeg_thumb, png_thumb = stored_image(thumbnail_of(product)), stored_image(thumbnail_of(gallery))
    assert (jpeg_thumb.format, jpeg_thumb.size) == ("WEBP", (400, 300))
    assert (png_thumb.format, png_thumb.size, png_thumb.mode) == ("WEBP", (400, 100), "RGBA")
    assert stored_bytes(thumbnail_of(kept)) == kept_bytes
    assert "core.Product.image [" in err and "] 2/2" in err
    assert "core.ProductImage.image [" in err and "] 1/1" in err


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    ("stream", "bars"),
    [
        (io.StringIO, 1),  # a log: the finished bar only
        (Terminal, 6),  # drawn at 0, 1, 2, 3 and 4 of 4, and again below the note
    ],
)
def test_the_progress_bar_redraws_on_a_terminal_and_prints_once_in_logs(make_product, stream, bars):
    # given: 3 of 4 thumbnails missing, one original lost
    products = [make_product() for _ in range(4)]
    for product in products[:3]:
        default_storage.delete(thumbnail_of(product))
    default_storage.delete(products[0].image.name)
    err = stream()

    # when
    call_command("regenerate_thumbnails", stdout=io.StringIO(), stderr=err)

    # then
    output = err.getvalue()
    assert output.count("core.Product.image [") == bars
    assert "core.Product.image [##############################] 4/4\n" in output
    assert f"missing original: {products[0].image.name}\n" in output
    assert ("\r" in output) is (stream is Terminal)


def test_a_second_run_creates_nothing(make_product, settings):
    # given
    products = [make_product() for _ in range(3)]
    for product in products:
        default_storage.delete(thumbnail_of(product))
    run()
    files_after_first_run = sorted(p for p in settings.MEDIA_ROOT.rglob("*"))

    # when
    out, _ = run()

    # then
    assert "created 0, already present 3, missing original 0, failed 0" in out
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*")) == files_after_first_run


def test_a_missing_original_is_counted_and_the_rest_still_done(make_product):
    # given: one row lost both files, another only its thumbnail
    lost, other = make_product(), make_product()
    default_storage.delete(lost.image.name)
    default_storage.delete(thumbnail_of(lost))
    default_storage.delete(thumbnail_of(other))

    # when
    out, err = run()

    # then
    assert "created 1, already present 0, missing original 1, failed 0" in out
    assert f"missing original: {lost.image.name}" in err
    assert default_storage.exists(thumbnail_of(other))
    assert not default_storage.exists(thumbnail_of(lost))


def test_dry_run_counts_and_writes_nothing(make_product, settings):
    # given
    product = make_product()
    make_product()
    default_storage.delete(thumbnail_of(product))
    files_before = sorted(settings.MEDIA_ROOT.rglob("*"))

    # when
    out, _ = run("--dry-run")

    # then
    assert "Dry run, nothing written: would create 1, already present 1" in out
    assert not default_storage.exists(thumbnail_of(product))
    assert sorted(settings.MEDIA_ROOT.rglob("*")) == files_before


def test_force_remakes_present_thumbnails_and_plain_runs_leave_them(make_product, settings):
    # given: a thumbnail that exists but is junk (a plain run only checks presence)
    product = make_product()
    (settings.MEDIA_ROOT / thumbnail_of(product)).write_bytes(b"not a webp")

    # when
    plain, _ = run()
    forced, _ = run("--force")

    # then
    assert "created 0, already present 1" in plain
    assert "created 1, already present 0" in forced
    assert stored_image(thumbnail_of(product)).size == (400, 300)
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "products").iterdir()) == sorted(
        [product.image.name.split("/")[1], thumbnail_of(product).split("/")[1]]
    )  # replaced in place: no renamed copy beside it


def test_an_unreadable_original_is_reported_and_fails_the_exit_status(make_product, settings):
    # given: a truncated original and a healthy row, both without thumbnails
    broken, healthy = make_product(), make_product()
    original = settings.MEDIA_ROOT / broken.image.name
    original.write_bytes(original.read_bytes()[:2000])
    default_storage.delete(thumbnail_of(broken))
    default_storage.delete(thumbnail_of(healthy))
    out, err = io.StringIO(), io.StringIO()

    # when
    with pytest.raises(CommandError, match="1 thumbnail"):
        call_command("regenerate_thumbnails", stdout=out, stderr=err)

    # then
    assert "created 1, already present 0, missing original 0, failed 1" in out.getvalue()
    assert f"failed: {broken.image.name}: " in err.getvalue()
    assert default_storage.exists(thumbnail_of(healthy))
    assert not default_storage.exists(thumbnail_of(broken))


def test_thumbnails_come_back_on_s3(make_product, s3):
    # given
    client, bucket = s3
    product = make_product()
    thumbnail_key = f"media/{thumbnail_of(product)}"
    client.delete_object(Bucket=bucket, Key=thumbnail_key)

    # when
    first, _ = run()
    second, _ = run()

    # then
    assert "created 1, already present 0, missing original 0, failed 0" in first
    assert "created 0, already present 1" in second
    head = client.head_object(Bucket=bucket, Key=thumbnail_key)
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"].startswith("public")
    body = client.get_object(Bucket=bucket, Key=thumbnail_key)["Body"].read()
    assert Image.open(io.BytesIO(body)).size == (400, 300)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {f"media/{product.image.name}", thumbnail_key}


@pytest.mark.usefixtures("s3")
def test_large_s3_originals_are_read_through_disk_not_memory():
    # given
    name = default_storage.save("products/big.bin", ContentFile(b"x" * (S3_READ_SPOOL_BYTES + 1)))

    # when
    with default_storage.open(name, "rb") as file:
        file.read(1)

        # then: SpooledTemporaryFile rolled over to a real temporary file
        assert file.file._rolled


def test_post_media_images_get_thumbnails_and_videos_are_skipped(
    user, django_capture_on_commit_callbacks
):
    # given a post with an image and a video on our storage, the image's thumbnail lost
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from content.models import Media, Post

    post = Post.objects.create(user=user, caption="launch")
    image = Media(post=post, user=user, type="image", storage="media", position=0)
    image.file.save("a.png", ContentFile(image_bytes("PNG", (80, 40))), save=True)
    video = Media(post=post, user=user, type="video", storage="media", position=1)
    video.file.save("clip.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64), save=True)
    default_storage.delete(thumbnail_name(image.file.name))

    # when
    call_command("regenerate_thumbnails", stdout=io.StringIO(), stderr=io.StringIO())

    # then the image has its thumbnail again and nothing was made for the video
    assert default_storage.exists(thumbnail_name(image.file.name))
    assert not default_storage.exists(thumbnail_name(video.file.name))
